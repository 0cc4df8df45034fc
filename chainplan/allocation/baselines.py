"""What committees do by hand, in the optimiser's result shape, for comparison.

Both fund down a ranked list, skipping a plan that does not fit the money left on every line it asks for or
breaks a rule the list can check as it goes (one plan per product, exclusions, the plan it requires, the
region cap), and carrying on with the next. Regional shares and hard targets cannot be kept by a list: a
baseline that breaks them says so in ``rule_violations``.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.explain import benefit_per_vnd_rank
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.targets import TOLERANCE

__all__ = ["BASELINES", "fund_down_the_list", "greedy_benefit_per_vnd", "rank_by_appraisal_score"]


def fund_down_the_list(inp: AllocationInput, order: list[str]) -> list[str]:
    """Fund plans in ``order`` while they fit the money and the rules a list can check."""
    scenario = inp.scenario
    plans = inp.plans
    matrix = inp.request_matrix
    left = inp.lines["available"].astype(float).to_dict()
    chosen: list[str] = []
    chosen_set: set[str] = set()
    products: set[str] = set()
    per_region: dict[object, int] = {}
    records = dict(zip(plans.index, plans.to_dict("records"), strict=True))
    for code in order:
        row = records[code]
        if not row["eligible"]:
            continue
        if scenario.one_plan_per_product and row["product_code"] in products:
            continue
        needed = row["requires_plan"]
        if needed and needed not in chosen_set:
            continue
        if any(other in chosen_set for other in row["excludes_plans"]) or any(
                code in records[other]["excludes_plans"] for other in chosen):
            continue
        cap = scenario.max_plans_per_region
        if cap is not None and per_region.get(row["region"], 0) >= cap:
            continue
        asks = matrix.loc[code] if code in matrix.index else pd.Series(dtype=float)
        if any(float(amount) > left.get(line, 0.0) + TOLERANCE for line, amount in asks.items() if amount):
            continue
        for line, amount in asks.items():
            left[line] = left.get(line, 0.0) - float(amount)
        chosen.append(code)
        chosen_set.add(code)
        products.add(row["product_code"])
        per_region[row["region"]] = per_region.get(row["region"], 0) + 1
    return chosen


def _violations(inp: AllocationInput, result: AllocationResult) -> list[str]:
    scenario = inp.scenario
    found = []
    shares = result.regions[result.regions["eligible_plans"] > 0]
    if result.funded.shape[0]:
        for region, share in zip(shares["region"], shares["share"], strict=True):
            if share < scenario.min_region_share - TOLERANCE:
                found.append(f"region {region} gets {share:.1%}, below min_region_share "
                             f"{scenario.min_region_share:.0%}")
            if share > scenario.max_region_share + TOLERANCE:
                found.append(f"region {region} gets {share:.1%}, above max_region_share "
                             f"{scenario.max_region_share:.0%}")
    if scenario.target_mode == "hard":
        found += [f"hard target {t} not met" for t in result.targets.loc[~result.targets["met"], "target"]]
    return found


def _baseline(inp: AllocationInput, method: str, order: list[str]) -> AllocationResult:
    result = assemble_result(inp, fund_down_the_list(inp, order), method=method, status="feasible",
                             message="heuristic: funded down a ranked list")
    result.rule_violations = _violations(inp, result)
    return result


def rank_by_appraisal_score(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of appraisal scores (the furthest stage's score), highest first."""
    scores = inp.eligible["appraisal_score"].fillna(-1.0)  # a plan without a score goes last
    order = sorted(scores.index, key=lambda c: (-scores[c], c))
    return _baseline(inp, "rank_by_appraisal_score", order)


def greedy_benefit_per_vnd(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of expected benefit per VND requested, best first."""
    order = list(benefit_per_vnd_rank(inp).sort_values(kind="stable").index)
    return _baseline(inp, "greedy_benefit_per_vnd", order)


BASELINES: dict[str, Callable[[AllocationInput], AllocationResult]] = {
    "rank_by_appraisal_score": rank_by_appraisal_score,
    "greedy_benefit_per_vnd": greedy_benefit_per_vnd,
}
