"""The orchestrator: prepare -> build -> solve -> results -> explanations -> value of money -> baselines."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from chainplan.allocation.baselines import BASELINES
from chainplan.allocation.data import AllocationInput, prepare
from chainplan.allocation.diagnose import diagnose_infeasibility
from chainplan.allocation.model import VND_UNIT, AllocationModel, build_model
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.solve import solve_model, solve_relaxation
from chainplan.allocation.targets import target_attainment
from chainplan.chains import ChainNetwork
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario

__all__ = ["METHODS", "ONE_BILLION", "allocate", "optimise"]

METHODS = ("milp", *BASELINES)
ONE_BILLION = 1_000_000_000


def _unfunded_decisions(inp: AllocationInput, sentence: str, reason: str) -> pd.DataFrame:
    rows = []
    for code, eligible, why in zip(inp.plans.index, inp.plans["eligible"], inp.plans["ineligible_reasons"],
                                   strict=True):
        if eligible:
            rows.append((code, False, reason, sentence))
        else:
            rows.append((code, False, "not_eligible", "Not eligible: " + "; ".join(why) + "."))
    return pd.DataFrame(rows, columns=["plan_code", "funded", "reason", "explanation"])


def _nothing_to_fund(inp: AllocationInput, solver: str) -> AllocationResult:
    """No eligible plan: nothing is funded; under hard targets that is infeasible when a minimum is unmet."""
    attainment = target_attainment(inp, [])
    unmet = attainment[~attainment["met"]]
    if inp.scenario.target_mode == "hard" and not unmet.empty:
        diagnosis = [{"rule": "target_min", "subject": row["target"], "amount": float(row["shortfall"]),
                      "unit": "expected count", "explanation": f"No plan is eligible, so target {row['target']} "
                      f"cannot be met (short by {float(row['shortfall']):g})."} for row in unmet.to_dict("records")]
        sentence = "Nothing is funded: no plan is eligible and the hard targets cannot be met."
        return assemble_result(inp, [], method="milp", status="infeasible", objective=None, solver=solver,
                               decisions=_unfunded_decisions(inp, sentence, "infeasible"), diagnosis=diagnosis,
                               message="no eligible plan")
    return assemble_result(inp, [], method="milp", status="optimal", solver=solver, gap=0.0,
                           message="no eligible plan: nothing to fund")


def _value_of_money(model: AllocationModel, inp: AllocationInput, solver: str, objective: float) -> dict[str, float]:
    """Objective gained by one more billion VND on each line, by re-solving with the line raised."""
    scenario = inp.scenario
    gains: dict[str, float] = {}
    for line, row in model.budget_rows.items():
        raise_by = ONE_BILLION / VND_UNIT  # the row reads expression - available <= 0, in VND_UNIT
        row.constant -= raise_by
        try:
            outcome = solve_model(model, solver, time_limit_s=scenario.time_limit_s, mip_gap=scenario.mip_gap)
        finally:
            row.constant += raise_by
        if outcome.objective is not None and outcome.status in ("optimal", "feasible"):
            gains[line] = max(0.0, outcome.objective - objective)
    return gains


def _lp_duals(model: AllocationModel, solver: str, time_limit_s: float) -> dict[str, float]:
    """Shadow prices of the budget rows in the LP relaxation, per billion VND (labelled as such in results).

    HiGHS returns the opposite sign to CBC on a maximisation; a budget row of a maximisation can only have a
    non-negative price, so the magnitude is the normalised value.
    """
    if solve_relaxation(model, solver, time_limit_s) is None:
        return {}
    # pi is per VND_UNIT of the row's right-hand side.
    return {line: abs(float(row.pi or 0.0)) * ONE_BILLION / VND_UNIT for line, row in model.budget_rows.items()}


def _comparison(inp: AllocationInput, result: AllocationResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, baseline in BASELINES.items():
        other = baseline(inp)
        out[name] = {
            "objective": other.objective, "total_benefit": other.total_benefit,
            "funded_plans": len(other.funded), "targets_met": int(other.targets["met"].sum()),
            "rule_violations": other.rule_violations,
            "objective_gain_of_optimiser": (None if result.objective is None or other.objective is None
                                            else result.objective - other.objective),
            "benefit_gain_of_optimiser": result.total_benefit - other.total_benefit,
        }
    out["targets_met_by_optimiser"] = int(result.targets["met"].sum())
    out["targets"] = len(result.targets)
    return out


def optimise(
    inp: AllocationInput,
    *,
    solver: str | None = None,
    marginal_values: bool = True,
    compare_baselines: bool = True,
) -> AllocationResult:
    """Solve the MILP for a prepared input and assemble the explained result."""
    scenario = inp.scenario
    solver = solver or scenario.solver
    if inp.eligible.empty:
        return _nothing_to_fund(inp, solver)
    model = build_model(inp)
    outcome = solve_model(model, solver, time_limit_s=scenario.time_limit_s, mip_gap=scenario.mip_gap)
    details: dict[str, Any] = {"solver": solver, "gap": outcome.gap, "build_time_s": model.build_time_s,
                               "solve_time_s": outcome.solve_time_s, "model_size": model.size,
                               "message": outcome.message}
    if outcome.status == "infeasible":
        diagnosis = diagnose_infeasibility(inp, solver=solver, time_limit_s=scenario.time_limit_s)
        sentence = "Nothing is funded: the scenario is infeasible (no allocation meets every hard target and rule)."
        return assemble_result(inp, [], method="milp", status="infeasible", objective=None,
                               decisions=_unfunded_decisions(inp, sentence, "infeasible"), diagnosis=diagnosis,
                               **details)
    if outcome.objective is None:
        sentence = f"Nothing is funded: {outcome.message}."
        return assemble_result(inp, [], method="milp", status=outcome.status, objective=None,
                               decisions=_unfunded_decisions(inp, sentence, "no_solution"), **details)
    funded = [code for code, value in outcome.values.items() if value > 0.5]
    result = assemble_result(inp, funded, method="milp", status=outcome.status, objective=outcome.objective,
                             **details)
    if marginal_values and model.budget_rows:
        gains = _value_of_money(model, inp, solver, outcome.objective)
        duals = _lp_duals(model, solver, scenario.time_limit_s)
        result.budget["value_of_one_more_billion"] = result.budget["line"].map(gains)
        result.budget["lp_relaxation_dual_per_billion"] = result.budget["line"].map(duals)
    if compare_baselines:
        result.comparison = _comparison(inp, result)
    return result


def allocate(
    ds: Dataset,
    scenario: Scenario,
    *,
    method: str = "milp",
    solver: str | None = None,
    network: ChainNetwork | None = None,
    marginal_values: bool = True,
    compare_baselines: bool = True,
) -> AllocationResult:
    """Allocate the scenario's money over the dataset's plans with the optimiser or a named baseline.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> result = allocate(build_demo_dataset(), Scenario(name="demo"), marginal_values=False)
    >>> result.status, bool((result.budget["used"] <= result.budget["available"]).all())
    ('optimal', True)
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    inp = prepare(ds, scenario, network=network)
    if method != "milp":
        return BASELINES[method](inp)
    result = optimise(inp, solver=solver, marginal_values=marginal_values, compare_baselines=compare_baselines)
    if result.objective is not None and not math.isfinite(result.objective):
        result.objective = None
    return result
