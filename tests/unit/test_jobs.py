"""Background jobs: a job that died without a result is reported (never left looking cancelled), a cancelled or
finished one is not; the job queue's address is checked; the serving commands refuse bad input with exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dash_app.jobs import JobFailed, JobsUnreachable, LocalJobs, jobs_url
from models.cli import main


def _ended_process() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_job_gone_without_a_result_is_reported_lost(tmp_path: Path) -> None:
    import diskcache

    jobs = LocalJobs(diskcache.Cache(str(tmp_path / "jobs")))
    with pytest.raises(JobFailed) as lost:
        jobs.get_result("key", _ended_process())
    assert lost.value.code == "error.jobs.lost"
    assert "ended before it finished" in str(lost.value)
    assert "đã dừng trước khi hoàn thành" in lost.value.message("vi")


def test_a_result_a_running_job_and_a_cancelled_job_are_not_lost(tmp_path: Path) -> None:
    import diskcache

    jobs = LocalJobs(diskcache.Cache(str(tmp_path / "jobs")))
    ended = _ended_process()
    jobs.handle.set("done", {"ok": 1})
    assert jobs.get_result("done", ended) == {"ok": 1}  # it wrote its result, then ended
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert jobs.get_result("waiting", running.pid) is jobs.UNDEFINED
        jobs.terminate_job(running.pid)  # the page's cancel button
        running.wait(10)
        assert jobs.get_result("waiting", running.pid) is jobs.UNDEFINED
    finally:
        running.kill()
        running.wait()


def test_two_people_starting_the_same_job_get_results_of_their_own(tmp_path: Path) -> None:
    # Dash keys a job's result by its function and inputs: two planners pressing "run" on the same scenario got
    # one key, and the second was told their job was lost once the first had read the result.
    import diskcache

    jobs = LocalJobs(diskcache.Cache(str(tmp_path / "jobs")))

    def run(scenario: str) -> str:
        return scenario

    keys = {jobs.build_cache_key(run, ["file:baseline-2020.yaml", 1], [], None) for _ in range(2)}
    assert len(keys) == 2
    jobs.handle.set(sorted(keys)[0], {"run": 7})
    assert jobs.get_result(sorted(keys)[0], _ended_process()) == {"run": 7}
    with pytest.raises(JobFailed):  # the other job ended without its own result: reported, never another's
        jobs.get_result(sorted(keys)[1], _ended_process())


def test_the_job_queue_is_a_redis_address(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINPLAN_JOBS_URL", raising=False)
    assert jobs_url(None) is None
    monkeypatch.setenv("CHAINPLAN_JOBS_URL", "rediss://queue:6380/2")
    assert jobs_url(None) == "rediss://queue:6380/2"
    assert jobs_url("redis://other:6379/0") == "redis://other:6379/0"  # --jobs first
    with pytest.raises(JobsUnreachable) as refused:
        jobs_url("amqp://queue")
    assert refused.value.message("vi").startswith("--jobs amqp://queue: không phải địa chỉ Redis")


@pytest.mark.parametrize(("command", "said"), [
    (["serve", "--jobs", "amqp://queue", "--port", "1"], "not a Redis address"),
    (["serve", "--jobs", "redis://127.0.0.1:1/0", "--port", "1"], "cannot reach the job queue"),
    (["worker", "--jobs", "redis://127.0.0.1:1/0"], "cannot reach the job queue"),
    (["worker"], "chainplan worker needs the job queue"),
])
def test_serving_commands_refuse_a_queue_they_cannot_use(command: list[str], said: str, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("CHAINPLAN_JOBS_URL", raising=False)
    assert main(["--db", f"sqlite:///{tmp_path / 'x.db'}", *command]) == 2
    assert said in capsys.readouterr().err
