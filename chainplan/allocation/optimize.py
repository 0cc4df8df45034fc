"""The orchestrator: prepare -> build -> solve -> results -> explanations -> value of money -> baselines."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pandas as pd

from chainplan.allocation.baselines import BASELINES, BaselineSummary, baseline_summaries
from chainplan.allocation.chance import chance_rows, z_value
from chainplan.allocation.data import AllocationInput, prepare
from chainplan.allocation.diagnose import diagnose_infeasibility
from chainplan.allocation.model import VND_UNIT, AllocationModel, build_model
from chainplan.allocation.results import AllocationResult, assemble_result, objective_parts
from chainplan.allocation.solve import BesideTheSolver, Deadline, SolveOutcome, solve_relaxation, solve_verified
from chainplan.allocation.targets import TOLERANCE, target_attainment
from chainplan.allocation.wording import LANGS, decision_sentence, target_name
from chainplan.chains import ChainNetwork
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario
from chainplan.wording import Number, Phrase, render, text

__all__ = ["METHODS", "ONE_BILLION", "allocate", "optimise"]

METHODS = ("milp", *BASELINES)
ONE_BILLION = 1_000_000_000


def _unfunded_decisions(inp: AllocationInput, why: dict[str, str], reason: str) -> pd.DataFrame:
    """Every plan unfunded: the eligible ones for ``why`` (per language), the others for their own reasons."""
    nothing = {lang: decision_sentence("nothing_funded", {"why": why[lang]}, lang) for lang in LANGS}
    rows = []
    for code, eligible, en, vi in zip(inp.plans.index, inp.plans["eligible"], inp.plans["ineligible_reasons"],
                                      inp.plans["ineligible_reasons_vi"], strict=True):
        if eligible:
            rows.append((code, False, reason, nothing["en"], nothing["vi"]))
        else:
            rows.append((code, False, "not_eligible",
                         decision_sentence("not_eligible", {"reasons": "; ".join(en)}, "en"),
                         decision_sentence("not_eligible", {"reasons": "; ".join(vi)}, "vi")))
    return pd.DataFrame(rows, columns=["plan_code", "funded", "reason", "explanation", "explanation_vi"])


def _nothing_to_fund(inp: AllocationInput, solver: str) -> AllocationResult:
    """No eligible plan: nothing is funded; under hard targets that is infeasible when a minimum is unmet."""
    attainment = target_attainment(inp, [])
    unmet = attainment[~attainment["met"]]
    if inp.scenario.target_mode == "hard" and not unmet.empty:
        diagnosis = [{"rule": "target_min", "subject": row["target"], "amount": float(row["shortfall"]),
                      "unit": "expected count",
                      # Targets by their codes in English, as the scenario file writes them (as every diagnosis).
                      **{key: text("diagnosis.no_eligible_plan", lang, amount=Number(float(row["shortfall"]), 2),
                                   target=target_name(row["target"], lang) if lang == "vi" else row["target"])
                         for key, lang in (("explanation", "en"), ("explanation_vi", "vi"))}}
                     for row in unmet.to_dict("records")]
        why = {lang: text("why.no_eligible_plan_hard", lang) for lang in LANGS}
        return assemble_result(inp, [], method="milp", status="infeasible", objective=None, solver=solver,
                               decisions=_unfunded_decisions(inp, why, "infeasible"), diagnosis=diagnosis,
                               said=Phrase("solve.no_eligible_plan"))
    return assemble_result(inp, [], method="milp", status="optimal", solver=solver, gap=0.0,
                           said=Phrase("solve.nothing_to_fund"))


def _bounds(outcome: SolveOutcome) -> tuple[float, float]:
    """What a solve proves about its optimum: the allocation found, and the best any allocation could reach."""
    assert outcome.objective is not None
    gap = 0.0 if outcome.status == "optimal" and not outcome.gap else (outcome.gap or 0.0)
    if outcome.status not in ("optimal", "feasible", "time_limit"):
        gap = math.inf
    elif outcome.status != "optimal" and outcome.gap is None:
        gap = math.inf  # no bound known
    return outcome.objective, outcome.objective + gap * max(abs(outcome.objective), 1e-9)


def _value_of_money(model: AllocationModel, inp: AllocationInput, solver: str, base: SolveOutcome,
                    deadline: Deadline) -> pd.DataFrame:
    """Objective gained by one more billion VND on each line, with how far the figure can be trusted.

    A line that every eligible request fits (or that no eligible plan asks for) cannot bind: its value is 0,
    exactly, without a solve. Any other line is re-solved with the line raised (a full, checked solve, within
    the time the run has left). The gain lies between (raised allocation found − base bound) and (raised bound −
    base allocation found); it is ``exact`` when both solves are proven optimal, else ``bounded``.
    """
    eligible = inp.requests[inp.requests["plan_code"].isin(model.codes)]
    asked = eligible.groupby("budget_line_code")["amount_vnd"].sum()
    available = {line: int(v) for line, v in inp.lines["available"].items()}
    base_found, base_bound = _bounds(base)
    rows: list[tuple[str, float | None, float | None, str, str]] = []
    for line, limit in available.items():
        if int(asked.get(line, 0)) <= limit:
            rows.append((line, 0.0, 0.0, "exact", "every eligible request on this line fits"))
            continue
        if deadline.remaining() <= 0:
            rows.append((line, None, None, "not_computed", "the run's time limit ran out before this line"))
            continue
        row = model.row(model.budget_rows[line])
        raise_by = ONE_BILLION / VND_UNIT  # the row reads expression - available <= 0, in VND_UNIT
        row.constant -= raise_by
        try:
            raised = solve_verified(model, inp, solver, mip_gap=inp.scenario.mip_gap, deadline=deadline,
                                    available={**available, line: limit + ONE_BILLION})
        finally:
            row.constant += raise_by
        if raised.objective is None:
            rows.append((line, None, None, "not_computed", f"the re-solve failed: {raised.message}"))
            continue
        found, bound = _bounds(raised)
        low, high = max(0.0, found - base_bound), max(0.0, bound - base_found)
        exact = math.isclose(low, high, rel_tol=0.0, abs_tol=1e-6)
        rows.append((line, low, high if math.isfinite(high) else None, "exact" if exact else "bounded",
                     "re-solved with the line raised" if exact else
                     "re-solved with the line raised; a solve was not proven optimal, so the gain is a range"))
    return pd.DataFrame(rows, columns=["line", "value_of_one_more_billion", "value_of_money_upper",
                                       "value_of_money_status", "value_of_money_note"])


def _lp_duals(model: AllocationModel, solver: str, time_limit_s: float) -> dict[str, float]:
    """Shadow prices of the budget rows in the LP relaxation, per billion VND (labelled as such in results).

    HiGHS returns the opposite sign to CBC on a maximisation; a budget row of a maximisation can only have a
    non-negative price, so the magnitude is the normalised value.
    """
    if time_limit_s <= 0 or solve_relaxation(model, solver, time_limit_s) is None:
        return {}
    # pi is per VND_UNIT of the row's right-hand side.
    return {line: abs(float(model.row(name).pi or 0.0)) * ONE_BILLION / VND_UNIT
            for line, name in model.budget_rows.items()}


def _robust_summary(inp: AllocationInput, model: AllocationModel, funded: list[str]) -> dict[str, Any]:
    """For ``objective: robust``: the confidence, the method, the cuts it took, and per chance row at the answer
    the mean, the standard deviation, the count met with that confidence and its probability (normal
    approximation). Empty for ``objective: expected``."""
    if model.confidence is None:
        return {}
    rows = []
    for row in chance_rows(inp, model.confidence):
        mean, variance = row.moments(funded)
        rows.append({"target": row.target, "kind": row.kind, "bound": row.bound, "mean": round(mean, 9),
                     "sd": round(math.sqrt(variance), 9), "value": round(row.value(funded), 9),
                     "probability": round(row.probability(funded), 6), "met": row.breach(funded) <= TOLERANCE})
    return {"confidence": model.confidence, "z": round(z_value(model.confidence), 9),
            "method": "outer_approximation", "cuts": model.chance_cuts, "rows": rows}


def _comparison(baselines: dict[str, BaselineSummary], result: AllocationResult) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, other in baselines.items():
        out[name] = {
            "objective": other.objective, "total_benefit": other.total_benefit,
            "shortfall_penalty": objective_parts(other.objective, other.total_benefit)[1],
            "funded_plans": len(other.funded), "targets_met": other.targets_met,
            "rule_violations": other.rule_violations,
            "objective_gain_of_optimiser": (None if result.objective is None or other.objective is None
                                            else result.objective - other.objective),
            "benefit_gain_of_optimiser": result.total_benefit - other.total_benefit,
        }
    out["targets_met_by_optimiser"] = int(result.targets["met"].sum())
    out["targets"] = len(result.targets)
    return out


def _answer_free_wording(inp: AllocationInput) -> None:
    """What the explanations read whatever the answer: each plan's texts and the plans × lines requests."""
    inp.plan_wording  # noqa: B018 (computed and kept by the input)
    inp.request_matrix  # noqa: B018


def optimise(
    inp: AllocationInput,
    *,
    solver: str | None = None,
    marginal_values: bool = False,
    compare_baselines: bool = True,
    alongside: Callable[[], object] | None = None,
) -> AllocationResult:
    """Solve the MILP for a prepared input and assemble the explained result.

    ``alongside`` is the caller's own work that does not need the answer (the run's data fingerprint, say): it
    runs on a second thread while the solver works, and has finished, or raised its exception here, before this
    returns.
    """
    scenario = inp.scenario
    solver = solver or scenario.solver
    if inp.eligible.empty:
        if alongside is not None:
            alongside()
        return _nothing_to_fund(inp, solver)
    deadline = Deadline(scenario.time_limit_s)  # the whole run's, every solve below included
    model = build_model(inp)
    # What does not need the answer (the caller's ``alongside``, the baselines, the explanations' fixed texts) is
    # done while the solver works: HiGHS and CBC leave Python's lock free, so on a second core it adds no wait
    # (benchmarks/README.md); whatever no solve ran beside it is done here.
    beside = BesideTheSolver(deadline)
    if alongside is not None:
        beside.add(alongside)
    baselines = None
    if compare_baselines:
        # A run compared with the baselines is one whose whole result is read, explanations included; the sweeps
        # read a few figures of thousands of runs and turn the comparison off: no texts are written for them.
        baselines = beside.add(baseline_summaries, inp)
        beside.add(_answer_free_wording, inp)
    outcome = solve_verified(model, inp, solver, mip_gap=scenario.mip_gap, deadline=deadline, beside=beside)
    beside.finish()  # the first failure of that work is the run's
    details: dict[str, Any] = {"solver": outcome.solver, "gap": outcome.gap, "build_time_s": model.build_time_s,
                               "solve_time_s": outcome.solve_time_s, "model_size": model.size,
                               "said": outcome.said, "repairs": [r.as_dict() for r in outcome.repairs],
                               "solver_notes": [render(note, "en") for note in outcome.notes],
                               "robust": _robust_summary(inp, model, outcome.funded)}
    if outcome.status == "infeasible":
        diagnosis = diagnose_infeasibility(inp, solver=solver, deadline=deadline, pool=model.pool)
        why = {lang: text("why.infeasible", lang) for lang in LANGS}
        return assemble_result(inp, [], method="milp", status="infeasible", objective=None,
                               decisions=_unfunded_decisions(inp, why, "infeasible"), diagnosis=diagnosis,
                               **details)
    if outcome.objective is None:
        # In English the reason alone, as the command line has always written it; in Vietnamese within a sentence.
        why = {"en": outcome.message, "vi": text("why.no_solution", "vi", message=outcome.said)}
        return assemble_result(inp, [], method="milp", status=outcome.status, objective=None,
                               decisions=_unfunded_decisions(inp, why, "no_solution"), **details)
    result = assemble_result(inp, outcome.funded, method="milp", status=outcome.status,
                             objective=outcome.objective, **details)
    result.notices += [r.phrase() for r in outcome.repairs] + [Phrase("note.sentence", {"note": note})
                                                                for note in outcome.notes]
    if marginal_values:
        values = _value_of_money(model, inp, outcome.solver, outcome, deadline)
        duals = _lp_duals(model, outcome.solver, deadline.remaining())
        result.budget = result.budget.drop(columns=list(values.columns[1:])).merge(values, on="line", how="left")
        result.budget["lp_relaxation_dual_per_billion"] = result.budget["line"].map(duals)
    if baselines is not None:
        result.comparison = _comparison(baselines.result(), result)
    return result


def allocate(
    ds: Dataset,
    scenario: Scenario,
    *,
    method: str = "milp",
    solver: str | None = None,
    network: ChainNetwork | None = None,
    marginal_values: bool = False,
    compare_baselines: bool = True,
    alongside: Callable[[], object] | None = None,
) -> AllocationResult:
    """Allocate the scenario's money over the dataset's plans with the optimiser or a named baseline.

    ``alongside``: the caller's work that does not need the allocation (see :func:`optimise`); it has run when
    this returns.

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
        if alongside is not None:
            alongside()
        return BASELINES[method](inp)
    result = optimise(inp, solver=solver, marginal_values=marginal_values, compare_baselines=compare_baselines,
                      alongside=alongside)
    if result.objective is not None and not math.isfinite(result.objective):
        result.objective = None
    return result
