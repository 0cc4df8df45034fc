"""An "infeasible" is confirmed by the other solver; the time limit is the whole run's.

Time is simulated: each solve costs a set number of seconds on a clock that the run's deadline reads, and a solve
that would need more than it is given ends at its limit without an answer, as a real one does. So the tests say
what happens when the time runs out, not how fast this machine is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chainplan.allocation import allocate, build_model, prepare
from chainplan.allocation import solve as solve_module
from chainplan.allocation.solve import SOLVERS, SolveOutcome, solve_verified
from chainplan.allocation.verify import verify_allocation
from chainplan.dataset import Dataset
from chainplan.scenario import load_scenario
from chainplan.wording import Phrase, render
from tests.allocation_helpers import instance, scenario

ROBUST = Path(__file__).resolve().parents[2] / "scenarios" / "robust.yaml"


class SimulatedTime:
    """A clock for the run's deadline; each MILP or LP solve advances it by ``cost[solver]`` seconds."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, cost: dict[str, float]) -> None:
        self.now = 0.0
        self.cost = cost
        self.solves: list[tuple[str, float, float]] = []  # (solver, started at, time limit given)
        real_model, real_relaxation = solve_module.solve_model, solve_module.solve_relaxation

        def solve_model(model: Any, solver: str, *, time_limit_s: float = 60.0, mip_gap: float = 0.0,
                        beside: Any = None) -> SolveOutcome:
            self.solves.append((solver, self.now, time_limit_s))
            if self.cost[solver] > time_limit_s:
                self.now += time_limit_s
                return SolveOutcome("time_limit", None, {}, None, time_limit_s, solver,
                                    Phrase("solve.nothing_in_time"))
            self.now += self.cost[solver]
            return real_model(model, solver, time_limit_s=time_limit_s, mip_gap=mip_gap, beside=beside)

        def solve_relaxation(model: Any, solver: str, time_limit_s: float) -> float | None:
            self.now += self.cost[solver]
            return real_relaxation(model, solver, time_limit_s)

        monkeypatch.setattr(solve_module, "_clock", lambda: self.now)
        monkeypatch.setattr(solve_module, "solve_model", solve_model)
        monkeypatch.setattr(solve_module, "solve_relaxation", solve_relaxation)


def _unreachable() -> tuple[Dataset, dict[str, Any]]:
    # The one plan that creates a product asks for more than the line holds: new_products ≥ 1 cannot be met, and
    # funding nothing does not meet it either.
    ds = instance([{"code": "P0", "benefit": 1, "requests": {"L": 10}, "creates_new_product": True},
                   {"code": "P1", "benefit": 1, "requests": {"L": 5}}], {"L": 5})
    return ds, {"target_mode": "hard", "targets": {"new_products": {"min": 1}}}


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("fallback", [True, False])
def test_an_infeasible_scenario_is_confirmed_by_the_other_solver(solver: str, fallback: bool) -> None:
    ds, options = _unreachable()
    inp = prepare(ds, scenario(**options))
    outcome = solve_verified(build_model(inp), inp, solver, fallback=fallback)
    other = next(name for name in SOLVERS if name != solver)
    assert outcome.status == "infeasible"
    assert tuple(render(note, "en") for note in outcome.notes) == (
        f"{solver} reported the scenario infeasible", f"{other} confirms that the scenario is infeasible")
    assert tuple(render(note, "vi") for note in outcome.notes) == (
        f"{solver} báo kịch bản không khả thi", f"{other} xác nhận kịch bản không khả thi")


@pytest.mark.parametrize("solver", SOLVERS)
def test_an_infeasible_that_the_other_solver_cannot_confirm_in_time_is_a_time_limit(
        solver: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ds, options = _unreachable()
    other = next(name for name in SOLVERS if name != solver)
    clock = SimulatedTime(monkeypatch, {solver: 1.0, other: 30.0})  # the other needs 30 s, 9 are left
    result = allocate(ds, scenario(solver=solver, time_limit_s=10.0, **options), compare_baselines=False)
    assert result.status == "time_limit"
    assert result.funded_codes == [] and result.objective is None and result.diagnosis == []
    assert f"{solver} reported the scenario infeasible, but {other} could not confirm it" in result.message
    assert [name for name, _, _ in clock.solves] == [solver, other]
    assert clock.solves[1][2] == pytest.approx(9.0)  # the other was given what was left, not 10 s


@pytest.mark.parametrize("solver", SOLVERS)
def test_with_no_time_left_for_the_other_solver_infeasible_is_not_reported(
        solver: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ds, options = _unreachable()
    clock = SimulatedTime(monkeypatch, {name: 1.0 for name in SOLVERS})
    inp = prepare(ds, scenario(**options))
    outcome = solve_verified(build_model(inp), inp, solver, time_limit_s=1.0)
    assert outcome.status == "time_limit" and "could not confirm" in outcome.message
    assert len(clock.solves) == 1  # nothing was started after the run's time was up


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_time_limit_bounds_the_rounds_of_cuts_and_keeps_the_best_valid_allocation(
        solver: str, demo: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hard 90 % targets on the demo need several rounds of cuts. Without the LP rounds, each solve costing one
    # second of a 2.5-second run: round 1 (breaks a chance row, cut), the conservative solve (valid), then a
    # solve given 0.5 s that needs 1: the run ends there with the valid allocation.
    monkeypatch.setattr(solve_module, "RELAXATION_ROUNDS", 0)
    base = load_scenario(ROBUST)
    targets = {"new_organizations": {"min": 7.5}, "national_5_star": {"min": 1.5},
               "safe_food_chain": {"min": 6.5}, "new_products": {"max": 12}}
    chosen = base.model_copy(update={"target_mode": "hard", "confidence": 0.9, "time_limit_s": 2.5,
                                     "solver": solver,
                                     "targets": type(base.targets).model_validate(targets)})
    clock = SimulatedTime(monkeypatch, {name: 1.0 for name in SOLVERS})
    result = allocate(demo, chosen, compare_baselines=False)
    assert result.status == "time_limit", result.message
    assert "time limit ran out" in result.message
    assert result.funded_codes and verify_allocation(prepare(demo, chosen), result.funded_codes) == []
    assert all(row["met"] for row in result.robust["rows"])
    assert result.gap is not None and result.gap >= 0
    for _, started, limit in clock.solves:
        assert started < 2.5 and limit <= 2.5 - started + 1e-9
    assert len(clock.solves) == 3
