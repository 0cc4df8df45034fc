"""The allocation form <-> a scenario: what the page shows for a scenario, and the scenario keys a filled form
means. Pure (no Dash), so a round trip can be tested: a scenario's form, read back, is the same scenario.

The fields are text, sent as typed: a browser's number field sends nothing for a value it finds invalid (off its
step, outside its range), which read as "keep the scenario's value" or "no cap". The text goes to
:func:`chainplan.scenario.scenario_with_changes`, which reads it (``0,93`` and ``0.93`` alike) and refuses what is
not a valid value, by its key. Only the per-cent fields are read here, to turn them into shares; text that is not a
number passes through as typed, for the scenario to refuse.
"""

from __future__ import annotations

from typing import Any

from chainplan.money import format_money
from chainplan.scenario import Scenario
from chainplan.wording import DecimalError, parse_decimal
from chainplan.wording.numbers import symbols

__all__ = ["SHARE_TARGETS", "TARGETS", "WEIGHTS", "decimal_text", "form_changes", "form_values", "knob_rule",
           "typed_number"]

WEIGHTS = ("score_gain", "star_upgrade", "new_product", "new_organization", "supermarket_entry", "national_5_star",
           "safe_food_chain", "e_stamp", "gap_closed", "priority_points")
TARGETS = ("new_products", "new_organizations", "supermarket_entries", "rated_3_to_5_stars", "national_5_star",
           "safe_food_chain", "e_stamp_share")
#: Targets that are shares (0-1); the form shows them in per cent.
SHARE_TARGETS = {"e_stamp_share"}


def decimal_text(value: float | None, lang: str) -> str:
    """A number as a form field shows it: the language's decimal mark, no grouping (``1.000`` would read as 1),
    every digit kept so that reading it back gives the same number.

    Examples
    --------
    >>> decimal_text(0.93, "vi"), decimal_text(0.93, "en"), decimal_text(60.0, "vi"), decimal_text(None, "vi")
    ('0,93', '0.93', '60', '')
    """
    if value is None:
        return ""
    number = float(value)
    written = str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)
    return written.replace(".", symbols(lang)[0])


def _percent(value: float | None) -> float | None:
    return None if value is None else round(float(value) * 100, 6)


def form_values(scenario: Scenario, lang: str = "en") -> dict[str, Any]:
    """The form's fields for ``scenario``: numbers as text in ``lang``, shares in per cent."""
    def number(value: float | None) -> str:
        return decimal_text(value, lang)

    values: dict[str, Any] = {
        "name": scenario.name, "budget_scale": number(scenario.budget_scale),
        "min_grant_vnd": format_money(scenario.min_grant_vnd, "vi").removesuffix(" ₫"),
        "region_level": scenario.region_level, "max_plans_per_region": number(scenario.max_plans_per_region),
        "min_region_share": number(_percent(scenario.min_region_share)),
        "max_region_share": number(_percent(scenario.max_region_share)),
        "one_plan_per_product": ["yes"] if scenario.one_plan_per_product else [],
        "target_mode": scenario.target_mode, "solver": scenario.solver, "time_limit_s": number(scenario.time_limit_s),
    }
    for name in WEIGHTS:
        values[f"weights.{name}"] = number(getattr(scenario.weights, name))
    for name in TARGETS:
        bound = getattr(scenario.targets, name)
        for end in ("min", "max"):
            value = getattr(bound, end) if bound is not None else None
            values[f"targets.{name}.{end}"] = number(_percent(value) if name in SHARE_TARGETS else value)
    return values


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _share(value: Any) -> Any:
    """A per-cent field as a share; ``None`` when blank; text that is not a number as typed (refused by key)."""
    if _blank(value):
        return None
    try:
        return parse_decimal(value) / 100
    except DecimalError:
        return value


def form_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as scenario keys.

    Per cent becomes a share; a blank bound removes that end of a target (both blank: the target), a blank cap of
    plans per region means no cap, a blank least or largest share per region means no floor or no ceiling, a blank
    minimum grant means none. Every other field is passed on as typed, blank included, for the scenario to read
    and check.
    """
    changes: dict[str, Any] = {"weights": {}, "targets": {}}
    for key, value in values.items():
        if key.startswith("weights."):
            changes["weights"][key.split(".", 1)[1]] = value
        elif key.startswith("targets."):
            _, name, end = key.split(".")
            bound = changes["targets"].setdefault(name, {"min": None, "max": None})
            bound[end] = _share(value) if name in SHARE_TARGETS else (None if _blank(value) else value)
        elif key in ("min_region_share", "max_region_share"):
            share = _share(value)
            changes[key] = (0.0 if key == "min_region_share" else 1.0) if share is None else share
        elif key == "one_plan_per_product":
            changes[key] = bool(value)
        elif key == "min_grant_vnd":
            changes[key] = 0 if _blank(value) else value
        elif key == "name":
            if not _blank(value):
                changes[key] = str(value).strip()
        elif key == "max_plans_per_region":
            changes[key] = None if _blank(value) else value  # a blank cap means no cap
        else:
            changes[key] = value
    changes["targets"] = {name: (None if bound["min"] is None and bound["max"] is None else bound)
                          for name, bound in changes["targets"].items()}
    return changes


#: What each knob accepts, by its key (interface catalogue codes): a refusal names the key and says this.
_RULES = {"budget_scale": "knob_rule_budget_scale", "min_grant_vnd": "knob_rule_min_grant",
          "max_plans_per_region": "knob_rule_max_plans", "min_region_share": "knob_rule_share",
          "max_region_share": "knob_rule_share", "time_limit_s": "knob_rule_time_limit",
          "(scenario)": "knob_rule_region_shares", "name": "knob_rule_name"}


def knob_rule(key: str) -> str | None:
    """The interface catalogue code of what the knob ``key`` accepts, or ``None`` for a key the form has not.

    Examples
    --------
    >>> knob_rule("max_plans_per_region"), knob_rule("targets.e_stamp_share.min"), knob_rule("targets.new_products")
    ('knob_rule_max_plans', 'knob_rule_share', 'knob_rule_target_order')
    """
    if key.startswith("weights."):
        return "knob_rule_weight"
    if key.startswith("targets."):
        parts = key.split(".")
        if len(parts) == 2:
            return "knob_rule_target_order"  # the bound as a whole: its minimum above its maximum
        return "knob_rule_share" if parts[1] in SHARE_TARGETS else "knob_rule_target_bound"
    return _RULES.get(key)


def typed_number(value: Any, *, whole: bool = False) -> float | int | None:
    """A number typed in a text field (``50,5`` and ``50.5`` alike), or ``None`` when it is blank or not a number
    (or, with ``whole``, not a whole number): the caller refuses it in its own words.

    Examples
    --------
    >>> typed_number("50,5"), typed_number("11", whole=True), typed_number("2,5", whole=True), typed_number("x")
    (50.5, 11, None, None)
    """
    if _blank(value):
        return None
    try:
        number = parse_decimal(value)
    except DecimalError:
        return None
    if whole:
        return int(number) if number.is_integer() else None
    return number
