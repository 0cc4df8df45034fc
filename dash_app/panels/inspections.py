"""Inspections of production sites, points of sale and label use, per organization, with every unresolved
violation marked; and the form a planner records one with (``#inspection-org``, ``#inspection-kind``,
``#inspection-result``, ``#inspection-date``, ``#inspection-finding``, ``#inspection-resolved``,
``#inspection-save``). Takes :class:`chainplan.services.InspectionsView` (per organization, then one by one);
calls no service."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from chainplan.schema import INSPECTION_KINDS, INSPECTION_RESULTS
from chainplan.wording import format_date, term
from dash_app.components import Column, dropdown, grid
from dash_app.i18n import t

__all__ = ["inspection_form", "inspections_table", "unresolved_summary"]


def _day(value: Any, lang: str) -> str:
    return format_date(value, lang) if isinstance(value, dt.date) else ""


def _capital(word: str) -> str:
    return word[:1].upper() + word[1:]


def _state(row: dict[str, Any], lang: str) -> str:
    if row["result"] != "violation":
        return ""
    if row["unresolved"]:
        return t("violation_unresolved", lang)
    return t("violation_resolved_on", lang).format(date=_day(row["resolved_on"], lang))


def unresolved_summary(view: Any, lang: str) -> html.P:
    """One sentence: which organizations still have an unresolved violation, by name (``#inspections-unresolved``)."""
    summary = view.organizations
    names = sorted(str(name) for name in summary.loc[summary["unresolved"] > 0, "organization"])
    if not names:
        return html.P(t("no_unresolved_violations", lang), id="inspections-unresolved")
    return html.P(t("unresolved_violations", lang).format(count=len(names), names="; ".join(names)),
                  id="inspections-unresolved", className="cp-warning")


def inspections_table(view: Any, lang: str) -> Any:
    """Every inspection, per organization and newest first; an unresolved violation's row is marked (class
    ``cp-unresolved``, and the violation column says so)."""
    rows = [{"code": row["code"], "inspected_on": _day(row["inspected_on"], lang),
             "organization": row["organization"], "kind": _capital(term("inspection_kind", row["kind"], lang)),
             "result": _capital(term("inspection_result", row["result"], lang)), "finding": row["finding"],
             "state": _state(row, lang), "open": bool(row["unresolved"])}
            for row in view.inspections.to_dict("records")]
    if not rows:
        return html.P(t("no_inspections", lang), id="inspections-table")
    table = grid("inspections-table", [Column("organization", t("organization", lang), width=200, flex=2),
                                       Column("inspected_on", t("inspected_on", lang), width=125),
                                       Column("kind", t("inspection_kind", lang), width=140),
                                       Column("result", t("inspection_result", lang), width=110),
                                       Column("state", t("violation_state", lang), width=170),
                                       Column("finding", t("finding", lang), width=260, flex=3)],
                 rows, lang, height="auto" if len(rows) <= 12 else "380px", csv_name="inspections.csv",
                 row_id="code")
    table.rowClassRules = {"cp-unresolved": "params.data.open"}
    return table


def inspection_form(lang: str, may_record: bool, organizations: list[tuple[str, str]]) -> list[Any]:
    """The form a planner records an inspection with; disabled for a role that may not (the server checks too)."""
    off = not may_record
    return [
        html.H3(t("record_inspection", lang)),
        None if may_record else html.P(t("inspect_only_planner", lang), id="inspect-not-allowed"),
        html.Div([
            html.Label([t("organization", lang), dropdown(lang, [{"label": name, "value": code}
                                                                  for code, name in organizations], None,
                                                           "inspection-org", disabled=off)],
                       className="cp-field cp-field-wide"),
            html.Label([t("inspection_kind", lang), dropdown(lang, [
                {"label": _capital(term("inspection_kind", kind, lang)), "value": kind} for kind in INSPECTION_KINDS],
                "facility", "inspection-kind", clearable=False, searchable=False, disabled=off)],
                className="cp-field"),
            html.Label([t("inspection_result", lang), dropdown(lang, [
                {"label": _capital(term("inspection_result", result, lang)), "value": result}
                for result in INSPECTION_RESULTS], "compliant", "inspection-result", clearable=False,
                searchable=False, disabled=off)], className="cp-field"),
            html.Label([t("inspected_on", lang), dcc.Input(id="inspection-date", type="date", disabled=off,
                                                           value=dt.date.today().isoformat())],
                       className="cp-field"),
            html.Label([t("resolved_on", lang), dcc.Input(id="inspection-resolved", type="date", disabled=off)],
                       className="cp-field"),
        ], className="cp-row"),
        html.Label([t("finding", lang), dcc.Textarea(id="inspection-finding", disabled=off,
                                                     style={"width": "100%", "minHeight": "3rem"})],
                   className="cp-field"),
        dbc.Button(t("save_inspection", lang), id="inspection-save", disabled=off),
    ]
