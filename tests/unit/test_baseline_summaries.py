"""The optimiser's comparison reads the same figures off a baseline's summary as off its full result."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan.allocation import prepare
from chainplan.allocation.baselines import BASELINES, baseline_summaries, fund_down_the_list
from chainplan.demo import build_demo_dataset
from chainplan.scenario import load_scenario
from tests.allocation_helpers import instance, scenario

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


def _assert_same(inp) -> None:  # type: ignore[no-untyped-def]
    summaries = baseline_summaries(inp)
    assert sorted(summaries) == sorted(BASELINES)
    for method, baseline in BASELINES.items():
        full, summary = baseline(inp), summaries[method]
        assert sorted(summary.funded) == sorted(full.funded_codes)
        assert summary.objective == full.objective
        assert summary.total_benefit == full.total_benefit
        assert summary.targets_met == int(full.targets["met"].sum())
        assert summary.rule_violations == full.rule_violations


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_demo_scenarios(path: Path) -> None:
    _assert_same(prepare(build_demo_dataset(), load_scenario(path)))


def test_a_list_stops_at_the_last_vnd_of_a_line() -> None:
    """Exact money: a plan that fits to the VND is funded, one VND more is not; a plan on two lines needs both."""
    plans = [{"code": "A", "benefit": 9.0, "requests": {"L1": 600_000_000}},
             {"code": "B", "benefit": 8.0, "requests": {"L1": 400_000_001}},
             {"code": "C", "benefit": 7.0, "requests": {"L1": 400_000_000}},
             {"code": "D", "benefit": 6.0, "requests": {"L1": 1, "L2": 5}}]
    inp = prepare(instance(plans, {"L1": 1_000_000_000, "L2": 4}), scenario())
    assert fund_down_the_list(inp, ["A", "B", "C", "D"]) == ["A", "C"]  # B: one VND over; C: to the VND
    assert fund_down_the_list(inp, ["D", "B", "A", "C"]) == ["B", "C"]  # A after B: one VND over
    _assert_same(inp)
