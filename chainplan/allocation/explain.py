"""Every decision in words a committee member understands, and the value of more money per budget line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from chainplan.allocation.data import TARGET_OUTCOMES, AllocationInput

__all__ = ["benefit_per_vnd_rank", "explain_decisions"]


def _vnd(amount: float) -> str:
    return f"{round(amount):,}".replace(",", ".") + " VND"


def benefit_per_vnd_rank(inp: AllocationInput) -> pd.Series:
    """Rank (1 = best) of each eligible plan by benefit per VND requested; a plan asking nothing ranks first."""
    eligible = inp.eligible
    ratio = eligible["benefit"] / eligible["total_request"].where(eligible["total_request"] > 0)
    ratio = ratio.fillna(float("inf"))
    order = sorted(eligible.index, key=lambda code: (-ratio[code], code))
    return pd.Series({code: position for position, code in enumerate(order, start=1)}, dtype="int64")


def _counts_toward(row: dict[str, Any]) -> list[str]:
    return [target for target, outcome in TARGET_OUTCOMES.items() if row[outcome] > 0]


def explain_decisions(inp: AllocationInput, funded: Iterable[str], budget: pd.DataFrame) -> pd.DataFrame:
    """One row per plan: ``plan_code``, ``funded``, ``reason`` (a code) and ``explanation`` (a sentence)."""
    chosen = set(funded)
    plans = inp.plans
    scenario = inp.scenario
    rank = benefit_per_vnd_rank(inp)
    eligible_count = len(rank)
    left = dict(zip(budget["line"], budget["left"], strict=True))
    matrix = inp.request_matrix
    funded_by_product: dict[str, str] = {}
    funded_per_region: dict[object, int] = {}
    amount_per_region: dict[object, float] = {}
    for code in chosen:
        funded_by_product.setdefault(plans.at[code, "product_code"], code)
        region = plans.at[code, "region"]
        funded_per_region[region] = funded_per_region.get(region, 0) + 1
        amount_per_region[region] = amount_per_region.get(region, 0.0) + float(plans.at[code, "total_request"])
    total_funded = sum(amount_per_region.values())
    excluders: dict[str, list[str]] = {}
    for code, others in plans["excludes_plans"].items():
        for other in others:
            excluders.setdefault(other, []).append(code)
            excluders.setdefault(code, []).append(other)

    rows = []
    for code, row in zip(plans.index, plans.to_dict("records"), strict=True):
        ranking = f"its benefit per VND ranks {rank[code]} of {eligible_count}" if code in rank.index else ""
        if code in chosen:
            toward = _counts_toward(row)
            extra = f"; counts toward {', '.join(toward)}" if toward else ""
            rows.append((code, True, "funded",
                         f"Funded: {_vnd(row['total_request'])} for an expected benefit of {row['benefit']:.2f} "
                         f"({ranking}){extra}."))
            continue
        if not row["eligible"]:
            reasons = list(row["ineligible_reasons"])
            kind = "below_min_grant" if all("minimum grant" in r for r in reasons) else "not_eligible"
            rows.append((code, False, kind, "Not eligible: " + "; ".join(reasons) + "."))
            continue
        rivals = [other for other in excluders.get(code, []) if other in chosen]
        if rivals:
            rows.append((code, False, "excluded_by",
                         f"Excluded by plan {', '.join(sorted(rivals))}, which is funded (they cannot both be)."))
            continue
        needed = row["requires_plan"]
        if needed and needed not in chosen:
            rows.append((code, False, "needs_plan", f"Needs plan {needed}, which is not funded."))
            continue
        sibling = funded_by_product.get(row["product_code"])
        if scenario.one_plan_per_product and sibling is not None:
            rows.append((code, False, "one_plan_per_product",
                         f"Plan {sibling} for the same product {row['product_code']} is funded; the scenario funds "
                         "one plan per product."))
            continue
        region = row["region"]
        cap = scenario.max_plans_per_region
        if cap is not None and funded_per_region.get(region, 0) >= cap:
            rows.append((code, False, "region_cap",
                         f"Region {region} already has {cap} funded plan(s), the most the scenario allows."))
            continue
        cost = float(row["total_request"])
        if scenario.max_region_share < 1 and total_funded + cost > 0 and (
                amount_per_region.get(region, 0.0) + cost) / (total_funded + cost) > scenario.max_region_share + 1e-9:
            rows.append((code, False, "region_share",
                         f"Funding it would give region {region} more than {scenario.max_region_share:.0%} of the "
                         "money funded."))
            continue
        if row["benefit"] <= 0:
            rows.append((code, False, "no_benefit",
                         "Its expected benefit is 0 under this scenario's weights, so it adds nothing to the goals."))
            continue
        requests = matrix.loc[code] if code in matrix.index else pd.Series(dtype="int64")
        short = [(line, float(amount) - float(left.get(line, 0))) for line, amount in requests.items()
                 if amount and float(amount) > float(left.get(line, 0))]
        if short:
            needs = " and ".join(f"{_vnd(gap)} more on line {line}" for line, gap in short)
            rows.append((code, False, "value_for_money",
                         f"Lost on value for money: it would need {needs}; {ranking}."))
        else:
            rows.append((code, False, "other_rules",
                         f"Money is left on its lines, but funding it would lower the objective under the "
                         f"scenario's targets or regional shares; {ranking}."))
    return pd.DataFrame(rows, columns=["plan_code", "funded", "reason", "explanation"])
