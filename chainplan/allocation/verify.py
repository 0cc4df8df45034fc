"""Exact checks of an allocation against every rule, whatever a solver said.

Solvers work in floating point with tolerances: a binary at 0.9999999 counts as 1, so a plan asking for
40 billion VND may be "funded" while the line is 4,000 VND short. Nothing a committee sees may rest on that.
:func:`verify_allocation` checks a set of funded plans in exact arithmetic: money in integer VND, regional
shares as exact fractions of the share the scenario wrote (``0.06`` is 6/100, not its binary neighbour),
plan counts as integers. Expected-value targets are sums of probabilities and are checked to 10⁻⁶, and so are the
chance rows of a robust scenario with hard targets (μ − zσ ≥ min, μ + zσ ≤ max under the normal approximation,
:mod:`chainplan.allocation.chance`), so that no answer is taken on trust there either.

The optimiser calls it after every solve and re-solve; the baselines list what it finds as their rule
violations. One checker serves both, so "breaks a rule" means the same thing everywhere.

"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from chainplan.allocation.chance import chance_rows
from chainplan.allocation.data import AllocationInput
from chainplan.allocation.targets import TOLERANCE, target_attainment
from chainplan.money import exact_decimal, format_vnd

__all__ = ["RuleBreach", "line_usage", "verify_allocation"]


@dataclass(frozen=True)
class RuleBreach:
    """One rule a set of funded plans breaks.

    ``rule`` names the family (``budget_line``, ``min_region_share``, ``max_region_share``,
    ``max_plans_per_region``, ``one_plan_per_product``, ``requires_plan``, ``excludes_plans``, ``not_eligible``,
    ``target_min``, ``target_max``, ``chance_min``, ``chance_max``), ``subject`` the line, region, product, plan
    or target, and ``excess`` how far over (VND for money rules, plans for counts, the target's unit for targets
    and chance rows).
    """

    rule: str
    subject: str
    excess: float
    sentence: str


def line_usage(inp: AllocationInput, funded: Iterable[str]) -> dict[str, int]:
    """VND used per budget line by the funded plans, in Python integers (no overflow, no rounding)."""
    chosen = set(funded)
    requests = inp.requests
    mask = requests["plan_code"].isin(chosen).to_numpy()
    used: dict[str, int] = {}
    for line, amount in zip(requests["budget_line_code"].to_numpy()[mask],
                            requests["amount_vnd"].to_numpy()[mask], strict=True):
        used[line] = used.get(line, 0) + int(amount)
    return used


def _money_breaches(inp: AllocationInput, chosen: list[str], available: Mapping[str, int]) -> list[RuleBreach]:
    found = []
    for line, spent in sorted(line_usage(inp, chosen).items()):
        limit = int(available.get(line, 0))
        if spent > limit:
            found.append(RuleBreach("budget_line", str(line), spent - limit,
                                    f"Budget line {line} is over by {format_vnd(spent - limit)} "
                                    f"(uses {format_vnd(spent)} of {format_vnd(limit)})."))
    return found


def _regional_breaches(inp: AllocationInput, chosen: list[str]) -> list[RuleBreach]:
    scenario = inp.scenario
    if not scenario.has_regional_rules or not chosen:
        return []
    funded = inp.plans.loc[chosen]
    in_level = funded[funded["region"].notna()]
    found = []
    cap = scenario.max_plans_per_region
    if cap is not None:
        for region, count in sorted(in_level.groupby("region").size().items()):
            if count > cap:
                found.append(RuleBreach("max_plans_per_region", str(region), float(count - cap),
                                        f"Region {region} has {count} funded plans; the most allowed is {cap}."))
    if scenario.min_region_share <= 0 and scenario.max_region_share >= 1:
        return found
    total = sum(int(v) for v in funded["total_request"])
    amounts = {region: sum(int(v) for v in group) for region, group in in_level.groupby("region")["total_request"]}
    eligible = inp.eligible
    regions = sorted(set(eligible.loc[eligible["region"].notna(), "region"]))
    low, high = exact_decimal(scenario.min_region_share), exact_decimal(scenario.max_region_share)
    for region in regions:
        amount = amounts.get(region, 0)
        if amount * low.denominator < low.numerator * total:
            missing = Fraction(low.numerator * total, low.denominator) - amount
            found.append(RuleBreach("min_region_share", str(region), float(missing),
                                    f"Region {region} gets {format_vnd(amount)}, below {float(low):.1%} of the "
                                    f"{format_vnd(total)} funded."))
        if amount * high.denominator > high.numerator * total:
            over = amount - Fraction(high.numerator * total, high.denominator)
            found.append(RuleBreach("max_region_share", str(region), float(over),
                                    f"Region {region} gets {format_vnd(amount)}, above {float(high):.1%} of the "
                                    f"{format_vnd(total)} funded."))
    return found


def _plan_rule_breaches(inp: AllocationInput, chosen: list[str]) -> list[RuleBreach]:
    funded = inp.plans.loc[chosen]
    chosen_set = set(chosen)
    found = [RuleBreach("not_eligible", code, 1.0, f"Plan {code} is funded but not eligible.")
             for code in funded.index[~funded["eligible"].to_numpy()]]
    needed = funded["requires_plan"]
    missing = needed.notna() & (needed != "") & ~needed.isin(chosen_set)
    found += [RuleBreach("requires_plan", code, 1.0, f"Plan {code} is funded without plan {other}, which it requires.")
              for code, other in needed[missing].items()]
    others = funded["excludes_plans"].explode().dropna()
    clash = others[others.isin(chosen_set)]
    pairs = sorted({tuple(sorted((str(code), str(other)))) for code, other in clash.items()})
    found += [RuleBreach("excludes_plans", f"{a}, {b}", 1.0, f"Plans {a} and {b} exclude each other but are both "
                         "funded.") for a, b in pairs]
    if inp.scenario.one_plan_per_product:
        counts = funded["product_code"].value_counts()
        for product, count in sorted(counts[counts > 1].items()):
            found.append(RuleBreach("one_plan_per_product", str(product), float(count - 1),
                                    f"Product {product} has {count} funded plans; the scenario funds one."))
    return found


def _target_breaches(inp: AllocationInput, chosen: list[str]) -> list[RuleBreach]:
    if inp.scenario.target_mode != "hard":
        return []
    found = []
    for row in target_attainment(inp, chosen).to_dict("records"):
        if row["met"]:
            continue
        achieved = row["achieved"]
        shown = "nothing" if achieved is None else f"{achieved:.4g}"
        rule = "target_max" if row["max"] is not None and achieved is not None and achieved > row["max"] \
            else "target_min"
        # In penalty units (products; stamped products for the share), the unit of the model's target row.
        found.append(RuleBreach(rule, row["target"], float(row["penalty_units"]),
                                f"Hard target {row['target']} is not met (achieved {shown}, "
                                f"min {row['min']}, max {row['max']})."))
    return found


def _chance_breaches(inp: AllocationInput, chosen: list[str], confidence: float | None) -> list[RuleBreach]:
    if inp.scenario.target_mode != "hard":
        return []
    found = []
    for row in chance_rows(inp, confidence):
        excess = row.breach(chosen)
        if excess <= TOLERANCE:
            continue
        mean, variance = row.moments(chosen)
        level = inp.scenario.confidence if confidence is None else confidence
        sign = "−" if row.kind == "min" else "+"
        found.append(RuleBreach(f"chance_{row.kind}", row.target, excess,
                                f"Hard target {row.target} does not hold with {level:.1%} confidence: "
                                f"mean {sign} z·sd = {row.value(chosen):.4g} (mean {mean:.4g}, sd "
                                f"{math.sqrt(variance):.4g}, z {row.z:.4g}) against {row.kind} {row.bound:g}."))
    return found


def verify_allocation(
    inp: AllocationInput, funded: Iterable[str], *, available: Mapping[str, int] | None = None,
    confidence: float | None = None,
) -> list[RuleBreach]:
    """Every rule the funded plans break, checked exactly; an empty list means the allocation is valid.

    Parameters
    ----------
    inp
        The prepared allocation input.
    funded
        Codes of the funded plans.
    available
        VND available per line, when it differs from the scenario's (a line raised to value more money).
    confidence
        The confidence of the chance rows, when it differs from the scenario's (the diagnosis's search).
    """
    chosen = [code for code in dict.fromkeys(funded)]
    unknown = [code for code in chosen if code not in inp.plans.index]
    if unknown:
        raise KeyError(f"unknown plan code(s): {', '.join(unknown)}")
    limits = available if available is not None else {k: int(v) for k, v in inp.lines["available"].items()}
    return [*_money_breaches(inp, chosen, limits), *_regional_breaches(inp, chosen),
            *_plan_rule_breaches(inp, chosen), *_target_breaches(inp, chosen),
            *_chance_breaches(inp, chosen, confidence)]
