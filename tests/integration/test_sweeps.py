"""Frontier, sensitivity and risk: right answers, the same answers on 1 process, 2 processes and a Dask cluster."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from chainplan import services
from chainplan.allocation import allocate
from chainplan.demo import build_demo_dataset
from chainplan.risk import simulate
from chainplan.scenario import load_scenario
from chainplan.sweep import frontier, sensitivity
from models.cli import main
from tests.conftest import FakeUnitOfWork

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline-2020.yaml"


@pytest.fixture(scope="module")
def dask_address() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def demo():  # type: ignore[no-untyped-def]
    return build_demo_dataset()


def test_a_frontier_point_is_a_separate_allocate_at_that_scale(demo) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(BASELINE)
    [point] = frontier(demo, scenario, [0.8], workers=1).points
    alone = allocate(demo, scenario.model_copy(update={"budget_scale": 0.8}))
    assert point["objective"] == pytest.approx(alone.objective, abs=1e-6)
    assert point["funded_plans"] == len(alone.funded)
    assert point["budget_vnd"] == int(alone.budget["available"].sum())
    assert point["targets"] == {r["target"]: r["achieved"] for r in alone.targets.to_dict("records")}


def test_the_demo_frontier_is_monotone_in_benefit_and_objective(demo) -> None:  # type: ignore[no-untyped-def]
    result = frontier(demo, load_scenario(BASELINE), [0.25 * i for i in range(1, 9)], workers=2)
    benefits = [p["total_benefit"] for p in result.points]
    objectives = [p["objective"] for p in result.points]
    assert benefits == sorted(benefits) and objectives == sorted(objectives)
    assert all(p["status"] == "optimal" for p in result.points)
    # A target is "reachable at" the first point that meets it, and met there.
    for name, scale in result.reachable_at.items():
        met = [p["budget_scale"] for p in result.points if p["targets_met"][name]]
        assert scale == (met[0] if met else None)


def test_local_and_dask_sweeps_are_identical(demo, dask_address: str) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(BASELINE)
    scales = [0.6, 1.0, 1.4]
    one = frontier(demo, scenario, scales, workers=1).as_dict()
    assert frontier(demo, scenario, scales, workers=2).as_dict() == one
    assert frontier(demo, scenario, scales, dask=dask_address).as_dict() == one
    local = sensitivity(demo, scenario, weights_range=0.3, samples=4, seed=3, workers=2).as_dict()
    assert sensitivity(demo, scenario, weights_range=0.3, samples=4, seed=3, dask=dask_address).as_dict() == local
    assert sensitivity(demo, scenario, weights_range=0.3, samples=4, seed=3, workers=1).as_dict() == local


def test_no_weight_change_makes_every_funded_plan_core(demo) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(BASELINE)
    result = sensitivity(demo, scenario, weights_range=0.0, samples=3, workers=1)
    assert result.core == sorted(allocate(demo, scenario).funded_codes)
    assert result.borderline == {}


def test_risk_is_the_same_on_any_number_of_workers_and_on_dask(dask_address: str) -> None:
    uow = FakeUnitOfWork()
    services.load_demo(uow)
    run_id = services.run_allocation(uow, BASELINE).run_id
    assert run_id is not None
    one = services.run_risk(uow, run_id, draws=2500, seed=7, workers=1)
    assert services.run_risk(uow, run_id, draws=2500, seed=7, workers=2) == one
    assert services.run_risk(uow, run_id, draws=2500, seed=7, dask=dask_address) == one
    assert services.run_risk(uow, run_id, draws=2500, seed=8, workers=1) != one
    stored = services.stored_run(uow, run_id).result["targets"]
    for row in one["targets"]:  # the mean of the draws is the expected value the optimiser counted
        assert row["mean"] == pytest.approx(stored[row["target"]]["achieved"], rel=0.05)


def test_certain_plans_give_no_spread() -> None:
    plans = [{"success_probability": 1.0, "value": 3.0, "counts": {"new_product": 1.0, "new_organization": 1.0}},
             {"success_probability": 1.0, "value": 2.0, "counts": {"new_product": 1.0}}]
    summary = simulate(plans, {"new_products": (2.0, None), "new_organizations": (2.0, None)}, draws=3000, seed=4)
    products, organizations = summary["targets"]
    assert products["p10"] == products["p50"] == products["p90"] == products["mean"] == 2.0
    assert products["prob_met"] == 1.0 and organizations["prob_met"] == 0.0
    assert summary["benefit"]["p10"] == summary["benefit"]["p90"] == 5.0


def _poisson_binomial_at_least(probabilities: list[float], k: int) -> float:
    distribution = [1.0]
    for p in probabilities:
        nxt = [0.0] * (len(distribution) + 1)
        for count, mass in enumerate(distribution):
            nxt[count] += mass * (1 - p)
            nxt[count + 1] += mass * p
        distribution = nxt
    return sum(distribution[k:])


def test_the_chance_of_meeting_a_target_matches_the_exact_poisson_binomial() -> None:
    probabilities = [0.9, 0.75, 0.6, 0.5, 0.35, 0.2]
    plans = [{"success_probability": p, "value": 1.0, "counts": {"new_product": 1.0}} for p in probabilities]
    draws = 20_000
    [row] = simulate(plans, {"new_products": (3.0, None)}, draws=draws, seed=11)["targets"]
    exact = _poisson_binomial_at_least(probabilities, 3)
    assert abs(row["prob_met"] - exact) < 4 * math.sqrt(exact * (1 - exact) / draws)
    assert row["mean"] == pytest.approx(sum(probabilities), abs=4 * math.sqrt(sum(p * (1 - p) for p in
                                                                               probabilities) / draws))


@pytest.mark.parametrize(("args", "message"), [
    (["frontier", str(BASELINE), "--from", "1.2", "--to", "0.8"], "--from 1.2 must be at least 0 and at most"),
    (["frontier", str(BASELINE), "--steps", "0"], "--steps must be at least 1"),
    (["frontier", str(BASELINE), "--steps", "2", "--dask", "tcp://127.0.0.1:9"], "cannot reach the Dask scheduler"),
    (["sensitivity", str(BASELINE), "--samples", "0"], "--samples must be at least 1"),
    (["sensitivity", str(BASELINE), "--weights-range", "1.5"], "--weights-range 1.5"),
    (["risk", "1", "--draws", "0"], "--draws must be at least 1"),
    (["risk", "999", "--draws", "10"], "unknown run id 999"),
])
def test_bad_sweep_requests_exit_2_and_store_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                    args: list[str], message: str) -> None:
    db = f"sqlite:///{tmp_path / 'sweep.db'}"
    assert main(["--db", db, "demo", "load"]) == 0
    capsys.readouterr()
    assert main(["--db", db, "runs", "--format", "json"]) == 0
    history = json.loads(capsys.readouterr().out)  # the demo's adopted past years
    assert main(["--db", db, *args, "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and json.loads(captured.out)["error"]
    assert main(["--db", db, "runs", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == history
