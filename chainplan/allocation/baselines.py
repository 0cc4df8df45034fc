"""What committees do by hand, in the optimiser's result shape, for comparison.

Both fund down a ranked list, skipping a plan that does not fit the money left on every line it asks for or
breaks a rule the list can check as it goes (one plan per product, exclusions, the plan it requires, the
region cap), and carrying on with the next. Regional shares and hard targets cannot be kept by a list: a
baseline that breaks them says so in ``rule_violations``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd

from chainplan.allocation.data import AllocationInput
from chainplan.allocation.explain import benefit_per_vnd_rank
from chainplan.allocation.results import AllocationResult, assemble_result
from chainplan.allocation.targets import objective_value, target_attainment
from chainplan.allocation.verify import verify_allocation
from chainplan.wording import Phrase

__all__ = ["BASELINES", "BaselineSummary", "baseline_summaries", "fund_down_the_list", "greedy_benefit_per_vnd",
           "rank_by_appraisal_score"]


@dataclass(frozen=True)
class _ListRules:
    """What walking a list needs of the plans, prepared once for any number of lists, as Python lists (each
    decision depends on the ones before it, so the walk is a loop; plain lists and ints are the fastest there).

    ``requests[i]`` is plan i's (line position, VND) pairs; a request on a line the scenario does not have goes to
    a last line with nothing left, where it never fits. ``requires[i]``: the position of the plan it needs, -1
    none, -2 a plan that is not in the list at all. ``region[i]``: -1 outside the region level.
    """

    positions: pd.Index
    available: list[int]
    requests: list[tuple[tuple[int, int], ...]]
    eligible: list[bool]
    product: list[int]
    region: list[int]
    requires: list[int]
    excluded_with: dict[int, list[int]]


def _list_rules(inp: AllocationInput) -> _ListRules:
    plans = inp.plans
    asked = inp.requests.groupby(["plan_code", "budget_line_code"], sort=False)["amount_vnd"].sum()
    plan_of = plans.index.get_indexer(asked.index.get_level_values("plan_code"))
    line_of = inp.lines.index.get_indexer(asked.index.get_level_values("budget_line_code"))
    line_of[line_of < 0] = len(inp.lines)
    by_plan = np.argsort(plan_of, kind="stable")
    pairs = list(zip(line_of[by_plan].tolist(), asked.to_numpy(dtype=np.int64)[by_plan].tolist(), strict=True))
    starts = np.searchsorted(plan_of[by_plan], np.arange(len(plans) + 1)).tolist()
    requests = [tuple(pairs[a:b]) for a, b in pairwise(starts)]
    # Whole VND as Python ints: exact whatever the amounts.
    available = [int(v) for v in inp.lines["available"].tolist()] + [0]
    needed = plans["requires_plan"]
    has_need = (needed.notna() & (needed != "")).to_numpy()
    need_of = np.where(has_need, plans.index.get_indexer(needed.where(has_need, "")), -1)
    need_of[has_need & (need_of == -1)] = -2
    exclusions = plans["excludes_plans"].explode().dropna()
    excluded_with: dict[int, list[int]] = {}
    for a, b in zip(plans.index.get_indexer(exclusions.index), plans.index.get_indexer(exclusions.to_numpy()),
                    strict=True):
        if b >= 0:
            excluded_with.setdefault(a, []).append(b)
            excluded_with.setdefault(b, []).append(a)
    return _ListRules(
        positions=plans.index, available=available, requests=requests,
        eligible=plans["eligible"].to_numpy(dtype=bool).tolist(),
        product=pd.factorize(plans["product_code"])[0].tolist(),
        # Plans outside the region level (no region) are outside the regional rules: -1.
        region=pd.factorize(plans["region"], use_na_sentinel=True)[0].tolist(),
        requires=need_of.tolist(), excluded_with=excluded_with)


def fund_down_the_list(inp: AllocationInput, order: list[str], rules: _ListRules | None = None) -> list[str]:
    """Fund plans in ``order`` while they fit the money (exactly, in whole VND) and the rules a list can check.

    The list is walked once, plan by plan (each decision depends on the ones before it). ``rules`` is what
    :func:`_list_rules` prepared of ``inp`` (prepared here when not given).
    """
    rules = rules or _list_rules(inp)
    scenario = inp.scenario
    positions = rules.positions.get_indexer(order)
    if (positions < 0).any():
        unknown = [str(code) for code, position in zip(order, positions, strict=True) if position < 0]
        raise KeyError(f"unknown plan code(s): {', '.join(unknown)}")
    eligible, product_of, region_of = rules.eligible, rules.product, rules.region
    requires, excluded_with, requests = rules.requires, rules.excluded_with, rules.requests
    left = list(rules.available)
    cap = scenario.max_plans_per_region
    one_per_product = scenario.one_plan_per_product
    funded = [False] * len(eligible)
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
        excluded = excluded_with.get(i)
        if excluded is not None and any(funded[j] for j in excluded):
            continue
        r = region_of[i]
        if cap is not None and r >= 0 and per_region[r] >= cap:
            continue
        asked = requests[i]
        if len(asked) == 1:  # most plans ask one line: no generator for them
            line, amount = asked[0]
            if amount > left[line]:
                continue
            left[line] -= amount
        else:
            if any(amount > left[line] for line, amount in asked):
                continue
            for line, amount in asked:
                left[line] -= amount
        chosen.append(code)
        funded[i] = True
        product_funded[product_of[i]] = True
        if r >= 0:
            per_region[r] += 1
    return chosen


def _baseline(inp: AllocationInput, method: str, order: list[str]) -> AllocationResult:
    funded = fund_down_the_list(inp, order)
    result = assemble_result(inp, funded, method=method, status="feasible",
                             said=Phrase("solve.heuristic"))
    # The same exact check as the optimiser's: shares and hard targets are what a list cannot keep.
    result.rule_violations = [breach.sentence for breach in verify_allocation(inp, funded)]
    return result


def _appraisal_order(inp: AllocationInput) -> list[str]:
    scores = inp.eligible["appraisal_score"].fillna(-1.0)  # a plan without a score goes last
    codes = scores.index.to_numpy(dtype=object)
    return list(codes[np.lexsort((codes.astype(str), -scores.to_numpy()))])


def _benefit_order(inp: AllocationInput) -> list[str]:
    return list(benefit_per_vnd_rank(inp).sort_values(kind="stable").index)


def rank_by_appraisal_score(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of appraisal scores (the furthest stage's score), highest first."""
    return _baseline(inp, "rank_by_appraisal_score", _appraisal_order(inp))


def greedy_benefit_per_vnd(inp: AllocationInput) -> AllocationResult:
    """Fund down the list of expected benefit per VND requested, best first."""
    return _baseline(inp, "greedy_benefit_per_vnd", _benefit_order(inp))


BASELINES: dict[str, Callable[[AllocationInput], AllocationResult]] = {
    "rank_by_appraisal_score": rank_by_appraisal_score,
    "greedy_benefit_per_vnd": greedy_benefit_per_vnd,
}

_ORDERS: dict[str, Callable[[AllocationInput], list[str]]] = {
    "rank_by_appraisal_score": _appraisal_order,
    "greedy_benefit_per_vnd": _benefit_order,
}


@dataclass(frozen=True)
class BaselineSummary:
    """What the optimiser's comparison reads of a baseline: the same figures as its full result
    (:data:`BASELINES`), without the result's tables."""

    method: str
    funded: list[str]
    objective: float
    total_benefit: float
    targets_met: int
    rule_violations: list[str]


def baseline_summaries(inp: AllocationInput) -> dict[str, BaselineSummary]:
    """Every baseline's funded plans, objective, expected benefit, targets met and broken rules, computed as its
    full result computes them (``tests/unit/test_baseline_summaries.py`` holds them equal), the plans' rules
    prepared once for both lists.

    Examples
    --------
    >>> from chainplan.allocation.data import prepare
    >>> from chainplan.demo import build_demo_dataset
    >>> from chainplan.scenario import Scenario
    >>> summaries = baseline_summaries(prepare(build_demo_dataset(), Scenario(name="demo")))
    >>> sorted(summaries) == sorted(BASELINES)
    True
    """
    rules = _list_rules(inp)
    plans = inp.plans
    out = {}
    for method, order in _ORDERS.items():
        funded = fund_down_the_list(inp, order(inp), rules)
        chosen = list(plans.index[plans.index.isin(funded)])  # in the plans' own order, as assemble_result
        benefit = pd.Series(plans.loc[chosen, "benefit"].astype(float).to_numpy())
        out[method] = BaselineSummary(
            method=method, funded=funded, objective=objective_value(inp, chosen),
            total_benefit=float(benefit.sum()) if len(chosen) else 0.0,
            targets_met=int(target_attainment(inp, chosen)["met"].sum()),
            rule_violations=[breach.sentence for breach in verify_allocation(inp, funded)])
    return out
