"""The allocation form reads back as the scenario it showed, a changed field changes exactly that key, typed text is
read as a person writes it (a comma or a point), and a value that is not valid is refused by its key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainplan.scenario import Scenario, ScenarioError, load_scenario, scenario_with_changes
from chainplan.wording import parse_decimal
from dash_app.forms import decimal_text, form_changes, form_values, knob_rule

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


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_form_reads_back_in_either_language(path: Path, lang: str) -> None:
    scenario = load_scenario(path)
    values = form_values(scenario, lang)
    assert all(isinstance(v, str) for k, v in values.items() if k not in ("one_plan_per_product",))
    again = scenario_with_changes(scenario, form_changes(values))
    assert again.model_dump(exclude={"extends"}) == scenario.model_dump(exclude={"extends"})


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
       st.sampled_from(["vi", "en"]))
def test_a_number_written_in_a_field_reads_back_as_the_same_number(value: float, lang: str) -> None:
    written = decimal_text(value, lang)
    assert parse_decimal(written) == value
    assert ("." if lang == "vi" else ",") not in written  # no grouping: 1.000 would read as one


def _changed(**typed: str) -> Scenario:
    scenario = load_scenario(SCENARIOS[0])
    return scenario_with_changes(scenario, form_changes(form_values(scenario, "vi") | typed))


def test_typed_decimals_are_read_with_a_comma_or_a_point() -> None:
    for written in ("0,93", "0.93", " 0,93 "):
        assert _changed(budget_scale=written).budget_scale == 0.93
    changed = _changed(**{"max_plans_per_region": "4", "min_region_share": "2,5", "max_region_share": "40",
                          "targets.e_stamp_share.min": "12,5", "targets.new_products.min": "7,5",
                          "weights.e_stamp": "2,25", "time_limit_s": "30,5"})
    assert changed.max_plans_per_region == 4
    assert changed.min_region_share == 0.025 and changed.max_region_share == 0.4
    assert changed.targets.e_stamp_share is not None and changed.targets.e_stamp_share.min == 0.125
    assert changed.targets.new_products is not None and changed.targets.new_products.min == 7.5
    assert changed.weights.e_stamp == 2.25 and changed.time_limit_s == 30.5


def test_a_blank_field_means_what_its_label_says() -> None:
    changed = _changed(**{"max_plans_per_region": "", "min_region_share": " ", "max_region_share": "",
                          "min_grant_vnd": "", "targets.new_products.min": "", "targets.new_products.max": ""})
    assert changed.max_plans_per_region is None  # no cap
    assert (changed.min_region_share, changed.max_region_share) == (0.0, 1.0)  # no floor, no ceiling
    assert changed.min_grant_vnd == 0 and changed.targets.new_products is None


# Each of these a browser's number field sent as nothing, and the page then kept the scenario's value or dropped
# the cap or the bound: each must be refused by its own key.
REFUSED = [
    ("budget_scale", "nhiều"), ("budget_scale", "-1"), ("budget_scale", ""), ("budget_scale", "1.234,5"),
    ("max_plans_per_region", "2,5"), ("max_plans_per_region", "-1"), ("max_plans_per_region", "hai"),
    ("min_region_share", "150"), ("max_region_share", "-5"), ("min_region_share", "năm"),
    ("targets.new_products.min", "-5"), ("targets.new_products.max", "x"), ("targets.e_stamp_share.min", "120"),
    ("targets.e_stamp_share.max", "90%"), ("weights.e_stamp", ""), ("weights.gap_closed", "1e999"),
    ("time_limit_s", "0"), ("time_limit_s", "một phút"), ("min_grant_vnd", "1,5"), ("min_grant_vnd", "-300"),
]


@pytest.mark.parametrize(("key", "typed"), REFUSED)
def test_a_value_that_is_not_valid_is_refused_by_its_key(key: str, typed: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        _changed(**{key: typed})
    assert [p.key for p in refused.value.problems] == [key]


def test_a_minimum_above_its_maximum_is_refused_by_the_target_and_the_region_rules() -> None:
    for typed, key in (({"targets.new_products.min": "9", "targets.new_products.max": "3"}, "targets.new_products"),
                       ({"min_region_share": "30", "max_region_share": "20"}, "(scenario)")):
        with pytest.raises(ScenarioError) as refused:
            _changed(**typed)
        assert [p.key for p in refused.value.problems] == [key]
        assert knob_rule(key) is not None


def test_every_field_a_person_types_in_has_a_rule_in_both_languages() -> None:
    from dash_app.i18n import interface

    chosen = {"region_level", "solver", "target_mode", "one_plan_per_product"}  # picked from a list, not typed
    keys = set(form_values(load_scenario(SCENARIOS[0]))) - chosen
    rules = {key: knob_rule(key) for key in keys}
    assert [key for key, rule in rules.items() if rule is None] == []
    for rule in {*rules.values(), "knob_rule_target_order", "knob_rule_region_shares"}:
        assert rule is not None and interface().get(rule, "vi") and interface().get(rule, "en"), rule
