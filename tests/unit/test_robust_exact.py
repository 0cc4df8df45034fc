"""objective: robust met exactly: the cuts are valid, the optimum is the enumerated one, the verifier and the
diagnosis know the chance rows."""

from __future__ import annotations

import itertools
import math
import random
from statistics import NormalDist
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainplan.allocation import allocate, build_model, prepare
from chainplan.allocation.chance import ChanceRow, chance_rows
from chainplan.allocation.diagnose import CONFIDENCE_STEP
from chainplan.allocation.model import add_chance_cut
from chainplan.allocation.solve import solve_verified
from chainplan.allocation.verify import verify_allocation
from chainplan.money import format_number
from tests.allocation_helpers import instance, scenario

SOLVERS = ("highs", "cbc")


def _sqrt_variance(weights: list[float], subset: tuple[int, ...]) -> float:
    return math.sqrt(math.fsum(weights[i] for i in subset))


@pytest.mark.parametrize("seed", range(20))
def test_both_cuts_under_estimate_the_spread_on_every_allocation_and_are_exact_at_their_point(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 8)
    weights = [rng.choice([0.0, rng.uniform(0.01, 1.0)]) for _ in range(n)]
    codes = [f"P{i}" for i in range(n)]
    row = ChanceRow("new_products", "min", 1.0, 1.0, {}, {c: w for c, w in zip(codes, weights, strict=True) if w})
    subsets = [s for k in range(n + 1) for s in itertools.combinations(range(n), k)]
    point = rng.choice(subsets)
    tangent = row.tangent([codes[i] for i in point])
    order = list(point) + [i for i in range(n) if i not in point]
    greedy = row.greedy([codes[i] for i in order])
    for subset in subsets:
        spread = _sqrt_variance(weights, subset)
        assert sum(greedy.get(codes[i], 0.0) for i in subset) <= spread + 1e-12
        if tangent is not None:
            assert sum(tangent.get(codes[i], 0.0) for i in subset) <= spread + 1e-12
    exact = _sqrt_variance(weights, point)
    assert sum(greedy.get(codes[i], 0.0) for i in point) == pytest.approx(exact, abs=1e-12)
    if tangent is None:
        assert exact == 0.0
    else:
        assert sum(tangent.get(codes[i], 0.0) for i in point) == pytest.approx(exact, abs=1e-12)


def test_the_gradient_of_the_square_root_itself_would_cut_off_valid_allocations() -> None:
    # Why the cut is taken on ‖Dx‖: the tangent of the concave √(Σ wᵢxᵢ) at {A} over-estimates √V at {A, B}.
    weights = {"A": 1.0, "B": 1.0}
    gradient = {code: w / (2 * math.sqrt(1.0)) for code, w in weights.items()}  # wᵢ / (2√V*), V* = 1
    at_both = math.sqrt(1.0) + gradient["B"]  # f(x*) + ∇f·(x − x*) with x − x* = (0, 1)
    assert at_both > math.sqrt(2.0)  # 1.5 > 1.414: a "cut" from it would shut out {A, B} even where valid
    tangent = ChanceRow("new_products", "min", 0.0, 1.0, {}, weights).tangent(["A"])
    assert tangent == {"A": 1.0}
    assert tangent["A"] * 1 + tangent.get("B", 0.0) * 1 <= math.sqrt(2.0)  # the norm's: below √V at {A, B}


def _sure_plans_case() -> tuple[Any, dict[str, Any]]:
    risky = [{"code": f"R{i}", "benefit": 5, "requests": {"L": 10}, "creates_new_product": True,
              "success_probability": 0.5} for i in range(4)]
    sure = [{"code": f"S{i}", "benefit": 1, "requests": {"L": 20}, "creates_new_product": True,
             "success_probability": 1.0} for i in range(2)]
    return instance(risky + sure, {"L": 40}), {"target_mode": "hard", "objective": "robust", "confidence": 0.9,
                                                "targets": {"new_products": {"min": 2}}}


@pytest.mark.parametrize("solver", SOLVERS)
def test_two_sure_plans_meet_a_hard_robust_minimum_with_certainty(solver: str) -> None:
    # 40 VND buys the four risky plans (mean 2, sd 1: 2 − 1.28 < 2), or one sure plan and two risky ones
    # (mean 2, sd 0.71), or the two sure plans (2 for certain): only the last meets the row.
    ds, options = _sure_plans_case()
    result = allocate(ds, scenario(solver=solver, **options), compare_baselines=False)
    assert result.status == "optimal", (result.message, result.diagnosis)
    assert sorted(result.funded_codes) == ["S0", "S1"]
    (row,) = result.robust["rows"]
    assert row["sd"] == 0.0 and row["value"] == 2.0 and row["probability"] == 1.0


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_hard_robust_maximum_funds_what_it_can_and_is_never_an_error(solver: str) -> None:
    # Eight plans each creating a product with probability 0.5: one alone has mean 0.5 > 0.3, so none may be
    # funded; two plans that create no product are free to fund.
    plans = [{"code": f"R{i}", "benefit": 5, "requests": {"L": 10}, "creates_new_product": True,
              "success_probability": 0.5} for i in range(8)]
    plans += [{"code": f"N{i}", "benefit": 1, "requests": {"L": 10}} for i in range(2)]
    ds = instance(plans, {"L": 100})
    result = allocate(ds, scenario(solver=solver, target_mode="hard", objective="robust", confidence=0.9,
                                   targets={"new_products": {"max": 0.3}}), compare_baselines=False)
    assert result.status == "optimal", result.message
    assert sorted(result.funded_codes) == ["N0", "N1"]
    assert verify_allocation(prepare(ds, scenario(target_mode="hard", objective="robust", confidence=0.9,
                                                  targets={"new_products": {"max": 0.3}})), result.funded_codes) == []


# Enumeration: every allocation of a small instance, under the same normal-approximation chance rows.

TARGET_FLAGS = {"new_products": "creates_new_product", "new_organizations": "creates_organization"}
TOLERANCE = 1e-6


def _enumerate(plans: list[dict[str, Any]], lines: dict[str, int], options: dict[str, Any]
               ) -> tuple[float | None, list[tuple[str, ...]]]:
    """The best objective over all 2ⁿ allocations (None when none is valid) and the sets that reach it."""
    z = NormalDist().inv_cdf(options["confidence"])
    hard = options["target_mode"] == "hard"
    best: float | None = None
    winners: list[tuple[str, ...]] = []
    for k in range(len(plans) + 1):
        for chosen in itertools.combinations(plans, k):
            if any(sum(p["requests"].get(line, 0) for p in chosen) > limit for line, limit in lines.items()):
                continue
            shortfall = 0.0
            for target, bound in options["targets"].items():
                flag = TARGET_FLAGS[target]
                counted = [p["success_probability"] for p in chosen if p.get(flag)]
                mean = math.fsum(counted)
                spread = z * math.sqrt(math.fsum(q * (1 - q) for q in counted))
                if "min" in bound:
                    shortfall += max(0.0, bound["min"] - (mean - spread))
                if "max" in bound:
                    shortfall += max(0.0, mean + spread - bound["max"])
            if hard and shortfall > TOLERANCE:
                continue
            # A plan's benefit is its value (here its priority points) times its chance of success.
            benefit = math.fsum(p["benefit"] * p["success_probability"] for p in chosen)
            value = benefit - (0.0 if hard else options["shortfall_penalty"] * shortfall)
            key = tuple(sorted(p["code"] for p in chosen))
            if best is None or value > best + 1e-5:
                best, winners = value, [key]
            elif abs(value - best) <= 1e-5:
                best, winners = max(best, value), [*winners, key]
    return best, winners


@st.composite
def robust_cases(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dict[str, int], dict[str, Any]]:
    plans = []
    for i in range(draw(st.integers(1, 10))):
        lines = draw(st.sets(st.sampled_from(("L1", "L2")), min_size=1))
        plans.append({"code": f"P{i}", "benefit": draw(st.integers(0, 30)),
                      "requests": {line: draw(st.integers(1, 60)) for line in sorted(lines)},
                      "creates_new_product": draw(st.booleans()), "creates_organization": draw(st.booleans()),
                      "success_probability": draw(st.sampled_from([0.3, 0.5, 0.7, 0.9, 1.0]))})
    lines = {"L1": draw(st.integers(0, 200)), "L2": draw(st.integers(0, 200))}
    targets: dict[str, dict[str, float]] = {}
    for target in TARGET_FLAGS:
        bound: dict[str, float] = {}
        if draw(st.booleans()):
            bound["min"] = draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0]))
        if draw(st.booleans()):
            bound["max"] = bound.get("min", 0.0) + draw(st.sampled_from([0.3, 1.0, 2.0, 4.0]))
        if bound:
            targets[target] = bound
    options = {"objective": "robust", "confidence": draw(st.sampled_from([0.6, 0.75, 0.9, 0.97])),
               "target_mode": draw(st.sampled_from(["hard", "hard", "soft"])),
               "shortfall_penalty": draw(st.sampled_from([3.0, 100.0])), "targets": targets}
    return plans, lines, options


@pytest.mark.parametrize("solver", SOLVERS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=robust_cases())
def test_the_robust_optimum_is_the_best_of_every_allocation(solver: str, case: Any) -> None:
    plans, lines, options = case
    inp = prepare(instance(plans, dict(lines)), scenario(**options))
    outcome = solve_verified(build_model(inp), inp, solver, time_limit_s=120.0, fallback=False)
    best, winners = _enumerate(plans, lines, options)
    if best is None:
        assert outcome.status == "infeasible", outcome.message
        return
    assert outcome.status == "optimal", outcome.message
    assert outcome.objective == pytest.approx(best, abs=1e-5)
    assert tuple(sorted(outcome.funded)) in winners
    assert verify_allocation(inp, outcome.funded) == []


# The verifier.

def _three_plans(bound: dict[str, float], objective: str = "robust") -> Any:
    plans = [{"code": code, "benefit": 1, "requests": {"L": 1}, "creates_new_product": True,
              "success_probability": p} for code, p in (("A", 0.5), ("B", 0.8), ("C", 0.9))]
    return prepare(instance(plans, {"L": 3}), scenario(target_mode="hard", objective=objective, confidence=0.9,
                                                       targets={"new_products": bound}))


def test_the_verifier_rejects_an_allocation_that_breaks_a_chance_row_and_accepts_one_just_inside() -> None:
    z = NormalDist().inv_cdf(0.9)
    mean, spread = 0.5 + 0.8 + 0.9, z * math.sqrt(0.25 + 0.16 + 0.09)
    funded = ["A", "B", "C"]
    assert verify_allocation(_three_plans({"min": mean - spread - 1e-4}), funded) == []
    (breach,) = verify_allocation(_three_plans({"min": mean - spread + 1e-4}), funded)
    assert (breach.rule, breach.subject) == ("chance_min", "new_products")
    assert breach.excess == pytest.approx(1e-4, abs=1e-9)
    assert verify_allocation(_three_plans({"max": mean + spread + 1e-4}), funded) == []
    (breach,) = verify_allocation(_three_plans({"max": mean + spread - 1e-4}), funded)
    assert (breach.rule, breach.excess) == ("chance_max", pytest.approx(1e-4, abs=1e-9))
    # In expectation the same allocation is fine: the chance rows belong to objective: robust only.
    assert verify_allocation(_three_plans({"min": mean - spread + 1e-4}, objective="expected"), funded) == []


def test_chance_rows_follow_the_scenario() -> None:
    inp = _three_plans({"min": 1.0, "max": 3.0})
    rows = chance_rows(inp)
    assert [(r.target, r.kind, r.bound) for r in rows] == [("new_products", "min", 1.0), ("new_products", "max", 3.0)]
    assert rows[0].variance == pytest.approx({"A": 0.25, "B": 0.16, "C": 0.09})
    assert chance_rows(_three_plans({"min": 1.0}, objective="expected")) == []


# The diagnosis.

def _four_risky_plans(minimum: float) -> Any:
    plans = [{"code": f"R{i}", "benefit": 1, "requests": {"L": 10}, "creates_new_product": True,
              "success_probability": 0.5} for i in range(4)]
    return instance(plans, {"L": 40}), scenario(target_mode="hard", objective="robust", confidence=0.9,
                                                targets={"new_products": {"min": minimum}})


@pytest.mark.parametrize("solver", SOLVERS)
def test_the_diagnosis_says_how_far_the_minimum_or_the_confidence_must_move(solver: str) -> None:
    # All four plans give the most: mean 2, sd 1, so 2 − z ≥ min. At 90 % (z = 1.2816) min 1.5 is missed by
    # z − 0.5; the row holds exactly while z ≤ 0.5, that is up to a confidence of Φ(0.5) = 69.15 %.
    ds, chosen = _four_risky_plans(1.5)
    result = allocate(ds, chosen.model_copy(update={"solver": solver}), compare_baselines=False)
    assert result.status == "infeasible"
    assert any("confirms" in note for note in result.solver_notes)
    by_rule = {item["rule"]: item for item in result.diagnosis}
    row = by_rule["chance_min"]
    z = NormalDist().inv_cdf(0.9)
    assert row["subject"] == "new_products" and row["amount"] == pytest.approx(z - 0.5, abs=1e-6)
    assert "lower the minimum by 0.78" in row["explanation"] and "hạ mức tối thiểu 0,78" in row["explanation_vi"]
    confidence = by_rule["confidence"]
    limit = NormalDist().cdf(0.5)
    assert confidence["amount"] <= limit < confidence["infeasible_at"]
    assert confidence["infeasible_at"] - confidence["amount"] <= CONFIDENCE_STEP + 1e-12
    low = format_number(math.floor(confidence["amount"] * 1000) / 10, "en", 1)
    high = format_number(math.ceil(confidence["infeasible_at"] * 1000) / 10, "vi", 1)
    assert f"feasible at a confidence of {low}%" in confidence["explanation"]
    assert f"không khả thi với {high}%" in confidence["explanation_vi"]


def test_the_diagnosis_says_when_no_confidence_helps() -> None:
    ds, chosen = _four_risky_plans(2.5)  # even the expected count, 2, is short
    result = allocate(ds, chosen, compare_baselines=False)
    assert result.status == "infeasible"
    by_rule = {item["rule"]: item for item in result.diagnosis}
    assert by_rule["chance_min"]["amount"] == pytest.approx(2.5 - (2 - NormalDist().inv_cdf(0.9)), abs=1e-6)
    assert by_rule["confidence"]["amount"] is None
    assert "No confidence above 50%" in by_rule["confidence"]["explanation"]


def test_a_model_seeded_with_anothers_cuts_carries_each_once() -> None:
    # The diagnosis's levels each start from the cuts before them: a target's min and max rows share their
    # under-estimates of √V, so the pool must not double at every level.
    plans = [{"code": f"R{i}", "benefit": 1, "requests": {"L": 10}, "creates_new_product": True,
              "success_probability": 0.5} for i in range(4)]
    inp = prepare(instance(plans, {"L": 40}), scenario(target_mode="hard", objective="robust",
                                                       targets={"new_products": {"min": 1, "max": 3}}))
    first = build_model(inp)
    for entry in first.chance:
        assert add_chance_cut(first, entry, ["R0", "R1"])
    assert len(first.pool["new_products"]) == 2 and first.chance_cuts == 4  # tangent and polymatroid, per row
    model = first
    for _ in range(3):
        model = build_model(inp, confidence=0.8, pool=model.pool)
        assert len(model.pool["new_products"]) == 2 and model.chance_cuts == 4
