"""The scenario form of the allocation page: the main knobs of a scenario (ids ``{"type": "knob", "key": KEY}``), and
the refusal of a form whose values cannot be used, each problem by its key."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from chainplan.io.pack import display_name
from chainplan.scenario import ScenarioError
from chainplan.wording import term
from dash_app.components import dropdown
from dash_app.forms import SHARE_TARGETS, TARGETS, WEIGHTS, knob_rule
from dash_app.i18n import t

__all__ = ["knob_label", "scenario_form", "scenario_problems"]


def _knob(key: str) -> dict[str, str]:
    return {"type": "knob", "key": key}


def scenario_form(lang: str, may_run: bool, values: dict[str, Any]) -> html.Div:
    """The form with ``values`` (:func:`dash_app.forms.form_values`); disabled unless ``may_run``."""
    off = not may_run

    def _number_field(key: str, label: str, *, disabled: bool = False) -> html.Label:
        # Text, not a browser number field: that sends nothing for a value it finds invalid (2,5 plans, 0,93 off
        # its step), which read as "no cap" or "keep the scenario's value". The server reads and checks the text.
        return html.Label([label, dcc.Input(id=_knob(key), type="text", inputMode="decimal", disabled=disabled,
                                            value=values.get(key))], className="cp-field")

    weights = [_number_field(f"weights.{name}", term("weight", name, lang), disabled=off) for name in WEIGHTS]
    targets = []
    for name in TARGETS:
        unit = " (%)" if name in SHARE_TARGETS else ""
        targets.append(html.Div([
            html.Div(display_name(name, lang) + unit, style={"fontWeight": 600, "flex": "2 1 220px"}),
            _number_field(f"targets.{name}.min", t("target_min", lang), disabled=off),
            _number_field(f"targets.{name}.max", t("target_max", lang), disabled=off),
        ], className="cp-row"))
    return html.Div([
        html.Div([
            html.Label([t("scenario_name", lang), dcc.Input(id=_knob("name"), type="text", disabled=off,
                                                                 value=values.get("name"))],
                       className="cp-field cp-field-wide"),
            _number_field("budget_scale", t("budget_scale", lang), disabled=off),
            html.Label([t("min_grant", lang), dcc.Input(id=_knob("min_grant_vnd"), type="text", disabled=off,
                                                        inputMode="numeric", value=values.get("min_grant_vnd"))],
                       className="cp-field"),
        ], className="cp-row"),
        html.Fieldset([
            html.Legend(t("regional_rules", lang)),
            html.Div([
                html.Label([t("region_level", lang), dropdown(lang, [
                    {"label": term("stage_level", level, lang), "value": level} for level in ("commune", "district",
                                                                                        "province")],
                    values.get("region_level", "district"), _knob("region_level"), clearable=False, disabled=off)],
                    className="cp-field"),
                _number_field("max_plans_per_region", t("max_plans_per_region", lang), disabled=off),
                _number_field("min_region_share", t("min_region_share", lang), disabled=off),
                _number_field("max_region_share", t("max_region_share", lang), disabled=off),
            ], className="cp-row"),
            dbc.Checklist([{"label": t("one_plan_per_product", lang), "value": "yes", "disabled": off}],
                          values.get("one_plan_per_product", []), id=_knob("one_plan_per_product")),
        ]),
        html.Details([html.Summary(t("weights", lang)), html.Div(weights, className="cp-row")]),
        html.Details([html.Summary(t("targets_form", lang)), html.P(t("targets_hint", lang)), *targets,
                      html.Div([_choice(t("target_mode", lang), _knob("target_mode"), [
                          {"label": t("target_mode_soft", lang), "value": "soft", "disabled": off},
                          {"label": t("target_mode_hard", lang), "value": "hard", "disabled": off}],
                          values.get("target_mode", "soft"))], className="cp-row")], open=True),
        html.Details([html.Summary(t("solver_settings", lang)), html.Div([
            _choice(t("solver", lang), _knob("solver"), [{"label": name, "value": name, "disabled": off}
                                                         for name in ("highs", "cbc")], values.get("solver", "highs")),
            _number_field("time_limit_s", t("time_limit", lang), disabled=off),
            dbc.Checklist([{"label": t("value_of_money_ask", lang), "value": "yes", "disabled": off}], [],
                          id="value-of-money"),
        ], className="cp-row")]),
    ], id="scenario-form")


def _choice(label: str, component_id: dict[str, str], options: list[dict[str, Any]], value: Any) -> html.Div:
    """Radio buttons named by ``label`` as a group: Bootstrap's (an input and its own label each), since Dash's
    nest each focusable input inside a ``role="option"`` label, which screen readers cannot announce."""
    return html.Div([html.Span(label, className="cp-choice-label"),
                     dbc.RadioItems(options, value, id=component_id, inline=True)],
                    role="radiogroup", className="cp-field", **{"aria-label": label})


def knob_label(key: str, lang: str) -> str:
    """The form's label of the knob ``key`` (``targets.new_products.min``: the target's name and "least")."""
    parts = key.split(".")
    if parts[0] == "weights" and len(parts) == 2:
        return term("weight", parts[1], lang)
    if parts[0] == "targets" and len(parts) >= 2:
        name = display_name(parts[1], lang)
        return name if len(parts) == 2 else f"{name} – {t('target_' + parts[2], lang)}"
    if key == "(scenario)":
        return t("regional_rules", lang)
    return t({"min_grant_vnd": "min_grant", "time_limit_s": "time_limit", "name": "scenario_name"}.get(key, key), lang)


def scenario_problems(exc: ScenarioError, lang: str, typed: dict[str, Any] | None = None) -> list[Any]:
    """Each problem by its key, in the page's language: the knob, what was typed, what the knob accepts."""
    items = []
    for problem in exc.problems:
        key = problem.key or ""
        rule = knob_rule(key)
        if rule is None:  # not a knob of the form (a scenario file or a stored run that cannot be read)
            items.append(html.Li(f"{key or t('scenario', lang)}: {problem.message(lang)}"
                                 + ("" if problem.value is None else f" ({problem.value})")))
            continue
        written = (typed or {}).get(key, problem.value)
        sentence = t("knob_refused" if written not in (None, "") else "knob_refused_blank", lang)
        items.append(html.Li(sentence.format(label=knob_label(key, lang), key=key, rule=t(rule, lang),
                                             value=written)))
    return [t("scenario_problems", lang), html.Ul(items, id="scenario-problems")]
