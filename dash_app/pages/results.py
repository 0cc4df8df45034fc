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
from chainplan.errors import EditConflict
from chainplan.names import name_of
from chainplan.recording import DELIVERY_FLAGS, Outcome, OutcomeRefused
from chainplan.users import allowed
from chainplan.wording import format_date, format_integer, format_number, term, text
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


#: The form's fields a stored report fills, in the order :func:`_form_values` gives them.
FORM_FIELDS = [("outcome-status", "value"), ("outcome-disbursed", "value"), ("outcome-score", "value"),
               ("outcome-date", "value"), ("outcome-delivered", "value"), ("outcome-note", "value"),
               ("outcome-opened", "data"), ("outcome-opened-note", "children")]


def _form_values(plan: str, opened: services.OpenedOutcome, lang: str) -> tuple[Any, ...]:
    """What the form shows for ``plan``: its stored report as the person would type it (numbers in the page's
    language), or a blank report dated today, with the version it was opened on."""
    stored = opened.outcome
    marker = {"plan": plan, "version": opened.version}
    if stored is None:
        return ("completed", "", "", dt.date.today().isoformat(), [], "", marker, t("outcome_new", lang))
    disbursed = "" if stored.disbursed_vnd is None else format_integer(int(stored.disbursed_vnd), lang)
    score = "" if stored.ocop_score is None else format_number(float(stored.ocop_score), lang, 6)
    day = stored.reported_on if isinstance(stored.reported_on, dt.date) else None
    return (stored.status, disbursed, score, day.isoformat() if day else None,
            [flag for flag in DELIVERY_FLAGS if getattr(stored, flag)], stored.note, marker,
            t("outcome_opened", lang).format(date=format_date(day, lang) if day else "—"))


@callback(*(Output(component, prop) for component, prop in FORM_FIELDS), Input("outcome-plan", "value"),
          State("results-lang", "data"), prevent_initial_call=True)
def open_outcome(plan: str | None, lang: str | None) -> tuple[Any, ...]:
    """Choosing a plan opens the form on its stored report (what is stored is what the planner edits) and
    remembers the version it was opened on."""
    if not plan:
        return (*(dash.no_update for _ in FORM_FIELDS[:-2]), None, "")
    return _form_values(plan, services.opened_outcome(unit_of_work(), plan), language(lang))


def _refused(message: str) -> tuple[Any, Any, Any]:
    return html.Span(message, className="cp-error", id="outcome-refused"), dash.no_update, dash.no_update


@callback(Output(OUTCOME_FEEDBACK, "children"), Output("results-version", "data"),
          Output("outcome-opened", "data", allow_duplicate=True),
          Input("outcome-save", "n_clicks"),
          State("outcome-plan", "value"), State("outcome-status", "value"), State("outcome-disbursed", "value"),
          State("outcome-score", "value"), State("outcome-date", "value"), State("outcome-delivered", "value"),
          State("outcome-note", "value"), State("outcome-opened", "data"), State("results-version", "data"),
          State("results-lang", "data"), prevent_initial_call=True)
def save(_clicks: int | None, plan: str | None, status: str | None, disbursed: str | None, score: str | None,
         when: str | None, delivered: list[str] | None, note: str | None, opened: dict[str, Any] | None,
         version: int | None, lang: str | None) -> tuple[Any, Any, Any]:
    lang = language(lang)
    require("record_outcome")  # the guard refused a forged request already; this is the write's own check
    if not plan:
        return _refused(t("pick_plan", lang))
    try:
        day = dt.date.fromisoformat(when) if when else None
    except ValueError:
        return _refused(text("error.outcome.bad_date", lang))
    ticked = set(delivered or [])
    if not ticked <= set(DELIVERY_FLAGS):  # only a forged request sends a box the form does not have
        return _refused(text("error.outcome.bad_flag", lang))
    # The form's version, when it was opened on this plan (a save clicked before the form caught up with a new
    # choice has none: the report is then the one stored at this moment).
    same = isinstance(opened, dict) and opened.get("plan") == plan and isinstance(opened.get("version"), int)
    opened_version = int(opened["version"]) if same and opened is not None else None
    try:
        stored = services.record_outcome(unit_of_work(), Outcome(
            plan, status or "", day, disbursed, score, note=note or "",
            **{flag: flag in ticked for flag in DELIVERY_FLAGS}), by=str(current_user.id),
            opened_version=opened_version)
    except OutcomeRefused as exc:
        return _refused(exc.message(lang))
    except EditConflict as exc:
        # Nothing was written. The results are drawn again with their report, and the form now carries the stored
        # version: saving again, knowingly, replaces it.
        return (html.Span(exc.message(lang), className="cp-error", id="outcome-conflict"), (version or 0) + 1,
                {"plan": plan, "version": exc.version})
    saved = t("outcome_saved", lang).format(plan=stored.plan_code, status=term("outcome_status", stored.status, lang))
    now_opened = {"plan": stored.plan_code, "version": services.opened_outcome(unit_of_work(), plan).version}
    return html.Span(saved, id="outcome-saved"), (version or 0) + 1, now_opened


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
