"""Real servers for the serving tests: ``chainplan serve`` and ``chainplan worker`` as subprocesses, a throwaway
``redis-server``, PostgreSQL restarted in place, and a client that signs in and drives a background callback over
HTTP the way Dash's renderer does (start, then poll with the signed job handles).

Every process here is started by the test and stopped by its id.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psutil
import pytest
import requests

from chainplan import services
from chainplan.ports import AuditEntry, StoredRun
from chainplan.scenario import load_scenario
from dash_app.forms import form_values
from models.storage import SqlAlchemyStorage

ROOT = Path(__file__).resolve().parent.parent
CHAINPLAN = [sys.executable, "-m", "models.cli"]
REDIS_URL = os.environ.get("CHAINPLAN_TEST_REDIS_URL")
REQUIRE_REDIS = os.environ.get("CHAINPLAN_REQUIRE_REDIS") == "1"
ADMIN_PASSWORD = "serving-tests-1"
SECRET = "serving-tests-secret-key"
#: The run page's background callback: the outputs it writes and the controls it reads.
RUN_OUTPUTS = [{"id": "allocation-run", "property": "data"}, {"id": "run-message", "property": "children"}]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def redis_server_binary() -> str:
    """Debian's ``redis-server`` (skipped when missing, unless CHAINPLAN_REQUIRE_REDIS=1, as .ci/run sets)."""
    found = shutil.which("redis-server")
    if found is None:
        needed("redis-server not found (apt-get install redis-server; .ci/run does)")
    return str(found)


def needed(message: str) -> None:
    """Skip with ``message``, or fail when CI requires Redis."""
    if REQUIRE_REDIS:
        pytest.fail(f"CHAINPLAN_REQUIRE_REDIS=1 but {message}")
    pytest.skip(message)


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A throwaway ``redis-server`` on a free port, nothing saved to disk; stopped at the end."""
    server = RedisServer(redis_server_binary(), free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class RedisServer:
    binary: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: _answers(self.port), "redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(condition: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def prepared_database(url: str, folder: Path) -> None:
    """The demo dataset, an admin, run 1 (baseline-2020) adopted for 2026: runs, audit rows and appraisals to keep.

    Written in this process, as the command line would (the same services): four commands' start-up saved."""
    storage = SqlAlchemyStorage()
    storage.upgrade(url)
    services.load_demo(storage.unit_of_work(url))
    services.ensure_demo_admin(storage.unit_of_work(url), ADMIN_PASSWORD)
    run = services.run_allocation(storage.unit_of_work(url), ROOT / "scenarios" / "baseline-2020.yaml", by="tests")
    services.adopt_run(storage.unit_of_work(url), int(run.run_id or 0), by="tests", year=2026)


@dataclass
class Snapshot:
    """Everything stored that a fault must not lose or cut short."""

    runs: dict[int, StoredRun]
    audit: list[AuditEntry]
    appraisals: list[dict[str, Any]]


def snapshot(url: str) -> Snapshot:
    with SqlAlchemyStorage().unit_of_work(url) as uow:
        runs = {run.id or 0: run for run in uow.repository.list_runs()}
        audit = uow.repository.list_audit()
        appraisals = uow.repository.load().to_records()["appraisals"]
    return Snapshot(runs, audit, appraisals)


def assert_nothing_lost(before: Snapshot, after: Snapshot) -> None:
    """Every run, audit row and appraisal stored before is still there, unchanged; new runs are whole."""
    for run_id, run in before.runs.items():
        assert after.runs.get(run_id) == run, f"run {run_id} lost or changed"
    assert after.audit[:len(before.audit)] == before.audit, "audit rows lost or changed"
    assert after.appraisals == before.appraisals, "appraisals changed"
    reference = next(iter(before.runs.values()))
    for run_id in set(after.runs) - set(before.runs):
        assert_whole(after.runs[run_id], reference)


def assert_whole(run: StoredRun, reference: StoredRun) -> None:
    """A stored run of the reference's scenario, on the same data, is the reference's allocation in full: same
    plans funded with the same amounts, every plan explained (the solve is deterministic)."""
    assert run.scenario_name == reference.scenario_name
    assert run.dataset_fingerprint == reference.dataset_fingerprint
    assert run.status == reference.status
    assert _funded(run) == _funded(reference)
    assert len(run.result["decisions"]) == len(reference.result["decisions"])
    assert all(decision["explanation"] and decision["explanation_vi"] for decision in run.result["decisions"])


def _funded(run: StoredRun) -> dict[str, int]:
    return {plan["plan_code"]: int(plan["total_vnd"]) for plan in run.result["funded_plans"]}


class ChainplanServer:
    """``chainplan serve`` in a subprocess on a free port; stopped with SIGTERM, which must end it cleanly."""

    def __init__(self, db_url: str, folder: Path, *, workers: int = 2, jobs: str | None = None) -> None:
        self.db_url, self.folder, self.workers, self.jobs = db_url, folder, workers, jobs
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"serve-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChainplanServer:
        command = [*CHAINPLAN, "--db", self.db_url, "serve", "--port", str(self.port), "--workers", str(self.workers)]
        if self.jobs:
            command += ["--jobs", self.jobs]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, cwd=self.folder, env=server_environment(), stdout=log,
                                            stderr=subprocess.STDOUT)
        wait_for(lambda: self._ready(), f"chainplan serve on port {self.port} (log: {self.log})")
        return self

    def _ready(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"chainplan serve exited with {self.process.returncode}:\n{self.log.read_text()}")
        if len(self.workers_now()) < self.workers:
            return False
        try:
            return requests.get(f"{self.base}/login", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def workers_now(self) -> list[psutil.Process]:
        """The gunicorn worker processes (the master's children)."""
        assert self.process is not None
        return psutil.Process(self.process.pid).children()

    def jobs_now(self) -> list[psutil.Process]:
        """Background jobs running beside the server: children of its workers."""
        return [child for worker in self.workers_now() for child in worker.children(recursive=True)]

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(60)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


def server_environment() -> dict[str, str]:
    return {**os.environ, "CHAINPLAN_SECRET_KEY": SECRET, "CHAINPLAN_SCENARIOS": str(ROOT / "scenarios"),
            "PYTHONPATH": str(ROOT)}


@contextmanager
def serving(db_url: str, folder: Path, **options: Any) -> Iterator[ChainplanServer]:
    server = ChainplanServer(db_url, folder, **options).start()
    try:
        yield server
    finally:
        code = server.stop()
        assert code == 0, f"chainplan serve ended with {code} on SIGTERM:\n{server.log.read_text()}"


@contextmanager
def celery_worker(db_url: str, jobs: str, folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """``chainplan worker`` with one solving process; ready once it reports so."""
    log = folder / f"worker-{time.monotonic_ns()}.log"
    with open(log, "wb") as handle:
        process = subprocess.Popen([*CHAINPLAN, "--db", db_url, "worker", "--jobs", jobs, "--concurrency", "1"],
                                   cwd=folder, env=server_environment(), stdout=handle, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: process.poll() is not None or b"ready." in log.read_bytes(), f"celery worker ({log})")
        assert process.poll() is None, log.read_text()
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@dataclass
class Job:
    """A background callback started from a page: its signed handles and the request body it polls with."""

    end_id: str
    cache_key: str
    job: str
    body: dict[str, Any]
    polls: list[dict[str, Any]] = field(default_factory=list)


class WebClient:
    """A signed-in browser, without the browser: pages, the login form, and background callbacks over HTTP."""

    def __init__(self, base: str, user: str = "admin", password: str = ADMIN_PASSWORD,
                 http: requests.Session | None = None) -> None:
        self.base = base
        # ``http``: another session to sign in with (``benchmarks/load.py`` passes locust's, which times requests).
        self.http = http if http is not None else requests.Session()
        form = self.http.get(f"{base}/login", timeout=30).text
        # Every hidden field of the form is sent back (the next page, a CSRF token when the form has one).
        fields = {html.unescape(name): html.unescape(value) for name, value in
                  re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)}
        answer = self.http.post(f"{base}/login", data={**fields, "username": user, "password": password},
                                allow_redirects=False, timeout=30)
        assert answer.status_code == 302, answer.text

    def get(self, path: str) -> requests.Response:
        return self.http.get(f"{self.base}{path}", timeout=60)

    def end_id(self, path: str) -> str:
        page = self.get(path)
        assert page.status_code == 200, page.status_code
        config = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', page.text, re.S)
        assert config is not None, "no Dash configuration in the page"
        return str(json.loads(config.group(1))["end_id"])

    def start_run(self, scenario: str = "baseline-2020", lang: str = "en") -> Job:
        """Press "Run" on the allocation page: the background callback is queued; its handles come back."""
        key = f"file:{scenario}.yaml"
        page = f"/allocation?lang={lang}&scenario={key}"
        end_id = self.end_id(page)
        # The form as the page draws it for this scenario: every knob's id and value.
        knobs = form_values(load_scenario(ROOT / "scenarios" / f"{scenario}.yaml"), lang)
        ids = [{"type": "knob", "key": key} for key in knobs]
        body = {
            "output": "..allocation-run.data...run-message.children..", "outputs": RUN_OUTPUTS,
            "inputs": [{"id": "run-button", "property": "n_clicks", "value": 1}],
            "changedPropIds": ["run-button.n_clicks"],
            "state": [{"id": "scenario-select", "property": "value", "value": key},
                      [{"id": i, "property": "value", "value": knobs[i["key"]]} for i in ids],
                      [{"id": i, "property": "id", "value": i} for i in ids],
                      {"id": "value-of-money", "property": "value", "value": []},
                      {"id": "allocation-lang", "property": "data", "value": lang},
                      {"id": "year-select", "property": "value", "value": None}],
        }
        answer = self.http.post(f"{self.base}/_dash-update-component", params={"endId": end_id}, json=body,
                                headers={"Referer": f"{self.base}{page}"}, timeout=60)
        assert answer.status_code == 200, answer.text
        handles = answer.json()
        if "cacheKey" not in handles:  # refused at once (the queue is down): the page's answer itself
            return Job(end_id, "", "", body, [handles])
        return Job(end_id, handles["cacheKey"], handles["job"], body)

    def poll(self, job: Job) -> dict[str, Any]:
        """One poll, as the renderer sends it (every state blanked, the page's address as referrer)."""
        blank = {**job.body, "inputs": [{**i, "value": None} for i in job.body["inputs"]],
                 "state": [{**s, "value": None} if isinstance(s, dict) else [{**k, "value": None} for k in s]
                           for s in job.body["state"]]}
        lang = next(s["value"] for s in job.body["state"] if isinstance(s, dict) and s["id"] == "allocation-lang")
        try:
            answer = self.http.post(f"{self.base}/_dash-update-component",
                                    params={"endId": job.end_id, "cacheKey": job.cache_key, "job": job.job},
                                    json=blank, headers={"Referer": f"{self.base}/allocation?lang={lang}"}, timeout=60)
        except requests.ConnectionError:  # its connection was to a worker just killed: the next poll reconnects
            job.polls.append({})
            return {}
        assert answer.status_code in (200, 204), (answer.status_code, answer.text)
        document = answer.json() if answer.status_code == 200 else {}
        job.polls.append(document)
        return document

    def finish(self, job: Job, timeout: float = 120.0) -> dict[str, Any]:
        """Poll until the job answers with the outputs (``response``): ``{component: {property: value}}``."""
        if not job.cache_key:
            return dict(job.polls[-1].get("response", {}))
        done = wait_for(lambda: self.poll(job).get("response"), "the background job's answer", timeout)
        return dict(done)


def message_text(response: dict[str, Any]) -> str:
    """The text of the run page's message area in a job's answer."""
    return _text(response.get("run-message", {}).get("children"))


def _text(node: Any) -> str:
    if node is None:
        return ""
    if isinstance(node, str | int | float):
        return str(node)
    if isinstance(node, list):
        return " ".join(_text(n) for n in node)
    return _text(node.get("props", {}).get("children"))


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="chainplan-serving-"))


def postgres_restart(url: str) -> None:
    """Restart the PostgreSQL server behind ``url`` in place (fast shutdown, then start with its own options)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as connection:
        data = connection.execute(text("SHOW data_directory")).scalar_one()
        binaries = connection.execute(text("SELECT setting FROM pg_config WHERE name = 'BINDIR'")).scalar_one()
    engine.dispose()
    command = f"'{binaries}/pg_ctl' -D '{data}' -w -m fast restart -l '{data}/restart.log'"
    if os.geteuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True, stdout=subprocess.DEVNULL)
    else:
        subprocess.run(["/bin/sh", "-c", command], check=True, stdout=subprocess.DEVNULL)


def port_of(url: str) -> int:
    return int(urlsplit(url).port or 6379)
