"""The allocation form reads back as the scenario it showed, and a changed field changes exactly that key."""

from __future__ import annotations

from pathlib import Path

import pytest

from chainplan.scenario import ScenarioError, load_scenario, scenario_with_changes
from dash_app.forms import form_changes, form_values

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_a_scenarios_form_read_back_is_the_same_scenario(path: Path) -> None:
    scenario = load_scenario(path)
    again = scenario_with_changes(scenario, form_changes(form_values(scenario)))
    assert again.model_dump(exclude={"extends"}) == scenario.model_dump(exclude={"extends"})


def test_a_changed_field_changes_only_its_key() -> None:
    scenario = load_scenario(SCENARIOS[0])
    values = form_values(scenario)
    values.update({"min_grant_vnd": "300.000.000", "targets.e_stamp_share.min": 75, "targets.new_products.min": None,
                   "targets.new_products.max": None, "max_region_share": 35, "weights.e_stamp": 4})
    changed = scenario_with_changes(scenario, form_changes(values))
    assert changed.min_grant_vnd == 300_000_000
    assert changed.targets.e_stamp_share is not None and changed.targets.e_stamp_share.min == 0.75
    assert changed.targets.new_products is None  # both bounds blank: the target is dropped
    assert changed.max_region_share == 0.35 and changed.weights.e_stamp == 4
    untouched = {"min_grant_vnd", "targets", "max_region_share", "weights"}
    assert {k: v for k, v in changed.model_dump().items() if k not in untouched} == {
        k: v for k, v in scenario.model_dump().items() if k not in untouched}


def test_every_bad_field_is_reported_by_its_key() -> None:
    scenario = load_scenario(SCENARIOS[0])
    values = form_values(scenario) | {"min_grant_vnd": "nhiều", "budget_scale": -1, "max_region_share": 150}
    with pytest.raises(ScenarioError) as refused:
        scenario_with_changes(scenario, form_changes(values))
    assert {p.key for p in refused.value.problems} == {"min_grant_vnd", "budget_scale", "max_region_share"}
