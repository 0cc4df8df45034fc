"""What committees do by hand, in the optimiser's result shape, for comparison.

Both fund down a ranked list, skipping a plan that does not fit the money left on every line it asks for or
breaks a rule the list can check as it goes (one plan per product, exclusions, the plan it requires, the
region cap), and carrying on with the next. Regional shares and hard targets cannot be kept by a list: a
baseline that breaks them says so in ``rule_violations``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.explain import benefit_per_vnd_rank
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.verify import verify_allocation

__all__ = ["BASELINES", "fund_down_the_list", "greedy_benefit_per_vnd", "rank_by_appraisal_score"]


def fund_down_the_list(inp: AllocationInput, order: list[str]) -> list[str]:
    """Fund plans in ``order`` while they fit the money (exactly, in VND) and the rules a list can check.

    The list is walked once, plan by plan (each decision depends on the ones before it); every plan's lines are
    checked and charged as one array operation, in int64: a request is at most 10^15 VND and what is left of a
    line only falls, by amounts that fit in it.
    """
    scenario = inp.scenario
    plans = inp.plans
    positions = plans.index.get_indexer(order)
    if (positions < 0).any():
        unknown = [str(code) for code, position in zip(order, positions, strict=True) if position < 0]
        raise KeyError(f"unknown plan code(s): {', '.join(unknown)}")
    # Each plan's requests (one per line) as a slice of two arrays sorted by plan: line position and VND. A request
    # on a line the scenario does not have goes to a last line with nothing left, where it never fits.
    asked = inp.requests.groupby(["plan_code", "budget_line_code"], sort=False)["amount_vnd"].sum()
    plan_of = plans.index.get_indexer(asked.index.get_level_values("plan_code"))
    line_of = inp.lines.index.get_indexer(asked.index.get_level_values("budget_line_code"))
    line_of[line_of < 0] = len(inp.lines)
    by_plan = np.argsort(plan_of, kind="stable")
    line_of, amount_of = line_of[by_plan], asked.to_numpy(dtype=np.int64)[by_plan]
    starts = np.searchsorted(plan_of[by_plan], np.arange(len(plans) + 1)).tolist()
    left = np.append(inp.lines["available"].to_numpy(dtype=np.int64), 0)

    eligible = plans["eligible"].to_numpy(dtype=bool).tolist()
    product_of = pd.factorize(plans["product_code"])[0].tolist()
    # Plans outside the region level (no region) are outside the regional rules: -1.
    region_of = pd.factorize(plans["region"], use_na_sentinel=True)[0].tolist()
    needed = plans["requires_plan"]
    has_need = (needed.notna() & (needed != "")).to_numpy()
    # The position of the plan each plan needs; -1 none; -2 a plan that is not in the list at all.
    need_of = np.where(has_need, plans.index.get_indexer(needed.where(has_need, "")), -1)
    need_of[has_need & (need_of == -1)] = -2
    requires = need_of.tolist()
    exclusions = plans["excludes_plans"].explode().dropna()
    excluded_with: dict[int, list[int]] = {}
    for a, b in zip(plans.index.get_indexer(exclusions.index), plans.index.get_indexer(exclusions.to_numpy()),
                    strict=True):
        if b >= 0:
            excluded_with.setdefault(a, []).append(b)
            excluded_with.setdefault(b, []).append(a)
    cap = scenario.max_plans_per_region
    one_per_product = scenario.one_plan_per_product
    funded = [False] * len(plans)
    product_funded = [False] * (max(product_of, default=-1) + 1)
    per_region = [0] * (max(region_of, default=-1) + 1)
    chosen: list[str] = []
    for code, i in zip(order, positions.tolist(), strict=True):
        if not eligible[i]:
            continue
        if one_per_product and product_funded[product_of[i]]:
            continue
        need = requires[i]
        if need != -1 and (need == -2 or not funded[need]):
            continue
        if any(funded[j] for j in excluded_with.get(i, ())):
            continue
        r = region_of[i]
        if cap is not None and r >= 0 and per_region[r] >= cap:
            continue
        a, b = starts[i], starts[i + 1]
        lines, amounts = line_of[a:b], amount_of[a:b]
        if (amounts > left[lines]).any():
            continue
        left[lines] -= amounts
        chosen.append(code)
        funded[i] = True
        product_funded[product_of[i]] = True
        if r >= 0:
            per_region[r] += 1
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
