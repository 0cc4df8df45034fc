from __future__ import annotations

from chainplan.dataset import Dataset, check_dataset
from chainplan.demo import build_demo_dataset
from chainplan.summary import summarize


def test_demo_is_consistent_and_deterministic(demo: Dataset) -> None:
    assert check_dataset(demo) == []
    assert build_demo_dataset().fingerprint() == demo.fingerprint()
    assert build_demo_dataset(seed=7).fingerprint() != demo.fingerprint()


def test_demo_matches_the_issue(demo: Dataset) -> None:
    summary = summarize(demo)
    assert summary["districts"] == 13
    assert {k: summary["products_by_tier"][k] for k in ("district", "provincial", "national")} == {
        "district": 31, "provincial": 12, "national": 6}
    assert 150 <= summary["counts"]["organizations"] <= 300
    assert 150 <= summary["counts"]["plans"] <= 250
    for stage in ("district", "province"):
        assert all(summary["appraisals"][stage][status] > 0 for status in ("pending", "passed", "failed"))
    kinds = set(demo.organizations["name"])
    for chain in ("GO! Hạ Long", "MM Mega Market Hạ Long", "WinMart Hạ Long", "Co.opmart Hạ Long", "Postmart"):
        assert chain in kinds
    # Requests exceed the money, so allocation has choices to make; amounts are plausible.
    assert summary["requested_vnd"] > 1.3 * summary["budget_available_vnd"]
    per_plan = demo.plan_requests.groupby("plan_code")["amount_vnd"].sum()
    assert per_plan.min() >= 10_000_000 and per_plan.max() <= 3_000_000_000
    assert demo.budget_lines["region_code"].notna().sum() >= 3  # district budgets
    assert (demo.plans["requires_plan"].notna()).any() and (demo.plans["excludes_plans"].map(len) > 0).any()


def test_shipped_workbook_is_the_generated_demo(demo: Dataset) -> None:
    from pathlib import Path

    from chainplan.io import read_dataset

    shipped = Path(__file__).resolve().parents[2] / "scenarios" / "data" / "quang-ninh-demo.xlsx"
    assert read_dataset(shipped).to_records() == demo.to_records(), "run `make demo-workbook`"
