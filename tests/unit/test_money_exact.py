"""Money is exact: real-sized amounts with odd last digits, near misses, and solvers that fail.

Solvers accept a binary within ~1e-7 of 1 as 1; with requests of tens of billions of VND that is thousands of
VND over a line. These tests use amounts of 10^8 to 5·10^10 VND and plant a pair of plans that would be the best
set but together exceed a line by 1 to 10,000 VND, and compare every answer with brute-force enumeration.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainplan.allocation import allocate, prepare
from chainplan.allocation import solve as solve_module
from chainplan.allocation.results import assemble_result
from chainplan.allocation.solve import SolveOutcome
from chainplan.allocation.verify import verify_allocation
from chainplan.scenario import Bound
from chainplan.wording import Phrase
from tests.allocation_helpers import instance, scenario, scripted_solver

LINES = ("L1", "L2")


@st.composite
def near_misses(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Plans with amounts of 10^8-5·10^10 VND; plans 0 and 1 are the best pair but exceed L1 by 1-10,000 VND."""
    count = draw(st.integers(min_value=3, max_value=12))
    two_lines = draw(st.booleans())
    plans = []
    for i in range(count):
        requests = {"L1": draw(st.integers(10**8, 5 * 10**10))}
        if two_lines and draw(st.booleans()):
            requests["L2"] = draw(st.integers(10**8, 5 * 10**10))
        plans.append({"code": f"P{i}", "benefit": draw(st.integers(1, 100)), "requests": requests})
    plans[0]["benefit"] = plans[1]["benefit"] = 1_000
    over = draw(st.integers(1, 10_000))
    lines = {"L1": plans[0]["requests"]["L1"] + plans[1]["requests"]["L1"] - over}
    if two_lines:
        lines["L2"] = draw(st.integers(10**8, 10**11))
    return plans, lines


def brute_force(plans: list[dict[str, Any]], lines: dict[str, int]) -> float:
    """The best total benefit over every subset that fits every line, in integer VND."""
    count = len(plans)
    masks = np.array(list(itertools.product((0, 1), repeat=count)), dtype=np.int64)
    fits = np.ones(len(masks), dtype=bool)
    for line, available in lines.items():
        amounts = np.array([p["requests"].get(line, 0) for p in plans], dtype=np.int64)
        fits &= masks @ amounts <= available
    benefits = masks @ np.array([p["benefit"] for p in plans], dtype=np.int64)
    return float(benefits[fits].max())


@pytest.mark.parametrize("solver", ["highs", "cbc"])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=near_misses())
def test_real_amounts_with_near_misses_match_brute_force(solver: str, case: Any) -> None:
    plans, lines = case
    ds = instance(plans, lines)
    result = allocate(ds, scenario(solver=solver), compare_baselines=False)
    assert result.status == "optimal", result.message
    used = dict(zip(result.budget["line"], result.budget["used"], strict=True))
    for line, available in lines.items():
        exact = sum(p["requests"].get(line, 0) for p in plans if p["code"] in result.funded_codes)
        assert used[line] == exact <= available  # integer VND, never a float
    assert not {"P0", "P1"} <= set(result.funded_codes)  # the planted pair never fits
    assert result.objective == brute_force(plans, lines)


@pytest.mark.parametrize("case", ["P0 alone", "small plans"])
def test_a_worse_set_cbc_calls_optimal_is_beaten_by_highs(case: str) -> None:
    """CBC 2.10 (integerTolerance 1e-12, preprocess off) calls a worse set optimal on these near misses (found by
    the property test above); the exact check sees broken rules, not a missed optimum, so HiGHS solves the same
    model after CBC claims an optimum and the better checked allocation is reported, with a note."""
    if case == "P0 alone":  # CBC returns P0 alone (1000); the optimum is P1 to P5 (1004)
        plans = [{"code": "P0", "benefit": 1000, "requests": {"L1": 43_050_600_343, "L2": 519_164_513}},
                 {"code": "P1", "benefit": 1000, "requests": {"L1": 43_050_600_879}},
                 {"code": "P2", "benefit": 1, "requests": {"L1": 100_000_000, "L2": 100_000_000}},
                 *({"code": f"P{i}", "benefit": 1, "requests": {"L1": 100_000_000}} for i in (3, 4, 5))]
        lines = {"L1": 86_101_201_221, "L2": 619_164_502}
    else:  # CBC returns the eight small plans (34); the optimum is P1 alone (1000)
        plans = [{"code": "P0", "benefit": 1000, "requests": {"L1": 100_000_000, "L2": 100_000_001}},
                 {"code": "P1", "benefit": 1000, "requests": {"L1": 3_703_703_700}},
                 *({"code": f"P{i}", "benefit": 1, "requests": {"L1": 100_000_000}} for i in range(2, 9)),
                 {"code": "P9", "benefit": 27, "requests": {"L1": 100_000_000}}]
        lines = {"L1": 3_803_703_699, "L2": 100_000_000}
    result = allocate(instance(plans, lines), scenario(solver="cbc"), compare_baselines=False)
    assert any("cbc called an allocation" in note for note in result.solver_notes)
    assert result.status == "optimal" and result.solver == "highs"
    assert result.objective == brute_force(plans, lines)


def test_the_checker_sees_one_vnd_over_a_line() -> None:
    plans = [{"code": "A", "benefit": 5, "requests": {"L1": 40_000_000_001}},
             {"code": "B", "benefit": 5, "requests": {"L1": 20_000_000_000}}]
    inp = prepare(instance(plans, {"L1": 60_000_000_000}), scenario())
    [breach] = verify_allocation(inp, ["A", "B"])
    assert (breach.rule, breach.subject, breach.excess) == ("budget_line", "L1", 1)
    assert verify_allocation(inp, ["A"]) == [] and verify_allocation(inp, []) == []


def test_the_budget_table_adds_money_exactly_beyond_what_int64_holds() -> None:
    # Ten requests of 10^15 - 1 VND and one of 1 VND on L1 (past 2^53); 2^62 VND each on L2 (past 2^63 in all).
    plans = [{"code": f"P{i}", "benefit": 1, "requests": {"L1": 10**15 - 1, "L2": 2**62}} for i in range(10)]
    plans.append({"code": "P10", "benefit": 1, "requests": {"L1": 1}})
    inp = prepare(instance(plans, {"L1": 10**15, "L2": 10**15}), scenario())
    result = assemble_result(inp, [p["code"] for p in plans], method="milp", status="feasible")
    used = dict(zip(result.budget["line"], result.budget["used"], strict=True))
    assert used == {"L1": 10 * (10**15 - 1) + 1, "L2": 10 * 2**62}


def test_the_checker_reads_shares_as_written() -> None:
    # 6 % of 100,000,000,000 is 6,000,000,000 exactly; the float 0.06 times the total is not.
    plans = [{"code": "A", "region": "A", "benefit": 1, "requests": {"L1": 6_000_000_000}},
             {"code": "B", "region": "B", "benefit": 1, "requests": {"L1": 94_000_000_000}}]
    ds = instance(plans, {"L1": 10**11})
    at_share = prepare(ds, scenario(min_region_share=0.06))
    assert verify_allocation(at_share, ["A", "B"]) == []
    above = prepare(ds, scenario(min_region_share=0.0600000001))
    assert [b.rule for b in verify_allocation(above, ["A", "B"])] == ["min_region_share"]


NEAR = [{"code": "A", "benefit": 10, "requests": {"L1": 40_000_000_001}},
        {"code": "B", "benefit": 9, "requests": {"L1": 20_000_000_000}},
        {"code": "C", "benefit": 1, "requests": {"L1": 1_000_000_000}}]
NEAR_LINES = {"L1": 60_000_000_000}


def test_an_answer_over_a_line_is_cut_off_and_the_model_solved_again(monkeypatch: pytest.MonkeyPatch) -> None:
    over = SolveOutcome("optimal", 19.0, {"A": 1.0, "B": 1.0, "C": 0.0}, 0.0, 0.01, "highs")
    fake = scripted_solver([over])
    monkeypatch.setattr(solve_module, "solve_model", fake)
    result = allocate(instance(NEAR, NEAR_LINES), scenario(), compare_baselines=False)
    assert result.status == "optimal" and sorted(result.funded_codes) == ["A", "C"]
    assert [(r["rule"], r["subject"], r["over_by"]) for r in result.repairs] == [("budget_line", "L1", 1)]
    assert any("excluded" in w for w in result.warnings)
    assert int(result.budget["used"].iloc[0]) <= NEAR_LINES["L1"]


def test_false_infeasible_falls_back_to_the_other_solver(monkeypatch: pytest.MonkeyPatch) -> None:
    infeasible = SolveOutcome("infeasible", None, {}, None, 0.01, "cbc", Phrase("solve.infeasible"))
    fake = scripted_solver([infeasible])
    monkeypatch.setattr(solve_module, "solve_model", fake)
    result = allocate(instance(NEAR, NEAR_LINES), scenario(solver="cbc"), compare_baselines=False)
    assert fake.calls == ["cbc", "highs"]
    assert result.status == "optimal" and result.solver == "highs"
    assert any("funding nothing satisfies every rule" in note for note in result.solver_notes)


def test_both_solvers_failing_is_an_error_not_infeasible(monkeypatch: pytest.MonkeyPatch) -> None:
    infeasible = SolveOutcome("infeasible", None, {}, None, 0.01, "cbc", Phrase("solve.infeasible"))
    monkeypatch.setattr(solve_module, "solve_model", scripted_solver([infeasible, infeasible]))
    result = allocate(instance(NEAR, NEAR_LINES), scenario(), compare_baselines=False)
    assert result.status == "error" and result.objective is None and result.funded.empty
    assert "no solver returned a valid allocation" in result.message
    assert set(result.decisions["reason"]) == {"no_solution"}


def test_infeasible_under_hard_targets_needs_both_solvers_to_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    plans = [dict(p, creates_new_product=True) for p in NEAR]
    hard = scenario(target_mode="hard", targets={"new_products": Bound(min=1)})
    infeasible = SolveOutcome("infeasible", None, {}, None, 0.01, "highs", Phrase("solve.infeasible"))
    fake = scripted_solver([infeasible])  # the second solver answers for real: feasible
    monkeypatch.setattr(solve_module, "solve_model", fake)
    result = allocate(instance(plans, NEAR_LINES), hard, compare_baselines=False)
    assert fake.calls == ["highs", "cbc"]
    assert result.status == "optimal" and result.solver == "cbc"
    truly = scenario(target_mode="hard", targets={"new_products": Bound(min=5)})  # 3 plans cannot make 5
    assert allocate(instance(plans, NEAR_LINES), truly, compare_baselines=False).status == "infeasible"


def test_baselines_fund_in_exact_integer_vnd() -> None:
    plans = [{"code": "A", "benefit": 10, "requests": {"L1": 30_000_000_001}},
             {"code": "B", "benefit": 9, "requests": {"L1": 30_000_000_000}}]
    from chainplan.allocation import greedy_benefit_per_vnd

    result = greedy_benefit_per_vnd(prepare(instance(plans, {"L1": 60_000_000_000}), scenario()))
    assert result.funded_codes == ["A"]  # A + B would be 1 VND over


def test_money_refusals_name_their_own_reason() -> None:
    # Infinity is not "a fraction of a VND", and 5,000 digits are too large (not Python's own int() limit).
    from chainplan.money import MoneyError, parse_vnd

    for raw, code in ((float("inf"), "error.money.not_finite"), (float("nan"), "error.money.not_finite"),
                      ("1" * 5000, "error.money.too_large"), ("1" * 17, "error.money.too_large")):
        with pytest.raises(MoneyError) as refused:
            parse_vnd(raw)
        assert refused.value.code == code, raw
