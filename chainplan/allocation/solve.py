"""Calling the solver, keeping standard output clean, reading the status honestly, and checking the answer.

PuLP reports a time-limited CBC or HiGHS run that found an incumbent as ``status == Optimal`` with
``sol_status == IntegerFeasible``: that is reported here as ``time_limit`` with the gap, never as optimal.

No answer is taken on trust (:func:`solve_verified`). Solvers accept a binary within 10⁻⁶–10⁻⁷ of 1 as 1; with
requests of tens of billions of VND that is thousands of VND over a line, and CBC can even set its cutoff from
such a point, reject it later and call a feasible model infeasible (seen on two-plan knapsacks). So:

1. every allocation a solver returns is checked exactly (:func:`~chainplan.allocation.verify.verify_allocation`);
   one that breaks a rule is cut off by a row that excludes that 0/1 point and no other, and the model is solved
   again, so the optimum over valid allocations is kept; each repair is reported with the result;
2. "infeasible" is believed only when it can be true: when funding nothing satisfies every rule (no hard
   minimum is unmet by the empty allocation) it is a solver failure; otherwise the other solver must agree;
3. a solver that fails either way is replaced by the other one; when both fail the status is ``error``.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulp

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.model import AllocationModel
from chainplan.allocation.verify import verify_allocation
from chainplan.money import format_vnd

__all__ = ["SOLVERS", "Repair", "SolveOutcome", "quiet_stdout", "solve_model", "solve_relaxation", "solve_verified",
           "solver_version"]

SOLVERS = ("highs", "cbc")
_GAP_TOLERANCE = 1e-6
#: Answers cut off before a solver is given up on (each costs a solve; tolerance breaches are rare).
MAX_REPAIRS = 8


@dataclass(frozen=True)
class Repair:
    """A solver's answer broke a rule by ``over_by`` (in ``unit``); that one allocation was cut off and the model
    re-solved."""

    solver: str
    rule: str
    subject: str
    over_by: float
    unit: str
    plans_in_answer: int

    def sentence(self) -> str:
        over = format_vnd(self.over_by) if self.unit == "VND" else f"{self.over_by:.6g} {self.unit}"
        return (f"{self.solver}'s answer broke {self.rule} {self.subject} by {over} (within the solver's "
                "tolerance); that allocation was excluded, and only it, and the model solved again.")

    def as_dict(self) -> dict[str, Any]:
        return {"solver": self.solver, "rule": self.rule, "subject": self.subject, "over_by": self.over_by,
                "unit": self.unit, "plans_in_answer": self.plans_in_answer}


@dataclass(frozen=True)
class SolveOutcome:
    """``status`` is one of optimal, feasible, time_limit, infeasible, error.

    After :func:`solve_verified`, ``solver`` is the solver whose answer was kept, ``repairs`` lists the answers
    cut off because they broke a rule, and ``notes`` says what else happened (a solver failed and was replaced).
    """

    status: str
    objective: float | None
    values: dict[str, float]
    gap: float | None
    solve_time_s: float
    solver: str
    message: str = ""
    repairs: tuple[Repair, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def funded(self) -> list[str]:
        return [code for code, value in self.values.items() if value > 0.5]


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 while a solver runs: HiGHS prints a banner from C++ even with ``msg=False``,
    and ``--format json`` must print nothing but its document. Solver errors still reach PuLP's status."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real file descriptor (some embedded hosts): nothing to protect
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _solver(name: str, time_limit_s: float, mip_gap: float, mip: bool = True) -> pulp.LpSolver:
    if name == "highs":
        return pulp.HiGHS(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, mip=mip, threads=1)
    if name == "cbc":
        with warnings.catch_warnings():
            # PuLP 3 warns that its bundled CBC leaves in PuLP 4; pyproject pins pulp < 4.
            warnings.simplefilter("ignore", DeprecationWarning)
            # CBC 2.10 takes a binary within 1e-7 of 1 as 1; with requests of 5e10 VND a set 1 VND over a line is
            # 2e-11 away. It then sets its cutoff from that point and ends "infeasible", and its preprocessing can
            # fix a variable wrongly and return a worse set called optimal (both found on 2- and 3-plan knapsacks).
            # With these two settings, 400 near-miss knapsacks gave no wrong optimum, only false "infeasible"s,
            # which solve_verified detects and hands to HiGHS (benchmarks/README.md).
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, mip=mip, threads=1,
                                     options=["integerTolerance 1e-12", "preprocess off"])
    raise ValueError(f"unknown solver {name!r}; use one of {', '.join(SOLVERS)}")


def solver_version(name: str) -> str:
    """What a stored run records of its solver: the package versions that produced the answer."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        if name == "highs":
            return f"HiGHS {version('highspy')} (highspy), PuLP {version('pulp')}"
        if name == "cbc":
            return f"CBC bundled with PuLP {version('pulp')}"
    except PackageNotFoundError:
        return f"{name} (version unknown)"
    return name


def _highs_gap(problem: pulp.LpProblem) -> float | None:
    model = getattr(problem, "solverModel", None)
    if model is None:
        return None
    try:
        gap = float(model.getInfo().mip_gap)
    except (AttributeError, TypeError, ValueError):
        return None
    return gap if math.isfinite(gap) else None


def solve_relaxation(model: AllocationModel, solver: str, time_limit_s: float) -> float | None:
    """Solve the LP relaxation and return its objective (``None`` unless optimal).

    The rows' ``pi`` then hold the relaxation's duals until the next solve; the variables get their
    categories back whatever happens.
    """
    categories = {v: v.cat for v in model.problem.variables()}
    try:
        for variable in categories:
            variable.cat = pulp.LpContinuous
        with quiet_stdout():
            model.problem.solve(_solver(solver, time_limit_s, 0.0, mip=False))
    finally:
        for variable, category in categories.items():
            variable.cat = category
    if model.problem.status != pulp.LpStatusOptimal:
        return None
    value = pulp.value(model.problem.objective)
    return None if value is None else float(value)


def _relaxation_gap(model: AllocationModel, solver: str, incumbent: float, time_limit_s: float) -> float | None:
    """Gap against the LP relaxation's bound (an upper bound of the true gap): CBC does not report its own."""
    bound = solve_relaxation(model, solver, time_limit_s)
    if bound is None:
        return None
    return abs(float(bound) - incumbent) / max(abs(incumbent), 1e-9)


def solve_model(model: AllocationModel, solver: str, *, time_limit_s: float = 60.0, mip_gap: float = 0.0
                ) -> SolveOutcome:
    """Solve and read the values of the fund variables (1.0 = funded)."""
    started = time.perf_counter()
    with quiet_stdout():
        model.problem.solve(_solver(solver, time_limit_s, mip_gap))
    elapsed = time.perf_counter() - started
    status, sol_status = model.problem.status, model.problem.sol_status
    if status == pulp.LpStatusInfeasible or sol_status == pulp.LpSolutionInfeasible:
        return SolveOutcome("infeasible", None, {}, None, elapsed, solver, "no allocation satisfies every rule")
    if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        if elapsed >= time_limit_s * 0.95:
            return SolveOutcome("time_limit", None, {}, None, elapsed, solver, "no allocation found in the time limit")
        return SolveOutcome("error", None, {}, None, elapsed, solver,
                            f"solver ended with {pulp.LpStatus.get(status, status)}")
    values = {code: float(round(v.varValue or 0.0)) for code, v in model.fund.items()}
    objective = float(pulp.value(model.problem.objective) or 0.0)
    gap = _highs_gap(model.problem) if solver == "highs" else None
    if sol_status == pulp.LpSolutionIntegerFeasible:
        if gap is None:
            gap = _relaxation_gap(model, solver, objective, time_limit_s)
        return SolveOutcome("time_limit", objective, values, gap, elapsed, solver,
                            "stopped at the time limit before proving optimality")
    if mip_gap > 0 and (gap is None or gap > _GAP_TOLERANCE):
        if gap is None:
            gap = _relaxation_gap(model, solver, objective, time_limit_s)
        if gap is not None and gap > _GAP_TOLERANCE:
            return SolveOutcome("feasible", objective, values, gap, elapsed, solver,
                                f"stopped within the accepted gap of {mip_gap:.2%}")
    return SolveOutcome("optimal", objective, values, 0.0 if gap is None else gap, elapsed, solver)


_UNITS = {"budget_line": "VND", "min_region_share": "VND", "max_region_share": "VND",
          "max_plans_per_region": "plans", "one_plan_per_product": "plans"}


def _exclude(model: AllocationModel, funded: list[str], name: str) -> None:
    """Cut off exactly this allocation: Σ_{i funded} x_i − Σ_{i not funded} x_i ≤ |funded| − 1.

    Every other 0/1 point, supersets and subsets included, still satisfies the row, so the optimum over the
    allocations that pass the exact check is unchanged.
    """
    chosen = set(funded)
    pairs = [(variable, 1.0 if code in chosen else -1.0) for code, variable in model.fund.items()]
    model.problem += pulp.LpConstraint(pulp.LpAffineExpression(pairs), sense=pulp.LpConstraintLE,
                                       rhs=float(len(chosen) - 1), name=name)


def _solve_and_repair(model: AllocationModel, inp: AllocationInput, solver: str, *, time_limit_s: float,
                      mip_gap: float, available: Mapping[str, int] | None) -> SolveOutcome:
    """Solve; while the answer breaks a rule, cut that one answer off and solve again (cuts removed after)."""
    cuts: list[str] = []
    repairs: list[Repair] = []
    elapsed = 0.0
    try:
        for attempt in range(MAX_REPAIRS + 1):
            outcome = solve_model(model, solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
            elapsed += outcome.solve_time_s
            if outcome.objective is None:
                return replace(outcome, solve_time_s=elapsed, repairs=tuple(repairs))
            breaches = verify_allocation(inp, outcome.funded, available=available)
            if not breaches:
                return replace(outcome, solve_time_s=elapsed, repairs=tuple(repairs))
            if attempt == MAX_REPAIRS:
                reasons = " ".join(b.sentence for b in breaches)
                return SolveOutcome("error", None, {}, None, elapsed, solver,
                                    f"{solver} kept returning allocations that break the rules: {reasons}",
                                    tuple(repairs))
            name = f"exact_check_cut_{len(cuts)}"
            _exclude(model, outcome.funded, name)
            cuts.append(name)
            repairs += [Repair(solver, b.rule, b.subject, b.excess, _UNITS.get(b.rule, "expected count"),
                               len(outcome.funded)) for b in breaches]
        raise AssertionError("unreachable")
    finally:
        for name in cuts:
            del model.problem._constraints[name]  # PuLP 3 has no public removal; its mapping view is deprecated


def solve_verified(model: AllocationModel, inp: AllocationInput, solver: str, *, time_limit_s: float = 60.0,
                   mip_gap: float = 0.0, available: Mapping[str, int] | None = None,
                   fallback: bool = True) -> SolveOutcome:
    """Solve and return only an answer that passes the exact check (see the module's three rules).

    ``available`` overrides the VND per line that the check uses, for a model whose lines were raised.
    """
    order = [solver] + ([other for other in SOLVERS if other != solver] if fallback else [])
    empty_is_valid = not verify_allocation(inp, [], available=available)
    notes: list[str] = []
    infeasible: SolveOutcome | None = None
    elapsed = 0.0
    for name in order:
        outcome = _solve_and_repair(model, inp, name, time_limit_s=time_limit_s, mip_gap=mip_gap,
                                    available=available)
        elapsed += outcome.solve_time_s
        if outcome.objective is not None:
            return replace(outcome, solve_time_s=elapsed, notes=(*notes, *outcome.notes))
        if outcome.status == "infeasible":
            if empty_is_valid:
                notes.append(f"{name} reported the scenario infeasible, but funding nothing satisfies every rule: "
                             "a solver failure")
                continue
            if infeasible is not None:  # two solvers agree
                return replace(infeasible, solve_time_s=elapsed,
                               notes=(*notes, f"{name} confirms that the scenario is infeasible"))
            infeasible = outcome
            notes.append(f"{name} reported the scenario infeasible")
            continue
        if outcome.status == "time_limit" and infeasible is None:
            return replace(outcome, solve_time_s=elapsed, notes=tuple(notes))
        notes.append(f"{name}: {outcome.message}")
    if infeasible is not None:
        return replace(infeasible, solve_time_s=elapsed, notes=tuple(notes))
    return SolveOutcome("error", None, {}, None, elapsed, solver,
                        "no solver returned a valid allocation: " + "; ".join(notes), notes=tuple(notes))
