"""The optimiser on instances with known optima: OR-Library mknap1, hand-solved cases, each rule alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan.allocation import allocate, greedy_benefit_per_vnd, prepare, rank_by_appraisal_score
from chainplan.scenario import Bound
from tests.allocation_helpers import instance, read_mknap1, scenario

# OR-Library mknap1 (J. E. Beasley), copied from ../shared/benchmarks so the test never depends on the checkout's
# neighbours; the copy is checked against the shared file whenever that is there.
MKNAP1 = Path(__file__).resolve().parents[1] / "data" / "mknap1.txt"
SHARED_MKNAP1 = Path(__file__).resolve().parents[3] / "shared" / "benchmarks" / "mknap1.txt"


def funded(result) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(result.funded_codes)


def test_vendored_mknap1_is_the_shared_file() -> None:
    if SHARED_MKNAP1.exists():
        assert MKNAP1.read_bytes() == SHARED_MKNAP1.read_bytes()
    assert [optimum for *_, optimum in read_mknap1(str(MKNAP1))] == [3800, 8706.1, 4015, 6120, 12400, 10618, 16537]


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_or_library_mknap1_optima(solver: str) -> None:
    for number, (profits, weights, capacities, optimum) in enumerate(read_mknap1(str(MKNAP1)), start=1):
        plans = [{"code": f"P{i:02d}", "benefit": profit,
                  "requests": {f"L{d}": weights[d][i] for d in range(len(weights)) if weights[d][i] > 0}}
                 for i, profit in enumerate(profits)]
        lines = {f"L{d}": capacity for d, capacity in enumerate(capacities)}
        result = allocate(instance(plans, lines), scenario(solver=solver), marginal_values=False,
                          compare_baselines=False)
        assert result.status == "optimal", number
        assert result.objective == pytest.approx(optimum, abs=1e-6), f"instance {number}"
        assert result.total_benefit == pytest.approx(optimum, abs=1e-6)
        assert (result.budget["used"] <= result.budget["available"]).all()


def test_single_line_knapsack_beats_the_greedy_list() -> None:
    # Budget 7: {B, C} = 7 + 6 = 13 is best; by benefit per VND A (2.0) comes first and leaves 2: 10 only.
    ds = instance([{"code": "A", "benefit": 10, "requests": {"L": 5}},
                   {"code": "B", "benefit": 7, "requests": {"L": 4}},
                   {"code": "C", "benefit": 6, "requests": {"L": 3}}], {"L": 7})
    result = allocate(ds, scenario())
    assert (funded(result), result.objective) == (["B", "C"], 13)
    greedy = greedy_benefit_per_vnd(prepare(ds, scenario()))
    assert (funded(greedy), greedy.objective) == (["A"], 10)
    assert result.comparison["greedy_benefit_per_vnd"]["objective_gain_of_optimiser"] == 3


def test_two_lines_hand_solved() -> None:
    # Lines X=10, Y=10. A(x6,y6)=9, B(x5,y1)=5, C(x1,y5)=5, D(x4,y4)=5.
    # Feasible best: B+C+D = (10,10) -> 15 (A+B = 14 breaks nothing... x11 > 10, so no). Optimum 15.
    ds = instance([{"code": "A", "benefit": 9, "requests": {"X": 6, "Y": 6}},
                   {"code": "B", "benefit": 5, "requests": {"X": 5, "Y": 1}},
                   {"code": "C", "benefit": 5, "requests": {"X": 1, "Y": 5}},
                   {"code": "D", "benefit": 5, "requests": {"X": 4, "Y": 4}}], {"X": 10, "Y": 10})
    result = allocate(ds, scenario())
    assert (funded(result), result.objective) == (["B", "C", "D"], 15)
    budget = result.budget.set_index("line")
    assert budget.loc["X", "used"] == 10 and budget.loc["Y", "left"] == 0


BASE = [{"code": "A", "benefit": 10, "requests": {"L": 50}},
        {"code": "B", "benefit": 8, "requests": {"L": 30}, "region": "B"},
        {"code": "C", "benefit": 3, "requests": {"L": 10}}]


def reason(result, code: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    row = result.decisions.set_index("plan_code").loc[code]
    return row["reason"], row["explanation"]


def test_eligibility_by_appraisal() -> None:
    plans = [{**BASE[0], "appraisal": "failed"}, {**BASE[1], "appraisal": "passed"},
             {**BASE[2], "appraisal": "pending"}]
    result = allocate(instance(plans, {"L": 1000}), scenario(required_appraisals=["province"]))
    assert funded(result) == ["B"]
    assert reason(result, "A") == ("not_eligible", "Not eligible: failed the province appraisal.")
    assert reason(result, "C")[1] == "Not eligible: province appraisal still pending."
    missing = allocate(instance(BASE, {"L": 1000}), scenario(required_appraisals=["district"]))
    assert funded(missing) == [] and "not appraised at district level" in reason(missing, "A")[1]


def test_min_grant_excludes_small_plans() -> None:
    result = allocate(instance(BASE, {"L": 1000}), scenario(min_grant_vnd=20))
    assert funded(result) == ["A", "B"]
    assert reason(result, "C")[0] == "below_min_grant"


def test_max_plans_per_region() -> None:
    result = allocate(instance(BASE, {"L": 1000}), scenario(max_plans_per_region=1))
    assert funded(result) == ["A", "B"]  # one in A (the better one), one in B
    assert reason(result, "C")[0] == "region_cap"


def test_max_region_share() -> None:
    # All three cost 90 and region A would hold 60 of 90 = 67 % > 65 %; A+B gives A 50 of 80 = 62.5 % and
    # B 37.5 %: the best allowed (18). With 60 % nothing at all fits (A+B 62.5 %, B+C gives B 75 %).
    assert funded(allocate(instance(BASE, {"L": 1000}), scenario(max_region_share=0.6))) == []
    result = allocate(instance(BASE, {"L": 1000}), scenario(max_region_share=0.65))
    assert funded(result) == ["A", "B"]
    assert reason(result, "C")[0] == "region_share"


def test_min_region_share() -> None:
    # Budget 80, floor 40 % for each region: A+B gives B 30 of 80 = 37.5 %; A+C gives B nothing; B+C gives
    # A 10 of 40 = 25 %; single plans give the other region 0 %: nothing can be funded.
    # With a floor of 25 %, A+B (37.5 % for B) is allowed and best: 18.
    result = allocate(instance(BASE, {"L": 80}), scenario(min_region_share=0.4))
    assert funded(result) == []
    relaxed = allocate(instance(BASE, {"L": 80}), scenario(min_region_share=0.25))
    assert funded(relaxed) == ["A", "B"]


def test_one_plan_per_product() -> None:
    plans = [{**BASE[0], "product": "X"}, {**BASE[1], "product": "X"}, BASE[2]]
    result = allocate(instance(plans, {"L": 1000}), scenario(one_plan_per_product=True))
    assert funded(result) == ["A", "C"]
    assert reason(result, "B")[0] == "one_plan_per_product"


def test_requires_and_excludes() -> None:
    plans = [{**BASE[0], "requires_plan": "C"}, {**BASE[1], "excludes_plans": ["A"]}, BASE[2]]
    # Budget 60: A needs C (50+10 = 60, benefit 13) versus B+C (40, 11): A+C wins; B is excluded by A.
    result = allocate(instance(plans, {"L": 60}), scenario())
    assert funded(result) == ["A", "C"]
    assert reason(result, "B")[0] == "excluded_by"
    # Budget 55: A+C does not fit; A alone is not allowed without C: B+C, and B's exclusion is cited for A.
    result = allocate(instance(plans, {"L": 55}), scenario())
    assert funded(result) == ["B", "C"]
    assert reason(result, "A")[0] == "excluded_by"


def test_region_restricted_line_is_only_for_its_region() -> None:
    # Line LA (region A) has plenty; B's plan in region B may only use L.
    plans = [{"code": "A1", "benefit": 5, "requests": {"LA": 10}}, {"code": "B1", "benefit": 5, "requests": {"L": 10},
                                                                     "region": "B"}]
    result = allocate(instance(plans, {"LA": (100, "A"), "L": 10}), scenario())
    assert funded(result) == ["A1", "B1"]


def test_budget_overrides_and_scale() -> None:
    ds = instance(BASE, {"L": 10})
    assert funded(allocate(ds, scenario(budget_lines={"L": 80}))) == ["A", "B"]
    assert funded(allocate(ds, scenario(budget_lines={"L": 40}, budget_scale=2.0))) == ["A", "B"]
    assert funded(allocate(ds, scenario(budget_scale=0.0))) == []


def test_soft_and_hard_targets() -> None:
    # Only C creates a new product. Budget 60: benefit alone picks A+C? A+C = 60 -> 13; A+B = 80 no.
    # Budget 80: A+B = 18 is best on benefit; the new_products target (min 1) needs C: A+C = 13 or B+C = 11.
    plans = [BASE[0], BASE[1], {**BASE[2], "creates_new_product": True}]
    ds = instance(plans, {"L": 80})
    free = allocate(ds, scenario())
    assert funded(free) == ["A", "B"]
    targets = {"new_products": Bound(min=1)}
    weak = allocate(ds, scenario(targets=targets, shortfall_penalty=1.0))
    assert funded(weak) == ["A", "B"] and weak.objective == 17  # 18 - 1 × shortfall 1
    strong = allocate(ds, scenario(targets=targets, shortfall_penalty=100.0))
    assert funded(strong) == ["A", "C"]
    hard = allocate(ds, scenario(targets=targets, target_mode="hard"))
    assert funded(hard) == ["A", "C"] and hard.targets.set_index("target").loc["new_products", "met"]


def test_expected_values_use_success_probability() -> None:
    plans = [{"code": "N1", "benefit": 1, "requests": {"L": 1}, "creates_new_product": True,
              "success_probability": 0.5},
             {"code": "N2", "benefit": 1, "requests": {"L": 1}, "creates_new_product": True,
              "success_probability": 0.5}]
    result = allocate(instance(plans, {"L": 10}), scenario(targets={"new_products": Bound(min=1)},
                                                           target_mode="hard"))
    row = result.targets.set_index("target").loc["new_products"]
    assert row["achieved"] == pytest.approx(1.0) and row["met"]


def test_infeasible_hard_target_is_diagnosed() -> None:
    plans = [BASE[0], BASE[1], {**BASE[2], "creates_new_product": True}]
    result = allocate(instance(plans, {"L": 80}), scenario(targets={"new_products": Bound(min=3)},
                                                           target_mode="hard"))
    assert result.status == "infeasible" and funded(result) == []
    [item] = result.diagnosis
    assert (item["rule"], item["subject"]) == ("target_min", "new_products")
    assert item["amount"] == pytest.approx(2.0)
    assert "lower it by 2, to 1," in item["explanation"]


def test_infeasible_budget_is_diagnosed_when_the_target_needs_money() -> None:
    # The only new-product plan asks 50 on a line of 20: the elastic model raises the line (30 of 20 = 1.5)
    # or drops the target (1 of 1 = 1.0): the target moves less, relatively.
    plans = [{"code": "N", "benefit": 1, "requests": {"L": 50}, "creates_new_product": True}]
    result = allocate(instance(plans, {"L": 20}), scenario(targets={"new_products": Bound(min=1)},
                                                           target_mode="hard"))
    assert result.status == "infeasible"
    assert [(d["rule"], round(d["amount"], 6)) for d in result.diagnosis] == [("target_min", 1.0)]


def test_e_stamp_share_target_by_hand() -> None:
    # Products: S1 4★ stamped, S2 3★ not stamped: share 1/2. Plan E adds a stamp to S2 -> 2/2.
    products = [{"code": "S1", "name": "S1", "group": "food", "producer_code": "OA", "region_code": "A", "stars": 4,
                 "e_stamp": True},
                {"code": "S2", "name": "S2", "group": "food", "producer_code": "OA", "region_code": "A", "stars": 3}]
    plans = [{"code": "E", "benefit": 0, "requests": {"L": 5}, "product": "S2", "adds_e_stamp": True},
             {"code": "X", "benefit": 3, "requests": {"L": 5}, "product": "S1"}]
    ds = instance(plans, {"L": 5}, products=products)
    result = allocate(ds, scenario(targets={"e_stamp_share": {"min": 0.9}}, target_mode="hard"))
    assert funded(result) == ["E"]
    assert result.targets.set_index("target").loc["e_stamp_share", "achieved"] == pytest.approx(1.0)
    soft = allocate(ds, scenario(targets={"e_stamp_share": {"min": 0.9}}, shortfall_penalty=1.0))
    # Shortfall without E: 0.9 × 2 − 1 = 0.8 stamped products: objective 3 − 0.8 = 2.2 > 0: X wins.
    assert funded(soft) == ["X"] and soft.objective == pytest.approx(2.2)


def test_rank_by_appraisal_score_funds_down_the_list() -> None:
    plans = [{**BASE[0]}, {**BASE[1]}, {**BASE[2]}]
    ds = instance(plans, {"L": 60})
    scores = {"A": 60.0, "B": 90.0, "C": 80.0}
    ds = ds.with_records("appraisals", [{"plan_code": c, "stage": "province", "status": "passed", "score": s}
                                        for c, s in scores.items()])
    result = rank_by_appraisal_score(prepare(ds, scenario()))
    assert funded(result) == ["B", "C"]  # B (90) then C (80); A no longer fits


def test_value_of_one_more_billion() -> None:
    ds = instance([{"code": "A", "benefit": 10, "requests": {"L": 1_000_000_000}},
                   {"code": "B", "benefit": 4, "requests": {"L": 1_000_000_000, "M": 5}}], {"L": 1_000_000_000,
                                                                                        "M": 100})
    result = allocate(ds, scenario(), marginal_values=True)
    budget = result.budget.set_index("line")
    values = budget["value_of_one_more_billion"]
    assert values["L"] == pytest.approx(4.0) and values["M"] == pytest.approx(0.0)
    # M: every eligible request fits (5 of 100 VND), so its value is exactly 0 without a re-solve; L is re-solved
    # by two proven-optimal solves, so its figure is exact too.
    assert budget.loc["M", "value_of_money_note"] == "every eligible request on this line fits"
    assert budget.loc["L", "value_of_money_note"] == "re-solved with the line raised"
    assert set(budget["value_of_money_status"]) == {"exact"}
    duals = budget["lp_relaxation_dual_per_billion"]
    assert duals["L"] == pytest.approx(4.0)  # the LP relaxation values the last billion by B's benefit


def test_value_of_money_is_not_computed_unless_asked() -> None:
    ds = instance([{"code": "A", "benefit": 10, "requests": {"L": 1_000_000_000}}], {"L": 500_000_000})
    budget = allocate(ds, scenario()).budget
    assert list(budget["value_of_money_status"]) == ["not_computed"]
    assert budget["value_of_one_more_billion"].isna().all()


def test_explanation_names_the_money_missing() -> None:
    result = allocate(instance(BASE, {"L": 60}), scenario())
    assert funded(result) == ["A", "C"]
    kind, text = reason(result, "B")
    assert kind == "value_for_money"
    assert text.startswith("Lost on value for money: it would need 30 VND more on line L;")
    assert "ranks 2 of 3" in text


def test_no_plans_at_all() -> None:
    from chainplan.dataset import Dataset

    soft = allocate(Dataset.empty(), scenario(targets={"new_products": Bound(min=2)}))
    assert (soft.status, soft.funded_codes) == ("optimal", [])
    assert soft.objective == pytest.approx(-2000.0)  # two products short at the default penalty
    assert soft.as_dict()["explanations"] == {}
    hard = allocate(Dataset.empty(), scenario(targets={"new_products": Bound(min=2)}, target_mode="hard"))
    assert hard.status == "infeasible" and hard.diagnosis[0]["subject"] == "new_products"


def test_nothing_eligible_explains_every_plan() -> None:
    plans = [{**BASE[0], "appraisal": "failed"}]
    result = allocate(instance(plans, {"L": 100}), scenario(required_appraisals=["province"]))
    assert result.status == "optimal" and result.funded_codes == []
    assert result.as_dict()["explanations"] == {"A": "Not eligible: failed the province appraisal."}


def test_needs_plan_reason() -> None:
    plans = [{**BASE[0], "appraisal": "passed"}, {**BASE[1], "requires_plan": "A", "appraisal": "passed"}]
    result = allocate(instance(plans, {"L": 45}), scenario(required_appraisals=["province"]))
    # A (50) does not fit in 45; B needs A.
    assert result.funded_codes == []
    assert reason(result, "B") == ("needs_plan", "Needs plan A (SP-A — OA), which is not funded.")


def test_regional_rules_need_regions_at_that_level() -> None:
    from chainplan.scenario import ScenarioError

    ds = instance(BASE, {"L": 100})
    with pytest.raises(ScenarioError, match="no region at this level"):
        allocate(ds, scenario(region_level="commune", max_plans_per_region=1))
    assert allocate(ds, scenario(region_level="commune")).status == "optimal"  # no regional rule: fine


def test_plans_outside_the_region_level_are_named() -> None:
    ds = instance(BASE, {"L": 100})
    plain = allocate(ds, scenario(region_level="district", max_plans_per_region=1))
    assert plain.warnings == []
    # Make organization OA sit at the province itself: its plans have no district.
    organizations = [dict(r, region_code="QN") if r["code"] == "OA" else r for r in ds.to_records()["organizations"]]
    moved = allocate(ds.with_records("organizations", organizations),
                     scenario(region_level="district", max_plans_per_region=1))
    assert moved.warnings == ["2 eligible plan(s) belong to organizations with no region at the district level; "
                              "the regional rules do not apply to them."]
    assert moved.funded_codes == ["A", "B", "C"]


def test_region_rules_are_not_applied_to_plans_outside_the_region_level_in_explanations() -> None:
    # OA sits at the province itself (no district): A and C are outside the district rules. C loses on money.
    plans = [{"code": "A", "benefit": 10, "requests": {"L": 60}}, {"code": "C", "benefit": 1, "requests": {"L": 60}},
             {"code": "B", "benefit": 5, "requests": {"L": 30}, "region": "B"}]
    ds = instance(plans, {"L": 100})
    organizations = [dict(r, region_code="QN") if r["code"] == "OA" else r for r in ds.to_records()["organizations"]]
    result = allocate(ds.with_records("organizations", organizations),
                      scenario(region_level="district", max_plans_per_region=1, max_region_share=0.5))
    assert funded(result) == ["A", "B"]
    kind, text = reason(result, "C")
    assert kind == "value_for_money" and "nan" not in text.lower()
    assert text.startswith("Lost on value for money: it would need 50 VND more on line L;")


@pytest.mark.parametrize("eligible", [True, False])
def test_a_hard_e_stamp_share_without_rated_products_is_met_whether_or_not_plans_are_eligible(
        eligible: bool) -> None:
    # No product is rated 3★+ and no plan raises one: the share is undefined; both paths must say "met".
    plans = [{"code": "A", "benefit": 5, "requests": {"L": 10}, "appraisal": "passed" if eligible else "failed"}]
    result = allocate(instance(plans, {"L": 100}), scenario(
        required_appraisals=["province"], target_mode="hard", targets={"e_stamp_share": {"min": 0.9}}))
    assert result.status == "optimal"
    [target] = result.targets.to_dict("records")
    assert (target["achieved"], target["met"], target["shortfall"]) == (None, True, 0.0)
    assert funded(result) == (["A"] if eligible else [])
