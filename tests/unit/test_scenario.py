from __future__ import annotations

from pathlib import Path

import pytest

from chainplan.dataset import Dataset
from chainplan.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_load_and_answer_different_questions() -> None:
    loaded = {path.stem: load_scenario(path) for path in SCENARIOS.glob("*.yaml")}
    assert {"baseline-2020", "concentrate", "equity", "chains-first"} <= set(loaded)
    base = loaded["baseline-2020"]
    assert base.targets.new_products.min == 50 and base.targets.rated_3_to_5_stars.max == 40
    assert base.targets.e_stamp_share.min == 0.9
    assert loaded["concentrate"].min_grant_vnd > 0 and loaded["concentrate"].max_plans_per_region
    assert loaded["equity"].min_region_share > 0
    chains = loaded["chains-first"]
    assert chains.weights.supermarket_entry > base.weights.supermarket_entry
    assert chains.weights.new_product == base.weights.new_product  # inherited, merged key by key
    assert chains.targets == base.targets
    for path in SCENARIOS.glob("*.yaml"):
        assert path.read_text(encoding="utf-8").startswith("# Question:"), path


def test_extends_merges_and_needs_its_own_name(tmp_path: Path) -> None:
    write(tmp_path, "base.yaml", "name: base\nweights: {new_product: 3}\ntargets: {new_products: {min: 5}}\n")
    child = write(tmp_path, "child.yaml", "name: child\nextends: base.yaml\nweights: {e_stamp: 9}\n")
    loaded = load_scenario(child)
    assert (loaded.name, loaded.weights.new_product, loaded.weights.e_stamp) == ("child", 3.0, 9.0)
    nameless = write(tmp_path, "nameless.yaml", "extends: base.yaml\n")
    with pytest.raises(ScenarioError, match="needs a name of its own"):
        load_scenario(nameless)


def test_cycles_bad_yaml_and_missing_files(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: a\nextends: b.yaml\n")
    write(tmp_path, "b.yaml", "name: b\nextends: a.yaml\n")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(tmp_path / "a.yaml")
    with pytest.raises(ScenarioError, match=r"not valid YAML at line \d+, column \d+"):
        load_scenario(write(tmp_path, "bad.yaml", "name: x\ntargets: [unclosed\n"))
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "none.yaml")
    with pytest.raises(ScenarioError, match="mapping"):
        load_scenario(write(tmp_path, "list.yaml", "- 1\n- 2\n"))


def test_every_bad_key_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", """
name: x
budget_scale: -1
bogus: 1
targets:
  e_stamp_share: {min: 1.5}
  new_products: {min: 5, max: 2}
weights: {new_product: lots}
budget_lines: {NTM: -5}
solver: gurobi
""")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    keys = {p.key for p in caught.value.problems}
    assert keys == {"budget_scale", "bogus", "targets.e_stamp_share.min", "targets.new_products",
                    "weights.new_product", "budget_lines", "solver"}
    assert all(p.source == str(path) for p in caught.value.problems)
    assert "unknown key" in str(caught.value)


def test_share_order_and_name_required(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="above max_region_share"):
        load_scenario(write(tmp_path, "s.yaml", "name: x\nmin_region_share: 0.5\nmax_region_share: 0.2\n"))
    with pytest.raises(ScenarioError, match="required key is missing"):
        load_scenario(write(tmp_path, "n.yaml", "description: no name\n"))


def test_money_keys_are_read_like_workbook_money(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "money.yaml"
    path.write_text('name: money\nmin_grant_vnd: 300.000\nbudget_lines: {L1: "1.500.000.000", L2: 2_000_000}\n',
                    encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.min_grant_vnd == 300_000  # YAML reads 300.000 as a float; a planner means 300 thousand VND
    assert scenario.budget_lines == {"L1": 1_500_000_000, "L2": 2_000_000}


def test_money_with_a_fraction_is_refused_with_its_key_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "money.yaml"
    path.write_text("name: money\nmin_grant_vnd: 300.5\nbudget_lines: {L1: 2.25, L2: 10000000000000000}\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    keys = {p.key: p.reason for p in caught.value.problems}
    assert set(keys) == {"min_grant_vnd", "budget_lines.L1", "budget_lines.L2"}
    assert "whole amount of VND" in keys["min_grant_vnd"] and "at most" in keys["budget_lines.L2"]


def test_a_bad_amount_and_an_unknown_key_are_reported_together(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "both.yaml"
    path.write_text("name: both\nbudget_scal: 1\nmin_grant_vnd: 2.5\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert {p.key: p.reason for p in caught.value.problems} == {
        "min_grant_vnd": "must be a whole amount of VND, e.g. 1500000000 or 1.500.000.000",
        "budget_scal": "unknown key"}


def test_a_budget_scale_that_takes_a_line_past_the_ceiling_is_refused_by_its_key(demo: Dataset) -> None:
    # Each value alone is allowed; scaled, the largest line passed 10^15 VND and the int64 column overflowed
    # (a traceback and exit 1).
    from chainplan.allocation import allocate
    from chainplan.money import MAX_VND
    from chainplan.scenario import Scenario

    largest = int(demo.budget_lines["amount_vnd"].max())
    just_inside = MAX_VND / largest
    allocate(demo, Scenario(name="inside", budget_scale=just_inside), compare_baselines=False)
    for scale in (just_inside * 1.001, 1e300):
        with pytest.raises(ScenarioError) as refused:
            allocate(demo, Scenario(name="past", budget_scale=scale), compare_baselines=False)
        [problem] = refused.value.problems
        assert problem.key == "budget_scale" and problem.code == "error.scenario.scaled_line_too_large"


def test_a_frontier_range_must_be_finite() -> None:
    from chainplan.sweep import SweepRefused, budget_scales

    assert budget_scales(0.5, 1.5, 3) == [0.5, 1.0, 1.5]
    for start, stop in ((0.5, float("inf")), (float("nan"), 1.0), (0.5, float("nan"))):
        with pytest.raises(SweepRefused):
            budget_scales(start, stop, 2)
