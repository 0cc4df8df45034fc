"""Results: the year's funded plans against what they delivered, the targets expected against delivered, how
reliable the stated chances of success have been (calibration per purpose), and a planner records an outcome."""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from chainplan import services
from chainplan.decisions import DecisionRefused
from chainplan.names import name_of
from chainplan.recording import DELIVERY_FLAGS, Outcome, OutcomeRefused
from chainplan.users import allowed
from chainplan.wording import term, text
from dash_app.auth import current_role, require, writes
from dash_app.components import header, page_year
from dash_app.i18n import language, t
from dash_app.panels.programme import calibration_section, outcome_form, results_panel
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/results", name="Results", title="chainplan")

OUTCOME_FEEDBACK = writes("outcome-feedback", "record_outcome")


def _results(year: int | None, lang: str) -> tuple[Any, list[tuple[str, str]]]:
    """The year's results panel and its funded plans by name (the form's choices); a sentence when the year has
    no adopted decision."""
    if year is None:
        return html.P(t("results_no_year", lang), id="results-empty"), []
    try:
        found = services.year_results(unit_of_work(), year)
    except (services.ResultsRefused, DecisionRefused) as exc:
        return html.P(exc.message(lang), id="results-empty"), []
    plans = [(str(p["plan_code"]), name_of(found.names, "plan", p["plan_code"])) for p in found.document["plans"]]
    return results_panel(found.document, found.names, lang), plans


def layout(lang: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    panel, plans = _results(chosen_year, lang)
    may_record = allowed(current_role(), "record_outcome")
    return html.Div([
        header(lang, "/results", {"year": chosen_year}),
        dcc.Store(id="results-lang", data=lang),
        dcc.Store(id="results-year", data=chosen_year),
        # Bumped when an outcome is saved: the results and the calibration are drawn again only then.
        dcc.Store(id="results-version", data=0),
        html.H2(t("results_title", lang).format(year=chosen_year or "—")),
        html.Div(panel, id="results-panel"),
        html.H2(t("calibration_title", lang)),
        html.P(t("calibration_intro", lang)),
        calibration_section(services.calibration_report(unit_of_work()), lang),
        *(outcome_form(lang, may_record, plans) if plans else []),
        html.P(id=OUTCOME_FEEDBACK, role="status"),
    ])


@callback(Output(OUTCOME_FEEDBACK, "children"), Output("results-version", "data"),
          Input("outcome-save", "n_clicks"),
          State("outcome-plan", "value"), State("outcome-status", "value"), State("outcome-disbursed", "value"),
          State("outcome-score", "value"), State("outcome-date", "value"), State("outcome-delivered", "value"),
          State("outcome-note", "value"), State("results-version", "data"), State("results-lang", "data"),
          prevent_initial_call=True)
def save(_clicks: int | None, plan: str | None, status: str | None, disbursed: str | None, score: str | None,
         when: str | None, delivered: list[str] | None, note: str | None, version: int | None, lang: str | None
         ) -> tuple[Any, Any]:
    lang = language(lang)
    require("record_outcome")  # the guard refused a forged request already; this is the write's own check
    if not plan:
        return html.Span(t("pick_plan", lang), className="cp-error", id="outcome-refused"), dash.no_update
    try:
        day = dt.date.fromisoformat(when) if when else None
    except ValueError:
        return html.Span(text("error.outcome.bad_date", lang), className="cp-error", id="outcome-refused"), \
            dash.no_update
    ticked = set(delivered or [])
    if not ticked <= set(DELIVERY_FLAGS):  # only a forged request sends a box the form does not have
        return html.Span(text("error.outcome.bad_flag", lang), className="cp-error", id="outcome-refused"), \
            dash.no_update
    try:
        stored = services.record_outcome(unit_of_work(), Outcome(
            plan, status or "", day, disbursed, score, note=note or "",
            **{flag: flag in ticked for flag in DELIVERY_FLAGS}), by=str(current_user.id))
    except OutcomeRefused as exc:
        return html.Span(exc.message(lang), className="cp-error", id="outcome-refused"), dash.no_update
    saved = t("outcome_saved", lang).format(plan=stored.plan_code, status=term("outcome_status", stored.status, lang))
    return html.Span(saved, id="outcome-saved"), (version or 0) + 1


@callback(Output("results-panel", "children"), Input("results-version", "data"), State("results-year", "data"),
          State("results-lang", "data"), prevent_initial_call=True)
def show(_version: int | None, year: int | None, lang: str | None) -> Any:
    """The results again once an outcome is recorded."""
    return _results(year, language(lang))[0]


@callback(Output("calibration-panel", "children"), Input("results-version", "data"), State("results-lang", "data"),
          prevent_initial_call=True)
def show_calibration(_version: int | None, lang: str | None) -> Any:
    """The calibration again once an outcome is recorded (a finished plan joins the record)."""
    return calibration_section(services.calibration_report(unit_of_work()), language(lang)).children
