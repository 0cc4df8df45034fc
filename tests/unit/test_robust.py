"""objective: robust — each counted target holds with the scenario's confidence (normal approximation)."""

from __future__ import annotations

import math
from pathlib import Path
from statistics import NormalDist

import pytest

from chainplan import services
from chainplan.allocation import allocate, prepare
from tests.allocation_helpers import instance, scenario
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_a_hard_robust_target_holds_under_the_normal_approximation() -> None:
    # Six plans each creating a product; sure ones cost more. Expected-value mode takes the cheap, risky ones.
    plans = [{"code": f"R{i}", "benefit": 5, "requests": {"L": 10}, "creates_new_product": True,
              "success_probability": 0.5} for i in range(4)]
    plans += [{"code": f"S{i}", "benefit": 1, "requests": {"L": 20}, "creates_new_product": True,
               "success_probability": 0.95} for i in range(3)]
    ds = instance(plans, {"L": 60})
    options = {"target_mode": "hard", "targets": {"new_products": {"min": 2}}}
    expected = allocate(ds, scenario(**options))
    robust = allocate(ds, scenario(objective="robust", confidence=0.9, **options))
    assert expected.status == robust.status == "optimal"
    inp = prepare(ds, scenario(**options))

    def mean_and_sd(funded: list[str]) -> tuple[float, float]:
        p = inp.plans.loc[funded, "success_probability"]
        return float(p.sum()), math.sqrt(float((p * (1 - p)).sum()))

    z = NormalDist().inv_cdf(0.9)
    mu, sigma = mean_and_sd(robust.funded_codes)
    assert mu - z * sigma >= 2 - 1e-9  # the chance constraint, checked directly
    mu_expected, sigma_expected = mean_and_sd(expected.funded_codes)
    assert mu_expected >= 2 and mu_expected - z * sigma_expected < 2  # the expected-value answer is not safe
    assert robust.total_benefit < expected.total_benefit  # safety costs benefit
    summary = robust.robust
    assert summary["confidence"] == 0.9 and summary["method"] == "outer_approximation"
    (row,) = summary["rows"]
    assert row["target"] == "new_products" and row["kind"] == "min" and row["met"]
    assert math.isclose(row["value"], mu - z * sigma, abs_tol=1e-6) and row["probability"] >= 0.9 - 1e-6


def test_the_robust_demo_scenario_raises_the_chance_of_meeting_targets() -> None:
    uow = FakeUnitOfWork()
    services.load_demo(uow)
    chances = {}
    for name in ("reachable-2020", "robust"):
        run_id = services.run_allocation(uow, SCENARIOS / f"{name}.yaml").run_id
        assert run_id is not None
        risk = services.run_risk(uow, run_id, draws=4000, seed=5, workers=1)
        chances[name] = {t["target"]: t["prob_met"] for t in risk["targets"]}
    tolerance = 3 * math.sqrt(0.25 / 4000)  # sampling error of a probability from 4,000 draws
    for target, chance in chances["robust"].items():
        assert chance >= chances["reachable-2020"][target] - tolerance, target
    assert any(chances["robust"][t] > chances["reachable-2020"][t] + tolerance for t in chances["robust"])


def test_confidence_must_be_above_one_half() -> None:
    with pytest.raises(ValueError, match="confidence"):
        scenario(objective="robust", confidence=0.4)
