"""Calling the solver, keeping standard output clean, and reading the status honestly.

PuLP reports a time-limited CBC or HiGHS run that found an incumbent as ``status == Optimal`` with
``sol_status == IntegerFeasible``: that is reported here as ``time_limit`` with the gap, never as optimal.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import pulp

from chainplan.allocation.model import AllocationModel

__all__ = ["SOLVERS", "SolveOutcome", "quiet_stdout", "solve_model", "solve_relaxation"]

SOLVERS = ("highs", "cbc")
_GAP_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SolveOutcome:
    """``status`` is one of optimal, feasible, time_limit, infeasible, error."""

    status: str
    objective: float | None
    values: dict[str, float]
    gap: float | None
    solve_time_s: float
    solver: str
    message: str = ""


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
            return pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, mip=mip, threads=1)
    raise ValueError(f"unknown solver {name!r}; use one of {', '.join(SOLVERS)}")


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
