"""The allocation form <-> a scenario: what the page shows for a scenario, and the scenario keys a filled form
means. Pure (no Dash), so a round trip can be tested: a scenario's form, read back, is the same scenario."""

from __future__ import annotations

from typing import Any

from chainplan.money import format_money
from chainplan.scenario import Scenario

__all__ = ["SHARE_TARGETS", "TARGETS", "WEIGHTS", "form_changes", "form_values"]

WEIGHTS = ("score_gain", "star_upgrade", "new_product", "new_organization", "supermarket_entry", "national_5_star",
           "safe_food_chain", "e_stamp", "gap_closed", "priority_points")
TARGETS = ("new_products", "new_organizations", "supermarket_entries", "rated_3_to_5_stars", "national_5_star",
           "safe_food_chain", "e_stamp_share")
#: Targets that are shares (0-1); the form shows them in per cent.
SHARE_TARGETS = {"e_stamp_share"}


def _percent(value: float | None) -> float | None:
    return None if value is None else round(float(value) * 100, 6)


def form_values(scenario: Scenario) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": scenario.name, "budget_scale": scenario.budget_scale,
        "min_grant_vnd": format_money(scenario.min_grant_vnd, "vi").removesuffix(" ₫"),
        "region_level": scenario.region_level, "max_plans_per_region": scenario.max_plans_per_region,
        "min_region_share": _percent(scenario.min_region_share), "max_region_share": _percent(
            scenario.max_region_share),
        "one_plan_per_product": ["yes"] if scenario.one_plan_per_product else [],
        "target_mode": scenario.target_mode, "solver": scenario.solver, "time_limit_s": scenario.time_limit_s,
    }
    for name in WEIGHTS:
        values[f"weights.{name}"] = getattr(scenario.weights, name)
    for name in TARGETS:
        bound = getattr(scenario.targets, name)
        for end in ("min", "max"):
            value = getattr(bound, end) if bound is not None else None
            values[f"targets.{name}.{end}"] = _percent(value) if name in SHARE_TARGETS else value
    return values


def form_changes(values: dict[str, Any]) -> dict[str, Any]:
    """The form's values as scenario keys (per cent back to shares; blank bounds remove a target's end)."""
    changes: dict[str, Any] = {"weights": {}, "targets": {}}
    for key, value in values.items():
        if key.startswith("weights."):
            if value is not None:
                changes["weights"][key.split(".", 1)[1]] = value
        elif key.startswith("targets."):
            _, name, end = key.split(".")
            share = name in SHARE_TARGETS
            bound = changes["targets"].setdefault(name, {"min": None, "max": None})
            bound[end] = None if value is None else (value / 100 if share else value)
        elif key in ("min_region_share", "max_region_share"):
            if value is not None:
                changes[key] = value / 100
        elif key == "one_plan_per_product":
            changes[key] = bool(value)
        elif key == "min_grant_vnd":
            changes[key] = value if value not in (None, "") else 0
        elif key == "name":
            if value:
                changes[key] = str(value).strip()
        elif key == "max_plans_per_region" or value is not None:  # a blank cap means no cap
            changes[key] = value
    changes["targets"] = {name: (None if bound["min"] is None and bound["max"] is None else bound)
                          for name, bound in changes["targets"].items()}
    return changes


