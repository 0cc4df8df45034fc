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


@pytest.mark.parametrize(("written", "key", "code"), [
    # YAML's true/false where a number is meant: pydantic read them as 1 and 0 (mip_gap: true ran at a gap of 1).
    ("max_plans_per_region: true", "max_plans_per_region", "error.value.not_a_number"),
    ("mip_gap: true", "mip_gap", "error.value.not_a_number"),
    ("min_region_share: true", "min_region_share", "error.value.not_a_number"),
    ("shortfall_penalty: false", "shortfall_penalty", "error.value.not_a_number"),
    ("weights: {new_product: true}", "weights.new_product", "error.value.not_a_number"),
    ("targets: {new_products: {min: true}}", "targets.new_products.min", "error.value.not_a_number"),
    # Each bound just outside, where the bound's own value is allowed or the test before looked further away.
    ("year: 2101", "year", "error.value.at_most"),
    ("confidence: 0.5", "confidence", "error.value.greater_than"),
    ("confidence: 1", "confidence", "error.value.less_than"),
    ("mip_gap: 1.5", "mip_gap", "error.value.at_most"),
    ("budget_lines: {L1: -1}", "budget_lines", "error.scenario.negative_line"),
    ("budget_scale: .inf", "budget_scale", "error.value.not_finite"),
    ("shortfall_penalty: .nan", "shortfall_penalty", "error.value.not_finite"),
    ("weights: {e_stamp: .nan}", "weights.e_stamp", "error.value.not_finite"),
    ("weights: {e_stamp: .inf}", "weights.e_stamp", "error.value.not_finite"),
    ("shortfall_penalty: -5", "shortfall_penalty", "error.value.at_least"),
])
def test_a_value_just_outside_its_rule_is_refused_by_its_key(tmp_path: Path, written: str, key: str,
                                                             code: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\n{written}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    assert [(p.key, p.code) for p in refused.value.problems] == [(key, code)]
    if key == "year":  # a year is written as a year, not grouped as a quantity
        assert "2100" in str(refused.value) and "2,100" not in str(refused.value)


@pytest.mark.parametrize("written", ["year: 2100", "confidence: 0.51", "confidence: 0.99", "mip_gap: 1",
                                     "budget_lines: {L1: 0}", "shortfall_penalty: 0", "one_plan_per_product: false"])
def test_a_value_just_inside_its_rule_is_kept(tmp_path: Path, written: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(f"name: s\n{written}\n", encoding="utf-8")
    load_scenario(path)


def test_a_key_written_twice_is_refused_with_its_line(tmp_path: Path) -> None:
    # YAML keeps the last of two equal keys without a word: mip_gap 0 then 0.1 silently ran at 0.1.
    path = tmp_path / "twice.yaml"
    path.write_text("name: twice\nmip_gap: 0\ntargets:\n  new_products: {min: 1, min: 2}\nmip_gap: 0.1\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    [problem] = refused.value.problems
    assert problem.code == "error.scenario.bad_yaml_at" and problem.params["line"] == "5"
    assert "'mip_gap' is written twice" in problem.params["problem"]
    path.write_text("name: twice\ntargets:\n  new_products: {min: 1, min: 2}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(path)
    [problem] = refused.value.problems
    assert problem.params["line"] == "3" and "'min' is written twice" in problem.params["problem"]
