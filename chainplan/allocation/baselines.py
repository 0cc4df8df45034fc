"""What committees do by hand, in the optimiser's result shape, for comparison.

Both fund down a ranked list, skipping a plan that does not fit the money left on every line it asks for or
breaks a rule the list can check as it goes (one plan per product, exclusions, the plan it requires, the
region cap), and carrying on with the next. Regional shares and hard targets cannot be kept by a list: a
baseline that breaks them says so in ``rule_violations``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.explain import benefit_per_vnd_rank
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.verify import verify_allocation

__all__ = ["BASELINES", "fund_down_the_list", "greedy_benefit_per_vnd", "rank_by_appraisal_score"]


def _requests_by_plan(inp: AllocationInput) -> dict[str, list[tuple[str, int]]]:
    """Each plan's (line, VND) requests, in Python integers, read once from the request table."""
    asks: dict[str, list[tuple[str, int]]] = {}
    requests = inp.requests
    for plan, line, amount in zip(requests["plan_code"].to_numpy(), requests["budget_line_code"].to_numpy(),
                                  requests["amount_vnd"].to_numpy(), strict=True):
        asks.setdefault(plan, []).append((line, int(amount)))
    return asks


def fund_down_the_list(inp: AllocationInput, order: list[str]) -> list[str]:
    """Fund plans in ``order`` while they fit the money (exactly, in VND) and the rules a list can check."""
    scenario = inp.scenario
    plans = inp.plans
    left = {line: int(v) for line, v in inp.lines["available"].items()}
    asks = _requests_by_plan(inp)
    eligible = dict(zip(plans.index, plans["eligible"].to_numpy(), strict=True))
    product_of = dict(zip(plans.index, plans["product_code"].to_numpy(), strict=True))
    region_of = dict(zip(plans.index, plans["region"].to_numpy(), strict=True))
    requires = dict(zip(plans.index, plans["requires_plan"].to_numpy(), strict=True))
    excluded_with: dict[str, set[str]] = {}
    for code, others in zip(plans.index, plans["excludes_plans"].to_numpy(), strict=True):
        for other in others:
            excluded_with.setdefault(code, set()).add(other)
            excluded_with.setdefault(other, set()).add(code)
    cap = scenario.max_plans_per_region
    chosen: list[str] = []
    chosen_set: set[str] = set()
    products: set[str] = set()
    per_region: dict[object, int] = {}
    for code in order:
        if not eligible[code]:
            continue
        if scenario.one_plan_per_product and product_of[code] in products:
            continue
        needed = requires[code]
        if needed and needed not in chosen_set:
            continue
        if not excluded_with.get(code, set()).isdisjoint(chosen_set):
            continue
        region = region_of[code]
        counted = isinstance(region, str)  # plans outside the region level are outside the regional rules
        if cap is not None and counted and per_region.get(region, 0) >= cap:
            continue
        wanted = asks.get(code, [])
        if any(amount > left.get(line, 0) for line, amount in wanted):
            continue
        for line, amount in wanted:
            left[line] -= amount
        chosen.append(code)
        chosen_set.add(code)
        products.add(product_of[code])
        if counted:
            per_region[region] = per_region.get(region, 0) + 1
    return chosen


def _baseline(inp: AllocationInput, method: str, order: list[str]) -> AllocationResult:
    funded = fund_down_the_list(inp, order)
    result = assemble_result(inp, funded, method=method, status="feasible",
                             message="heuristic: funded down a ranked list")
    # The same exact check as the optimiser's: shares and hard targets are what a list cannot keep.
    result.rule_violations = [breach.sentence for breach in verify_allocation(inp, funded)]
    return result


def rank_by_appraisal_score(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of appraisal scores (the furthest stage's score), highest first."""
    scores = inp.eligible["appraisal_score"].fillna(-1.0)  # a plan without a score goes last
    codes = scores.index.to_numpy(dtype=object)
    order = list(codes[np.lexsort((codes.astype(str), -scores.to_numpy()))])
    return _baseline(inp, "rank_by_appraisal_score", order)


def greedy_benefit_per_vnd(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of expected benefit per VND requested, best first."""
    order = list(benefit_per_vnd_rank(inp).sort_values(kind="stable").index)
    return _baseline(inp, "greedy_benefit_per_vnd", order)


BASELINES: dict[str, Callable[[AllocationInput], AllocationResult]] = {
    "rank_by_appraisal_score": rank_by_appraisal_score,
    "greedy_benefit_per_vnd": greedy_benefit_per_vnd,
}
