"""Properties on random small instances: budgets hold, ineligible plans stay out, the MILP beats the lists,
CBC and HiGHS agree."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainplan.allocation import allocate, greedy_benefit_per_vnd, objective_value, prepare, rank_by_appraisal_score
from chainplan.scenario import Bound
from tests.allocation_helpers import instance, scenario

LINES = ("L1", "L2", "LA")


@st.composite
def instances(draw: st.DrawFn) -> tuple[Any, Any]:
    count = draw(st.integers(min_value=1, max_value=9))
    plans = []
    for i in range(count):
        region = draw(st.sampled_from(["A", "B"]))
        lines = draw(st.sets(st.sampled_from(LINES if region == "A" else LINES[:2]), max_size=3))
        plans.append({
            "code": f"P{i}", "region": region, "benefit": draw(st.integers(0, 50)),
            "product": f"X{draw(st.integers(0, 4))}",
            "requests": {line: draw(st.integers(1, 100)) for line in lines},
            "appraisal": draw(st.sampled_from(["passed", "passed", "passed", "failed", "pending"])),
            "creates_new_product": draw(st.booleans()),
            "success_probability": draw(st.sampled_from([0.5, 0.8, 1.0])),
        })
    codes = [p["code"] for p in plans]
    if count > 2 and draw(st.booleans()):
        plans[1]["requires_plan"] = codes[0]
    if count > 3 and draw(st.booleans()):
        plans[2]["excludes_plans"] = [codes[3]]
    lines = {"L1": draw(st.integers(0, 200)), "L2": draw(st.integers(0, 200)), "LA": (draw(st.integers(0, 150)), "A")}
    options: dict[str, Any] = {
        "required_appraisals": ["province"],
        "one_plan_per_product": draw(st.booleans()),
        "min_grant_vnd": draw(st.sampled_from([0, 0, 30])),
        "max_plans_per_region": draw(st.sampled_from([None, None, 2])),
    }
    if draw(st.booleans()):
        options["targets"] = {"new_products": Bound(min=draw(st.integers(1, 3)))}
        options["shortfall_penalty"] = draw(st.sampled_from([0.5, 10.0, 1000.0]))
    return instance(plans, lines), scenario(**options)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=instances())
def test_budgets_hold_ineligible_plans_stay_out_and_the_milp_beats_the_lists(case: tuple[Any, Any]) -> None:
    ds, chosen = case
    result = allocate(ds, chosen, marginal_values=False, compare_baselines=False)
    assert result.status == "optimal"
    assert (result.budget["used"] <= result.budget["available"]).all()
    inp = prepare(ds, chosen)
    eligible = set(inp.eligible.index)
    assert set(result.funded_codes) <= eligible
    # The solver's objective is what the result's plans are worth.
    assert result.objective == pytest.approx(objective_value(inp, result.funded_codes), abs=1e-6)
    # Every plan is explained once, and what the explanation says is true.
    decisions = result.decisions.set_index("plan_code")
    assert sorted(decisions.index) == sorted(inp.plans.index)
    assert set(decisions.index[decisions["funded"]]) == set(result.funded_codes)
    left = result.budget.set_index("line")["left"]
    matrix = inp.request_matrix
    for code, row in decisions.iterrows():
        if row["reason"] == "value_for_money":
            assert any(amount > left[line] for line, amount in matrix.loc[code].items() if amount)
        elif row["reason"] in ("not_eligible", "below_min_grant"):
            assert code not in eligible
        elif row["reason"] == "needs_plan":
            assert inp.plans.at[code, "requires_plan"] not in result.funded_codes
    for baseline in (rank_by_appraisal_score(inp), greedy_benefit_per_vnd(inp)):
        assert (baseline.budget["used"] <= baseline.budget["available"]).all()
        assert set(baseline.funded_codes) <= eligible
        assert result.objective >= baseline.objective - 1e-6


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=instances())
def test_cbc_and_highs_agree_on_the_optimum(case: tuple[Any, Any]) -> None:
    ds, chosen = case
    highs = allocate(ds, chosen, solver="highs", marginal_values=False, compare_baselines=False)
    cbc = allocate(ds, chosen, solver="cbc", marginal_values=False, compare_baselines=False)
    assert highs.status == cbc.status == "optimal"
    assert highs.objective == pytest.approx(cbc.objective, abs=1e-6)


def test_same_input_same_allocation() -> None:
    plans = [{"code": f"P{i}", "benefit": 10, "requests": {"L1": 10}} for i in range(8)]
    ds = instance(plans, {"L1": 35})
    runs = {tuple(allocate(ds, scenario(), marginal_values=False).funded_codes) for _ in range(3)}
    assert len(runs) == 1
