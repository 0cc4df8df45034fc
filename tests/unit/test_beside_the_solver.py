"""Work that does not need the answer runs beside the solver: once, on another thread, while the solver works; its
failure is the run's failure; the answer is the same as without it."""

from __future__ import annotations

import threading
import time

import pulp
import pytest

import chainplan.allocation.solve as solve_module
from chainplan.allocation import allocate, explain
from chainplan.allocation.baselines import BASELINES
from chainplan.allocation.highs import ArrayHiGHS
from chainplan.allocation.solve import BesideTheSolver, Deadline
from chainplan.demo import build_demo_dataset
from chainplan.scenario import Scenario
from chainplan.services.programme import DeferredFingerprint
from chainplan.years import data_fingerprint

WAIT_S = 20.0  # far above the demo's solve; reached only when the work does not run beside the solver


def test_the_work_runs_on_another_thread_while_the_solver_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """The solver waits for the work to have started and the work waits for the solver to have started: run one
    after the other on one thread, either would wait out ``WAIT_S`` and the test fails."""
    work_started, solve_started = threading.Event(), threading.Event()
    threads: list[int] = []
    real_run = ArrayHiGHS.callSolver

    def run_once_the_work_runs(solver, problem):  # type: ignore[no-untyped-def]
        solve_started.set()
        assert work_started.wait(WAIT_S), "the work did not run while the solver worked"
        return real_run(solver, problem)

    def work() -> None:
        threads.append(threading.get_ident())
        work_started.set()
        assert solve_started.wait(WAIT_S), "the solver did not start while the work ran"

    monkeypatch.setattr(ArrayHiGHS, "callSolver", run_once_the_work_runs)
    result = allocate(build_demo_dataset(), Scenario(name="demo"), alongside=work)
    assert result.status == "optimal"
    assert threads and threads[0] != threading.get_ident()
    assert len(threads) == 1


def test_the_calling_thread_goes_on_only_when_the_work_has_ended() -> None:
    """After the solver returns the caller reads the frames the work reads: it must wait for the work first."""
    beside = BesideTheSolver()
    ended = threading.Event()

    def slow() -> str:
        time.sleep(0.3)
        ended.set()
        return "done"

    future = beside.add(slow)
    assert beside.run(lambda: "answer") == "answer"
    assert ended.is_set() and future.result() == "done"
    assert beside.run(lambda: "again") == "again"  # a later solve runs alone
    beside.finish()


def test_work_no_solve_started_is_done_by_finish() -> None:
    beside = BesideTheSolver()
    future = beside.add(lambda: threading.get_ident())
    beside.finish()
    assert future.result() == threading.get_ident()
    with pytest.raises(RuntimeError):
        beside.add(print)


@pytest.mark.parametrize("method", ["milp", *BASELINES])
def test_the_answer_is_the_same_and_the_work_runs_once(method: str) -> None:
    calls: list[int] = []
    dataset, scenario = build_demo_dataset(), Scenario(name="demo")
    plain = allocate(dataset, scenario, method=method)
    beside = allocate(dataset, scenario, method=method, alongside=lambda: calls.append(1))
    assert calls == [1]
    assert beside.funded_codes == plain.funded_codes and beside.objective == plain.objective
    assert beside.comparison == plain.comparison
    assert beside.decisions.equals(plain.decisions)


def test_the_work_runs_when_no_plan_is_eligible() -> None:
    calls: list[int] = []
    result = allocate(build_demo_dataset(), Scenario(name="none",
                                                     min_grant_vnd=10**15), alongside=lambda: calls.append(1))
    assert result.funded_codes == [] and calls == [1]


def test_a_failure_of_the_work_is_the_runs_failure() -> None:
    def broken() -> None:
        raise RuntimeError("the fingerprint could not be computed")

    with pytest.raises(RuntimeError, match="fingerprint could not be computed"):
        allocate(build_demo_dataset(), Scenario(name="demo"), alongside=broken)


def test_a_deferred_fingerprint_is_the_fingerprint_computed_once_across_threads() -> None:
    dataset = build_demo_dataset()
    scenario = Scenario(name="demo", year=2020).model_dump()
    calls: list[int] = []

    def compute() -> str:
        calls.append(1)
        return data_fingerprint(dataset, scenario)

    deferred = DeferredFingerprint(compute)
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(deferred())) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [data_fingerprint(dataset, scenario)] * 4 and deferred() == seen[0]
    assert calls == [1]


def test_a_sweep_point_writes_no_texts_and_starts_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sweeps run thousands of allocations and read a few figures: nothing is explained for them unless read."""
    started: list[str] = []
    written: list[int] = []
    real_start, real_wording = threading.Thread.start, explain.plan_wording

    def counted_start(thread: threading.Thread) -> None:
        started.append(thread.name)
        real_start(thread)

    def counted_wording(inp):  # type: ignore[no-untyped-def]
        written.append(1)
        return real_wording(inp)

    monkeypatch.setattr(threading.Thread, "start", counted_start)
    monkeypatch.setattr(explain, "plan_wording", counted_wording)
    result = allocate(build_demo_dataset(), Scenario(name="demo"), compare_baselines=False)
    assert not [name for name in started if name.startswith("beside-solver")] and written == []
    assert result.decisions["explanation"].str.len().gt(0).all() and written == [1]  # written when read
    full = allocate(build_demo_dataset(), Scenario(name="demo"))
    assert [name for name in started if name.startswith("beside-solver")] and written == [1, 1]
    assert full.decisions.equals(result.decisions)


def test_the_work_overlaps_the_solver_call_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the work runs the calling thread does nothing but solve: no exact check (which reads the frames the
    work reads) runs then."""
    running = threading.Event()
    checks_during_work: list[int] = []
    real_verify = solve_module.verify_allocation

    def watched_verify(*args, **kwargs):  # type: ignore[no-untyped-def]
        if running.is_set():
            checks_during_work.append(1)
        return real_verify(*args, **kwargs)

    def work() -> None:
        running.set()
        time.sleep(0.3)  # far longer than the demo's solve
        running.clear()

    monkeypatch.setattr(solve_module, "verify_allocation", watched_verify)
    result = allocate(build_demo_dataset(), Scenario(name="demo"), alongside=work)
    assert result.status == "optimal" and checks_during_work == []


def test_waiting_for_the_work_is_neither_the_solvers_time_nor_the_runs() -> None:
    deadline = Deadline(60.0)
    beside = BesideTheSolver(deadline)
    beside.add(time.sleep, 0.4)
    before = deadline.remaining()
    beside.run(lambda: None)
    assert beside.waited_s >= 0.35
    assert deadline.remaining() > before - 0.1  # the 0.4 s were given back
    result = allocate(build_demo_dataset(), Scenario(name="demo"), alongside=lambda: time.sleep(0.4))
    assert result.solve_time_s < 0.35


def test_with_highs_the_work_starts_once_the_model_is_handed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hand-over is Python: the work must not share the interpreter with it, so it starts after it (a slow
    hand-over would otherwise see the work start first)."""
    events: list[str] = []
    real_hand_over = ArrayHiGHS._hand_over

    def slow_hand_over(self: ArrayHiGHS, *args: object) -> None:
        events.append("handing over")
        time.sleep(0.2)
        real_hand_over(self, *args)  # type: ignore[arg-type]
        events.append("handed over")

    monkeypatch.setattr(ArrayHiGHS, "_hand_over", slow_hand_over)
    result = allocate(build_demo_dataset(), Scenario(name="demo"), alongside=lambda: events.append("work"))
    assert result.status == "optimal"
    assert events.index("work") > events.index("handed over")


def test_with_cbc_the_work_still_runs_beside_the_solver() -> None:
    ran_on: list[str] = []
    result = allocate(build_demo_dataset(), Scenario(name="demo", solver="cbc"),
                      alongside=lambda: ran_on.append(threading.current_thread().name))
    assert result.status == "optimal" and len(ran_on) == 1 and ran_on[0].startswith("beside-solver")


def test_a_solve_that_fails_before_highs_runs_cancels_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_build(self: ArrayHiGHS, lp: pulp.LpProblem) -> None:
        raise RuntimeError("hand-over failed")

    monkeypatch.setattr(ArrayHiGHS, "buildSolverModel", broken_build)
    beside = BesideTheSolver()
    never = beside.add(lambda: "ran")
    problem = pulp.LpProblem("p", pulp.LpMaximize)
    x = pulp.LpVariable("x", 0, 1)
    problem += x
    solver = ArrayHiGHS(msg=False, threads=1)
    with pytest.raises(RuntimeError, match="hand-over failed"):
        beside.run(lambda: problem.solve(solver), solver=solver)
    assert never.cancelled() and solver.handed_over is None
