"""Each rule of the exact verifier, fed an allocation that breaks it by the smallest amount and one just inside.

The verifier (:func:`chainplan.allocation.verify.verify_allocation`) is the guarantee behind every figure: every
solver answer, every baseline and every repair passes through it. A verifier that lets one plan too many, one VND
too many or a share a hair too high through would leave every other test green, so each rule is tried here at its
boundary, on an instance small enough to check by hand: just inside is accepted (an empty list), one step over is
rejected naming that rule, its subject and by how much.

Chance rows (robust scenarios with hard targets) are not checked by the verifier on this branch, so they have no
test here.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from chainplan.allocation import prepare
from chainplan.allocation.data import AllocationInput
from chainplan.allocation.verify import RuleBreach, verify_allocation
from chainplan.dataset import Dataset
from chainplan.scenario import Scenario
from tests.allocation_helpers import ONLY_PRIORITY

BILLION = 1_000_000_000


def build(plans: list[dict[str, Any]], lines: dict[str, int | tuple[int, str]], *,
          products: list[dict[str, Any]] | None = None, **options: Any) -> AllocationInput:
    """A province QN with districts A and B; organizations OA, OB (in A, B) and OQ (the province itself).

    ``plans``: code, requests {line: VND}; optional org (OA, OB or OQ), product, appraisal status and any plan
    column. ``lines``: VND, or (VND, region) for a line reserved for a region. The scenario requires no appraisal
    unless asked and values a plan by its priority points.
    """
    regions = [{"code": "QN", "name": "QN", "level": "province"},
               {"code": "A", "name": "A", "level": "district", "parent_code": "QN"},
               {"code": "B", "name": "B", "level": "district", "parent_code": "QN"}]
    organizations = [{"code": code, "name": code, "role": "producer", "region_code": region}
                     for code, region in (("OA", "A"), ("OB", "B"), ("OQ", "QN"))]
    product_rows = list(products or [])
    known = {p["code"] for p in product_rows}
    plan_rows, requests, appraisals = [], [], []
    for plan in plans:
        org = plan.get("org", "OA")
        product = plan.get("product", f"SP-{plan['code']}")
        if product not in known:
            product_rows.append({"code": product, "name": product, "group": "food", "producer_code": org,
                                 "region_code": "A"})
            known.add(product)
        extra = {k: v for k, v in plan.items() if k not in ("code", "requests", "org", "product", "appraisal")}
        plan_rows.append({"code": plan["code"], "product_code": product, "organization_code": org,
                          "purpose": "other", "priority_points": 1.0, **extra})
        requests += [{"plan_code": plan["code"], "budget_line_code": line, "amount_vnd": amount}
                     for line, amount in plan.get("requests", {}).items()]
        if "appraisal" in plan:
            appraisals.append({"plan_code": plan["code"], "stage": "province", "status": plan["appraisal"]})
    ds = Dataset.from_records({
        "regions": regions, "organizations": organizations, "products": product_rows, "plans": plan_rows,
        "plan_requests": requests, "appraisals": appraisals,
        "budget_lines": [{"code": code, "name": code, "source": "other",
                          "amount_vnd": value[0] if isinstance(value, tuple) else value,
                          "region_code": value[1] if isinstance(value, tuple) else None}
                         for code, value in lines.items()],
    })
    document: dict[str, Any] = {"name": "rules", "required_appraisals": [], "one_plan_per_product": False,
                                "weights": ONLY_PRIORITY, "region_level": "district"}
    return prepare(ds, Scenario.model_validate(document | options))


def broken(inp: AllocationInput, funded: list[str], **options: Any) -> list[tuple[str, str]]:
    return [(b.rule, b.subject) for b in verify_allocation(inp, funded, **options)]


def only(inp: AllocationInput, funded: list[str]) -> RuleBreach:
    [breach] = verify_allocation(inp, funded)
    return breach


# Budget lines: integer VND, each line on its own.

def test_a_line_used_to_the_last_vnd_is_accepted_and_one_vnd_more_is_not() -> None:
    plans = [{"code": "P1", "requests": {"L1": 40 * BILLION + 1}}, {"code": "P2", "requests": {"L1": 20 * BILLION}}]
    exact = build(plans, {"L1": 60 * BILLION + 1})
    assert verify_allocation(exact, ["P1", "P2"]) == []
    short = build(plans, {"L1": 60 * BILLION})
    breach = only(short, ["P1", "P2"])
    assert (breach.rule, breach.subject, breach.excess) == ("budget_line", "L1", 1)
    assert verify_allocation(short, ["P1"]) == verify_allocation(short, ["P2"]) == []


def test_each_line_is_checked_and_the_one_over_is_named() -> None:
    plans = [{"code": "P1", "requests": {"L1": 5 * BILLION, "L2": 3 * BILLION + 1}},
             {"code": "P2", "requests": {"L1": 5 * BILLION}}]
    inp = build(plans, {"L1": 10 * BILLION, "L2": 3 * BILLION})
    breach = only(inp, ["P1", "P2"])
    assert (breach.rule, breach.subject, breach.excess) == ("budget_line", "L2", 1)
    assert verify_allocation(inp, ["P2"]) == []


def test_a_raised_line_is_checked_against_what_it_was_raised_to() -> None:
    plans = [{"code": "P1", "requests": {"L1": 2 * BILLION}}, {"code": "P2", "requests": {"L1": 1 * BILLION}}]
    inp = build(plans, {"L1": 2 * BILLION})
    assert broken(inp, ["P1", "P2"]) == [("budget_line", "L1")]
    assert verify_allocation(inp, ["P1", "P2"], available={"L1": 3 * BILLION}) == []
    assert broken(inp, ["P1", "P2"], available={"L1": 3 * BILLION - 1}) == [("budget_line", "L1")]


def test_sums_of_many_plans_near_the_ceiling_are_exact() -> None:
    # Ten requests of 10^15 − 1 VND and one of 1 VND: 9,999,999,999,999,991 VND, beyond what a float holds to the
    # unit (2^53). Against 9,999,999,999,999,990 VND (more than a scenario may give a line, 10^15, but what the
    # checker is handed when a line is raised to value money) they are short by exactly one VND.
    plans = [{"code": f"P{i}", "requests": {"L1": 10**15 - 1}} for i in range(10)]
    plans.append({"code": "P10", "requests": {"L1": 1}})
    everything = [plan["code"] for plan in plans]
    inp = build(plans, {"L1": 10**15 - 1})
    line = {"L1": 9_999_999_999_999_990}
    [breach] = verify_allocation(inp, everything, available=line)
    assert (breach.rule, breach.subject, breach.excess) == ("budget_line", "L1", 1)
    assert verify_allocation(inp, everything[:-1], available=line) == []
    assert verify_allocation(inp, everything, available={"L1": 9_999_999_999_999_991}) == []


def test_a_line_with_nothing_left_takes_not_one_vnd() -> None:
    inp = build([{"code": "P1", "requests": {"L1": 1}}], {"L1": 0})
    breach = only(inp, ["P1"])
    assert (breach.rule, breach.subject, breach.excess) == ("budget_line", "L1", 1)


# Plans per region.

def test_the_region_cap_admits_exactly_its_number_of_plans() -> None:
    plans = [{"code": f"P{i}", "requests": {"L1": BILLION}} for i in range(3)]
    inp = build(plans, {"L1": 10 * BILLION}, max_plans_per_region=2)
    assert verify_allocation(inp, ["P0", "P1"]) == []
    breach = only(inp, ["P0", "P1", "P2"])
    assert (breach.rule, breach.subject, breach.excess) == ("max_plans_per_region", "A", 1)


def test_the_region_cap_counts_each_region_apart_and_not_plans_above_the_level() -> None:
    plans = [{"code": "A1", "org": "OA"}, {"code": "A2", "org": "OA"}, {"code": "B1", "org": "OB"},
             {"code": "Q1", "org": "OQ"}, {"code": "Q2", "org": "OQ"}]
    for plan in plans:
        plan["requests"] = {"L1": BILLION}
    inp = build(plans, {"L1": 10 * BILLION}, max_plans_per_region=1)
    # OQ sits at the province, above the district level: its plans are outside the regional rules.
    assert broken(inp, ["A1", "B1", "Q1", "Q2"]) == []
    assert broken(inp, ["A1", "A2", "B1"]) == [("max_plans_per_region", "A")]


def test_a_cap_of_zero_admits_no_plan_in_a_region() -> None:
    inp = build([{"code": "P1", "requests": {"L1": BILLION}}], {"L1": BILLION}, max_plans_per_region=0)
    assert verify_allocation(inp, []) == []
    assert broken(inp, ["P1"]) == [("max_plans_per_region", "A")]


# Regional shares, both ways, read as the committee wrote them.

def _two_regions(a: int, b: int, **options: Any) -> AllocationInput:
    plans = [{"code": "PA", "org": "OA", "requests": {"L1": a}}, {"code": "PB", "org": "OB", "requests": {"L1": b}}]
    return build(plans, {"L1": a + b}, **options)


def test_a_region_at_exactly_its_maximum_share_is_accepted_and_one_vnd_more_is_not() -> None:
    assert verify_allocation(_two_regions(50 * BILLION, 50 * BILLION, max_region_share=0.5), ["PA", "PB"]) == []
    inp = _two_regions(50 * BILLION + 1, 50 * BILLION, max_region_share=0.5)
    breach = only(inp, ["PA", "PB"])
    # A gets 50e9 + 1 of 100e9 + 1: half of the total is 50e9 + 0.5, so A is over by half a VND.
    assert (breach.rule, breach.subject) == ("max_region_share", "A")
    assert Fraction(breach.excess) == Fraction(1, 2)


def test_a_region_at_exactly_its_minimum_share_is_accepted_and_one_vnd_less_is_not() -> None:
    assert verify_allocation(_two_regions(50 * BILLION, 50 * BILLION, min_region_share=0.5), ["PA", "PB"]) == []
    inp = _two_regions(50 * BILLION - 1, 50 * BILLION, min_region_share=0.5)
    breach = only(inp, ["PA", "PB"])
    assert (breach.rule, breach.subject) == ("min_region_share", "A")
    assert Fraction(breach.excess) == Fraction(1, 2)


def test_a_maximum_share_is_read_as_written() -> None:
    # A gets 6e9 of 100e9 (the rest goes to the province's own plan, outside the district level): exactly 6 %.
    # The float 0.06 is a hair below 6/100, so a check in floating point would call A over.
    def funded_a(amount: int, maximum: float) -> list[tuple[str, str]]:
        plans = [{"code": "PA", "org": "OA", "requests": {"L1": amount}},
                 {"code": "PQ", "org": "OQ", "requests": {"L1": 100 * BILLION - amount}}]
        return broken(build(plans, {"L1": 100 * BILLION}, max_region_share=maximum), ["PA", "PQ"])

    assert funded_a(6 * BILLION, 0.06) == []
    assert funded_a(6 * BILLION + 1, 0.06) == [("max_region_share", "A")]
    assert funded_a(6 * BILLION, 0.0599999999) == [("max_region_share", "A")]  # 5,999,999,990 allowed


@pytest.mark.parametrize(("rule", "share", "a", "b"), [
    # In floating point 0.07 × 10,000,000 is 700,000.0000000001: a float check would call A short.
    ("min_region_share", 0.07, 700_000, 9_300_000),
    # In floating point 0.7 × 90,000,000 is 62,999,999.99999999: a float check would call A over.
    ("max_region_share", 0.7, 63_000_000, 27_000_000),
])
def test_a_share_exactly_at_its_bound_is_accepted_where_floating_point_would_refuse_it(
        rule: str, share: float, a: int, b: int) -> None:
    assert verify_allocation(_two_regions(a, b, **{rule: share}), ["PA", "PB"]) == []
    step = -1 if rule == "min_region_share" else 1
    assert broken(_two_regions(a + step, b, **{rule: share}), ["PA", "PB"]) == [(rule, "A")]


def test_a_region_with_eligible_plans_and_nothing_funded_is_below_any_minimum_share() -> None:
    inp = _two_regions(BILLION, BILLION, min_region_share=0.01)
    assert broken(inp, ["PA"]) == [("min_region_share", "B")]
    assert verify_allocation(inp, []) == []  # funding nothing gives no region a share to fall short of


def test_money_above_the_region_level_counts_in_the_total_of_the_shares() -> None:
    plans = [{"code": "PA", "org": "OA", "requests": {"L1": 30 * BILLION}},
             {"code": "PB", "org": "OB", "requests": {"L1": 30 * BILLION}},
             {"code": "PQ", "org": "OQ", "requests": {"L1": 40 * BILLION}}]
    lines = {"L1": 100 * BILLION}
    # With the province's own plan funded, A and B have 30 % each of 100e9; without it, 50 % each of 60e9.
    assert broken(build(plans, lines, max_region_share=0.3), ["PA", "PB", "PQ"]) == []
    assert broken(build(plans, lines, max_region_share=0.3), ["PA", "PB"]) == [("max_region_share", "A"),
                                                                               ("max_region_share", "B")]
    assert broken(build(plans, lines, min_region_share=0.3), ["PA", "PB", "PQ"]) == []
    assert broken(build(plans, lines, min_region_share=0.31), ["PA", "PB", "PQ"]) == [("min_region_share", "A"),
                                                                                      ("min_region_share", "B")]


def test_a_region_without_eligible_plans_has_no_minimum_share() -> None:
    plans = [{"code": "PA", "org": "OA", "requests": {"L1": BILLION}, "appraisal": "passed"},
             {"code": "PB", "org": "OB", "requests": {"L1": BILLION}, "appraisal": "failed"}]
    inp = build(plans, {"L1": 2 * BILLION}, min_region_share=0.5, required_appraisals=["province"])
    assert verify_allocation(inp, ["PA"]) == []  # B's only plan failed its appraisal: B cannot be given a share


# Rules between plans.

def test_one_plan_per_product_admits_one_and_not_two() -> None:
    plans = [{"code": "P1", "product": "SP", "requests": {"L1": BILLION}},
             {"code": "P2", "product": "SP", "requests": {"L1": BILLION}},
             {"code": "P3", "product": "SQ", "requests": {"L1": BILLION}}]
    inp = build(plans, {"L1": 3 * BILLION}, one_plan_per_product=True)
    assert verify_allocation(inp, ["P1", "P3"]) == verify_allocation(inp, ["P2", "P3"]) == []
    breach = only(inp, ["P1", "P2", "P3"])
    assert (breach.rule, breach.subject, breach.excess) == ("one_plan_per_product", "SP", 1)
    assert verify_allocation(build(plans, {"L1": 3 * BILLION}), ["P1", "P2"]) == []  # the rule is off


def test_a_plan_is_not_funded_without_the_plan_it_requires() -> None:
    plans = [{"code": "P1", "requests": {"L1": BILLION}},
             {"code": "P2", "requests": {"L1": BILLION}, "requires_plan": "P1"}]
    inp = build(plans, {"L1": 2 * BILLION})
    assert verify_allocation(inp, ["P1", "P2"]) == verify_allocation(inp, ["P1"]) == []
    breach = only(inp, ["P2"])
    assert (breach.rule, breach.subject) == ("requires_plan", "P2")


@pytest.mark.parametrize("declared_by", ["P1", "P2"])
def test_plans_that_exclude_each_other_are_not_both_funded(declared_by: str) -> None:
    other = "P2" if declared_by == "P1" else "P1"
    plans = [{"code": code, "requests": {"L1": BILLION}} for code in ("P1", "P2", "P3")]
    next(p for p in plans if p["code"] == declared_by)["excludes_plans"] = [other]
    inp = build(plans, {"L1": 3 * BILLION})
    assert verify_allocation(inp, ["P1", "P3"]) == verify_allocation(inp, ["P2", "P3"]) == []
    assert broken(inp, ["P1", "P2", "P3"]) == [("excludes_plans", "P1, P2")]


@pytest.mark.parametrize("status", ["failed", "pending", None])
def test_a_plan_that_is_not_eligible_is_not_funded(status: str | None) -> None:
    plans = [{"code": "P1", "requests": {"L1": BILLION}, "appraisal": "passed"},
             {"code": "P2", "requests": {"L1": BILLION}} | ({"appraisal": status} if status else {})]
    inp = build(plans, {"L1": 2 * BILLION}, required_appraisals=["province"])
    assert verify_allocation(inp, ["P1"]) == []
    assert broken(inp, ["P1", "P2"]) == [("not_eligible", "P2")]


def test_a_plan_below_the_minimum_grant_is_not_funded_and_one_at_it_is() -> None:
    plans = [{"code": "P1", "requests": {"L1": 100_000_000}}, {"code": "P2", "requests": {"L1": 99_999_999}}]
    inp = build(plans, {"L1": BILLION}, min_grant_vnd=100_000_000)
    assert verify_allocation(inp, ["P1"]) == []
    assert broken(inp, ["P2"]) == [("not_eligible", "P2")]


def test_a_line_reserved_for_a_region_funds_only_plans_inside_it() -> None:
    plans = [{"code": "PA", "org": "OA", "requests": {"LA": BILLION}},
             {"code": "PB", "org": "OB", "requests": {"LA": BILLION}},
             {"code": "PQ", "org": "OQ", "requests": {"LA": BILLION}},
             {"code": "RA", "org": "OA", "requests": {"LQ": BILLION}}]
    inp = build(plans, {"LA": (10 * BILLION, "A"), "LQ": (10 * BILLION, "QN")})
    # A district's plan may use its own district's line and its province's; a province-level plan is not inside A.
    assert verify_allocation(inp, ["PA", "RA"]) == []
    assert broken(inp, ["PA", "PB", "PQ"]) == [("not_eligible", "PB"), ("not_eligible", "PQ")]


def test_a_plan_that_needs_an_ineligible_plan_is_not_eligible_down_the_chain() -> None:
    # C needs B needs A, and A failed its appraisal. C is listed first, so one pass over the plans would see B
    # still eligible when it reaches C.
    plans = [{"code": "C", "requests": {"L1": BILLION}, "appraisal": "passed", "requires_plan": "B"},
             {"code": "B", "requests": {"L1": BILLION}, "appraisal": "passed", "requires_plan": "A"},
             {"code": "A", "requests": {"L1": BILLION}, "appraisal": "failed"},
             {"code": "D", "requests": {"L1": BILLION}, "appraisal": "passed"}]
    inp = build(plans, {"L1": 10 * BILLION}, required_appraisals=["province"])
    assert list(inp.plans["eligible"]) == [False, False, False, True]
    assert inp.plans.loc["C", "ineligible_reasons"] == ["needs plan B (SP-B — OA), which is not eligible"]
    assert broken(inp, ["A", "B", "C"]) == [("not_eligible", "A"), ("not_eligible", "B"), ("not_eligible", "C")]
    assert verify_allocation(inp, ["D"]) == []


# Hard targets: expected counts (Σ success probability) and the e-stamp share.

def _new_products(probabilities: list[float], **options: Any) -> AllocationInput:
    plans = [{"code": f"P{i}", "requests": {"L1": BILLION}, "success_probability": p, "creates_new_product": True}
             for i, p in enumerate(probabilities)]
    return build(plans, {"L1": 10 * BILLION}, target_mode="hard", **options)


def test_a_hard_minimum_met_exactly_is_accepted_and_a_hair_short_is_not() -> None:
    inp = _new_products([0.5, 0.5, 0.49], targets={"new_products": {"min": 1.0}})
    assert verify_allocation(inp, ["P0", "P1"]) == []
    breach = only(inp, ["P0", "P2"])
    assert (breach.rule, breach.subject) == ("target_min", "new_products")
    assert breach.excess == pytest.approx(0.01)


def test_a_hard_maximum_met_exactly_is_accepted_and_a_hair_over_is_not() -> None:
    inp = _new_products([0.5, 0.5, 0.01], targets={"new_products": {"max": 1.0}})
    assert verify_allocation(inp, ["P0", "P1"]) == []
    breach = only(inp, ["P0", "P1", "P2"])
    assert (breach.rule, breach.subject) == ("target_max", "new_products")
    assert breach.excess == pytest.approx(0.01)


def test_soft_targets_are_not_rules() -> None:
    plans = [{"code": "P0", "requests": {"L1": BILLION}, "creates_new_product": True}]
    inp = build(plans, {"L1": BILLION}, target_mode="soft", targets={"new_products": {"min": 5.0}})
    assert verify_allocation(inp, ["P0"]) == []


def test_a_hard_e_stamp_share_met_exactly_is_accepted_and_a_hair_short_is_not() -> None:
    # Two products rated 3 stars, neither stamped: a plan that surely stamps one brings the share to exactly 1/2.
    products = [{"code": code, "name": code, "group": "food", "producer_code": "OA", "region_code": "A", "stars": 3}
                for code in ("S1", "S2")]

    def share_with(probability: float) -> AllocationInput:
        plan = {"code": "P1", "product": "S1", "requests": {"L1": BILLION}, "adds_e_stamp": True,
                "success_probability": probability}
        return build([plan], {"L1": BILLION}, products=products, target_mode="hard",
                     targets={"e_stamp_share": {"min": 0.5}})

    assert verify_allocation(share_with(1.0), ["P1"]) == []
    assert broken(share_with(0.99), ["P1"]) == [("target_min", "e_stamp_share")]
    assert broken(share_with(1.0), []) == [("target_min", "e_stamp_share")]


# What the verifier refuses to check.

def test_an_unknown_plan_code_is_an_error_not_an_empty_answer() -> None:
    inp = build([{"code": "P1", "requests": {"L1": 1}}], {"L1": 1})
    with pytest.raises(KeyError, match=r"unknown plan code.*P9"):
        verify_allocation(inp, ["P1", "P9"])


def test_a_plan_named_twice_is_one_plan_for_every_count() -> None:
    # A funded list that names a plan twice (two solvers' answers joined) must not count it twice against a cap.
    plans = [{"code": "P1", "requests": {"L1": BILLION}}, {"code": "P2", "requests": {"L1": BILLION}}]
    inp = build(plans, {"L1": BILLION}, max_plans_per_region=1)
    assert verify_allocation(inp, ["P1", "P1"]) == []
    assert {b.rule for b in verify_allocation(inp, ["P1", "P2"])} == {"budget_line", "max_plans_per_region"}
