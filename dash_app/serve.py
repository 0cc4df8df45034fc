"""``chainplan serve`` and ``chainplan worker``: the web interface under gunicorn, and Celery workers for its jobs.

- **serve**: gunicorn's master loads the app once (``preload_app``) and forks N workers of a few threads each.
  The schema is upgraded in the master before any fork, so workers never race Alembic on a fresh database; every
  engine a worker inherits drops its pooled connections in the child (``models.uow``'s fork hook), so no two
  processes share a database socket. Nothing lives in a worker's memory: the user is read from the database on
  every request, the session is a signed cookie whose key is shared (``CHAINPLAN_SECRET_KEY`` or the key file),
  background jobs and their results are in the disk cache or in Redis, so a worker killed at any moment is
  replaced by the master and the next request is served by any worker. SIGTERM stops it gracefully: workers
  finish their requests (up to :data:`GRACEFUL_SECONDS`), then exit.
- **worker**: a Celery worker on the job queue (``--jobs redis://...``), one solve at a time per process; SIGTERM
  lets the solves in progress finish.
"""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from dash_app.jobs import QueuedJobs, check_queue, jobs_url

__all__ = ["GRACEFUL_SECONDS", "KEEPALIVE_SECONDS", "THREADS_PER_WORKER", "default_workers", "run_worker", "serve"]

#: Threads per worker process: a request waiting on the database leaves the worker free for another.
THREADS_PER_WORKER = 4
#: A request (a page, a callback, the committee pack) taking longer than this is ended and its worker replaced;
#: solves run as jobs, outside requests.
REQUEST_TIMEOUT_SECONDS = 120
#: How long SIGTERM waits for requests in progress.
GRACEFUL_SECONDS = 30
#: How long an idle browser connection is kept open. gunicorn's default (2 s) is shorter than a person's pause
#: between two clicks, and closing a connection just as the browser sends on it resets that request: under load
#: (``benchmarks/load.py``) 1 to 3 % of page callbacks failed so. Idle connections wait in a worker's poller, not
#: in its threads; 75 s is nginx's own keep-alive.
KEEPALIVE_SECONDS = 75


def default_workers() -> int:
    """One worker process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Gunicorn(BaseApplication):
    """gunicorn's application, configured from code rather than a configuration file or its own command line."""

    def __init__(self, options: dict[str, Any], build: Any) -> None:
        self.options = options
        self.build = build
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.build()


def serve(db_url: str | None, *, host: str, port: int, workers: int | None, jobs: str | None) -> int:
    """Serve the web interface on ``host:port`` with ``workers`` processes (default: one per core); returns the
    exit code when gunicorn stops."""
    from dash_app.app import create_app
    from dash_app.state import storage

    queue = jobs_url(jobs)
    if queue is not None:
        check_queue(queue)

    def build() -> Any:
        app = create_app(db_url, jobs=queue)
        storage().upgrade(db_url)  # once, in the master, before any worker exists
        return app.server

    options = {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "worker_class": "gthread",
        "threads": THREADS_PER_WORKER,
        "preload_app": True,
        "timeout": REQUEST_TIMEOUT_SECONDS,
        "graceful_timeout": GRACEFUL_SECONDS,
        "keepalive": KEEPALIVE_SECONDS,
        "proc_name": "chainplan",
        "control_socket_disable": True,  # two servers on one host would share its path; nothing here uses it
        "errorlog": "-",
        "loglevel": "info",
    }
    print(f"chainplan UI on http://{host}:{port}/ ({options['workers']} workers; jobs "
          f"{'on ' + _without_password(queue) if queue else 'beside this server'})", flush=True)
    try:
        _Gunicorn(options, build).run()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def run_worker(db_url: str | None, *, jobs: str | None, concurrency: int | None) -> int:
    """Run a Celery worker for the web interface's jobs on the queue ``jobs``; returns its exit code."""
    from dash_app.app import create_app, jobs_of
    from dash_app.jobs import JobsUnreachable
    from dash_app.state import use_worker_database

    queue = jobs_url(jobs)
    if queue is None:
        raise JobsUnreachable("error.jobs.worker_needs_queue")
    check_queue(queue)
    app = create_app(db_url, jobs=queue)
    use_worker_database(db_url)
    manager = jobs_of(app)
    assert isinstance(manager, QueuedJobs)
    argv = ["worker", "--loglevel=INFO", f"--concurrency={concurrency or default_workers()}", "--pool=prefork",
            "--hostname=chainplan@%h", "--without-gossip", "--without-mingle"]
    try:
        manager.handle.worker_main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _without_password(url: str) -> str:
    """The queue's address as printed: a password in it is not shown.

    Examples
    --------
    >>> _without_password("redis://:secret@queue:6379/0")
    'redis://queue:6379/0'
    >>> _without_password("redis://127.0.0.1:6379/1")
    'redis://127.0.0.1:6379/1'
    """
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{rest.rsplit('@', 1)[-1]}"
