"""Where background solves run: beside the web server (diskcache) or on Celery workers through Redis.

Dash runs a ``background=True`` callback as a job and the page polls for its result. Its two managers leave a
job that died without a result (a killed process, a worker machine gone) looking like a cancelled one: the page
stops waiting and says nothing. :class:`LocalJobs` and :class:`QueuedJobs` tell the page instead, with
:class:`JobFailed`, which :func:`job_failed_handler` writes in the page's language:

- ``error.jobs.lost``: the job is no longer running and left no result (for Celery: the task failed without
  reporting, or its worker stopped beating, see :data:`HEARTBEAT_SECONDS`);
- ``error.jobs.queue_down``: the job queue (Redis) cannot be reached to start or follow the job.

A run is stored by its job in one transaction at the end (``chainplan.services.run_allocation``), so a job that
dies leaves the run stored whole or not at all: the messages say so, and send the planner to the list of runs.

Celery workers are started with ``chainplan worker`` (:func:`run_worker`); a task is acknowledged when a worker
takes it, so a worker that dies mid-solve fails its job rather than running the solve a second time.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import dash
import diskcache
import flask
from dash import CeleryManager, DiskcacheManager, html

from chainplan.errors import ChainplanError
from dash_app.i18n import language

__all__ = [
    "HEARTBEAT_SECONDS",
    "JOBS_URL_ENV",
    "JobFailed",
    "JobsUnreachable",
    "LocalJobs",
    "QueuedJobs",
    "celery_app",
    "check_queue",
    "job_failed_handler",
    "job_manager",
    "jobs_url",
]

log = logging.getLogger(__name__)

#: The environment variable that names the job queue when ``--jobs`` is not given.
JOBS_URL_ENV = "CHAINPLAN_JOBS_URL"
#: A Celery job in progress marks itself alive this often; a mark older than three beats means its worker is gone.
HEARTBEAT_SECONDS = 2.0
_ALIVE_FOR = int(3 * HEARTBEAT_SECONDS) + 1
#: How long the queue may take to answer before the page is told it cannot be reached (seconds).
QUEUE_TIMEOUT_SECONDS = 3.0


class JobFailed(ChainplanError):
    """A background job that ended without a result, or cannot be started or followed."""


class JobsUnreachable(ChainplanError):
    """``--jobs`` names no Redis address, or the queue there does not answer (``chainplan worker``)."""


def jobs_url(explicit: str | None) -> str | None:
    """``--jobs`` if given, else ``CHAINPLAN_JOBS_URL``, else ``None`` (jobs beside the server).

    Raises :class:`JobsUnreachable` (``error.jobs.bad_url``) for an address that is not ``redis://`` or
    ``rediss://``.

    Examples
    --------
    >>> jobs_url("redis://127.0.0.1:6379/0")
    'redis://127.0.0.1:6379/0'
    >>> jobs_url("amqp://queue")
    Traceback (most recent call last):
    ...
    dash_app.jobs.JobsUnreachable: --jobs amqp://queue: not a Redis address; write redis://HOST:PORT/N
    """
    url = explicit or os.environ.get(JOBS_URL_ENV) or None
    if url is not None and urlsplit(url).scheme not in ("redis", "rediss"):
        raise JobsUnreachable("error.jobs.bad_url", url=url)
    return url


class _ReportsLostJobs:
    """What both managers add to Dash's: a job that is gone without a result is reported, not left silent."""

    UNDEFINED: object
    job_running: Callable[[Any], bool]  # the manager's own
    # Each manager keeps the marks in its own store (the disk cache, or Redis): both define these two.
    _mark_ended: Callable[[object], None]
    _was_ended: Callable[[object], bool]

    def _ended_key(self, job: object) -> str:
        return f"chainplan-job-ended-{job}"

    def build_cache_key(self, fn: Any, args: Any, cache_args_to_ignore: Any, triggered: Any) -> str:
        # Dash files a job's result under its function and inputs: two planners running the same scenario at once
        # shared one result, the first to poll took it, and the other's job was reported lost. Each job that is
        # started gets a key of its own (nothing here is cached across jobs: results are cleared once read).
        key = super().build_cache_key(fn, args, cache_args_to_ignore, triggered)  # type: ignore[misc]
        return f"{key}-{uuid.uuid4().hex}"

    def get_result(self, key: str, job: Any) -> Any:
        result = super().get_result(key, job)  # type: ignore[misc]
        if result is self.UNDEFINED and job is not None and not self.job_running(job):
            # The job may have written its result between the read above and its end: read once more.
            result = super().get_result(key, job)  # type: ignore[misc]
            if result is self.UNDEFINED and not self._was_ended(job):
                raise JobFailed("error.jobs.lost")
        return result

    def terminate_job(self, job: Any) -> None:
        # Cancelled from the page, or finished: a later poll for it is not a lost job.
        if job is not None:
            self._mark_ended(job)
        super().terminate_job(job)  # type: ignore[misc]


class LocalJobs(_ReportsLostJobs, DiskcacheManager):
    """Jobs as child processes of the serving machine, their results in a disk cache every worker shares."""

    def _mark_ended(self, job: object) -> None:
        self.handle.set(self._ended_key(job), True, expire=24 * 3600)

    def _was_ended(self, job: object) -> bool:
        return bool(self.handle.get(self._ended_key(job), False))


@contextmanager
def _queue_errors() -> Iterator[None]:
    """The queue's connection errors as :class:`JobFailed` (``error.jobs.queue_down``), for the page."""
    from kombu.exceptions import OperationalError
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    try:
        yield
    except (RedisConnectionError, RedisTimeoutError, OperationalError, ConnectionError, TimeoutError) as exc:
        log.warning("job queue unreachable: %s", exc)
        raise JobFailed("error.jobs.queue_down") from None


class QueuedJobs(_ReportsLostJobs, CeleryManager):
    """Jobs as Celery tasks through Redis, run by ``chainplan worker`` on any machine that reaches the queue."""

    def _client(self) -> Any:
        return self.handle.backend.client

    def _mark_ended(self, job: object) -> None:
        with _queue_errors():
            self._client().set(self._ended_key(job), 1, ex=24 * 3600)

    def _was_ended(self, job: object) -> bool:
        with _queue_errors():
            return bool(self._client().exists(self._ended_key(job)))

    def job_running(self, job: Any) -> bool:
        with _queue_errors():
            state = self.handle.AsyncResult(job).state
            if state == "PENDING":
                return True  # waiting in the queue for a free worker
            if state in ("RECEIVED", "STARTED", "PROGRESS", "RETRY"):
                return bool(self._client().exists(_alive_key(str(job))))
            return False

    def call_job_fn(self, key: str, job_fn: Any, args: Any, context: Any) -> Any:
        with _queue_errors():
            # Asked first: publishing to a queue that is down retries its connection for many seconds (kombu's own
            # policy) while the planner waits for the page to answer.
            self._client().ping()
            return super().call_job_fn(key, job_fn, args, context)

    def get_progress(self, key: str) -> Any:
        with _queue_errors():
            return super().get_progress(key)

    def result_ready(self, key: str) -> bool:
        with _queue_errors():
            return bool(super().result_ready(key))

    def get_result(self, key: str, job: Any) -> Any:
        with _queue_errors():
            return super().get_result(key, job)

    def get_updated_props(self, key: str) -> Any:
        with _queue_errors():
            return super().get_updated_props(key)

    def terminate_job(self, job: Any) -> None:
        with _queue_errors():
            super().terminate_job(job)


def _alive_key(task_id: str) -> str:
    return f"chainplan-job-alive-{task_id}"


def celery_app(url: str) -> Any:
    """The Celery application on the Redis at ``url`` (queue and results), as the web server and workers use it.

    Tasks are acknowledged when taken (a lost worker fails its job instead of solving it twice), one task at a time
    per worker process, and every connection gives up after :data:`QUEUE_TIMEOUT_SECONDS` so that a page asking
    about a job hears "cannot be reached" rather than waiting.
    """
    from celery import Celery, signals

    app = Celery("chainplan", broker=url, backend=url)
    app.conf.update(
        task_track_started=True,
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        task_serializer="json", result_serializer="json", accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=QUEUE_TIMEOUT_SECONDS,
        broker_transport_options={"socket_connect_timeout": QUEUE_TIMEOUT_SECONDS,
                                  "socket_timeout": QUEUE_TIMEOUT_SECONDS},
        task_publish_retry=False,
        redis_socket_connect_timeout=QUEUE_TIMEOUT_SECONDS,
        redis_socket_timeout=QUEUE_TIMEOUT_SECONDS,
        redis_retry_on_timeout=False,
        result_expires=24 * 3600,
        worker_hijack_root_logger=False,
    )
    beats: dict[str, threading.Event] = {}

    @signals.task_prerun.connect(weak=False)
    def _start_beating(task_id: str | None = None, task: Any = None, **_: Any) -> None:
        # Before Celery records STARTED, so a started job is never seen without its mark.
        if task is None or task.app is not app or task_id is None:
            return
        client = app.backend.client
        stop = beats[task_id] = threading.Event()
        client.set(_alive_key(task_id), 1, ex=_ALIVE_FOR)

        def beat() -> None:
            while not stop.wait(HEARTBEAT_SECONDS):
                try:
                    client.set(_alive_key(task_id), 1, ex=_ALIVE_FOR)
                except Exception as exc:  # the queue is down: the page will say so; keep solving
                    log.warning("cannot mark job %s alive: %s", task_id, exc)

        threading.Thread(target=beat, name=f"heartbeat-{task_id}", daemon=True).start()

    @signals.task_postrun.connect(weak=False)
    def _stop_beating(task_id: str | None = None, task: Any = None, **_: Any) -> None:
        if task is None or task.app is not app or task_id is None:
            return
        stop = beats.pop(task_id, None)
        if stop is not None:
            stop.set()

    return app


def check_queue(url: str) -> None:
    """Raise :class:`JobsUnreachable` (``error.jobs.unreachable``) unless the Redis at ``url`` answers."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=QUEUE_TIMEOUT_SECONDS,
                             socket_timeout=QUEUE_TIMEOUT_SECONDS).ping()
    except (redis.exceptions.RedisError, OSError) as exc:
        raise JobsUnreachable("error.jobs.unreachable", url=url, detail=str(exc)) from None


def job_manager(url: str | None, cache_folder: os.PathLike[str] | str) -> LocalJobs | QueuedJobs:
    """The manager for ``url`` (:func:`jobs_url`): Celery through Redis, else a disk cache at ``cache_folder``."""
    if url is None:
        return LocalJobs(diskcache.Cache(str(cache_folder)))
    return QueuedJobs(celery_app(url))


def _page_language(lang_store: str) -> str:
    """The page's language: its store, which the page sends when it starts a job; while it polls, the renderer
    blanks every state, so then the page's address (the request's referrer, ``?lang=``)."""
    stored = (dash.callback_context.states or {}).get(f"{lang_store}.data")
    if stored:
        return language(stored)
    referrer = flask.request.referrer if flask.has_request_context() else None
    return language(parse_qs(urlsplit(referrer or "").query).get("lang", [None])[0])


def job_failed_handler(lang_store: str, outputs: int) -> Callable[[Exception], list[Any]]:
    """A background callback's ``on_error``: its last output (the message) says why the job failed, in the
    language of the store ``lang_store``; the other ``outputs - 1`` outputs are left as they are.

    Runs in the web server, for a job that raised, died without a result, or cannot be reached.
    """
    def handler(error: Exception) -> list[Any]:
        lang = _page_language(lang_store)
        failure = error if isinstance(error, JobFailed) else JobFailed("error.jobs.failed")
        if not isinstance(error, JobFailed):
            log.error("background job failed: %r", error, exc_info=error)
        message = html.Div(failure.message(lang), className="cp-error", id="job-failed", role="alert")
        return [dash.no_update] * (outputs - 1) + [message]

    return handler
