"""Allocation: pick a scenario, adjust its main knobs, run it in the background, read what it funds and why.

The run is a Dash background callback: it solves in its own process (so the page stays responsive), reports
progress, and can be cancelled. It is stored as a run like ``chainplan allocate`` does, under the signed-in user's
name, and the page then shows that stored run (``?run=N`` in the URL, so a reload or a link shows it again).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, dcc, html

from chainplan import services
from chainplan.decisions import UnknownRun
from chainplan.errors import text_of
from chainplan.money import format_number
from chainplan.scenario import ScenarioError, scenario_with_changes
from chainplan.users import allowed
from chainplan.wording import term
from dash_app.auth import current_role, job_identity, require_in_job, writes
from dash_app.components import chosen_scenario, dropdown, header, page_year, scenario_options
from dash_app.forms import form_changes, form_values
from dash_app.i18n import language, t
from dash_app.jobs import job_failed_handler
from dash_app.panels.run import render_run
from dash_app.panels.scenario_form import scenario_form, scenario_problems
from dash_app.state import scenario_folder, unit_of_work
from dash_app.urlstate import read_id, url_state

dash.register_page(__name__, path="/allocation", name="Allocation", title="chainplan")

RUN_STORE = writes("allocation-run", "run")


def layout(lang: str | None = None, scenario: str | None = None, run: str | None = None, year: str | None = None,
           **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    may_run = allowed(current_role(), "run")
    options = scenario_options(lang)
    chosen = chosen_scenario(options, scenario)
    run_id = read_id(run)
    # The chosen scenario's values and the run are rendered here, not by the first callbacks: one round trip less.
    values, description = _scenario_values(chosen, lang)
    return html.Div([
        header(lang, "/allocation", {"year": chosen_year, "scenario": chosen, "run": run_id}),
        dcc.Location(id="allocation-url", refresh=False),
        dcc.Store(id="allocation-lang", data=lang),
        dcc.Store(id=RUN_STORE, data=run_id),
        html.H2(t("allocation", lang)),
        html.P(t("allocation_intro", lang)),
        None if may_run else html.P(t("run_only_planner", lang), id="run-not-allowed"),
        html.Label([t("scenario", lang), dropdown(lang, options, chosen, "scenario-select", clearable=False)],
                   className="cp-picker"),
        html.Div(description, id="scenario-description", className="cp-muted cp-description"),
        # Run right after the scenario (two Tab stops from the skip link, not forty), kept in view over the knobs.
        html.Div([
            html.Div([
                html.Div([
                    dbc.Button(t("run_button", lang), id="run-button", disabled=not may_run,
                               style={"fontWeight": 600}),
                    dbc.Button(t("cancel_button", lang), id="cancel-button", disabled=True, color="secondary",
                               outline=True),
                ], className="cp-buttons"),
                html.Div([html.Span(id="run-progress"), html.Div(id="run-message")], id="run-status",
                         role="status", **{"aria-live": "polite"}),
            ], className="cp-sticky-actions"),
            scenario_form(lang, may_run, values),
        ]),
        html.Div(_run_panel(run_id, lang, chosen_year), id="run-result"),
    ])


@callback(
    Output({"type": "knob", "key": ALL}, "value"), Output("scenario-description", "children"),
    Input("scenario-select", "value"), State({"type": "knob", "key": ALL}, "id"), State("allocation-lang", "data"),
    prevent_initial_call=True,
)
def fill_form(key: str | None, ids: list[dict[str, str]], lang: str | None) -> tuple[list[Any], Any]:
    """The form shows the newly chosen scenario's values."""
    values, description = _scenario_values(key, language(lang))
    if not values:
        return [dash.no_update] * len(ids), description
    return [values.get(item["key"]) for item in ids], description


def _scenario_values(key: str | None, lang: str) -> tuple[dict[str, Any], Any]:
    """The form's values for the scenario ``key`` names and its description (or the problems reading it)."""
    if not key:
        return {}, ""
    try:
        scenario = services.scenario_for(unit_of_work(), key, scenario_folder())
    except ScenarioError as exc:
        return {}, html.Span(scenario_problems(exc, lang), className="cp-error")
    return form_values(scenario, lang), scenario.summary(lang)


def _elapsed(lang: str, stage: str, seconds: float) -> str:
    return f"{t(stage, lang)} {format_number(seconds, lang, 1)} s"


@callback(
    Output(RUN_STORE, "data"), Output("run-message", "children"),
    Input("run-button", "n_clicks"),
    State("scenario-select", "value"), State({"type": "knob", "key": ALL}, "value"),
    State({"type": "knob", "key": ALL}, "id"), State("value-of-money", "value"), State("allocation-lang", "data"),
    State("year-select", "value"),
    background=True,
    interval=250,  # how often the page asks for progress and the result (ms): a demo solve takes half a second
    running=[(Output("run-button", "disabled"), True, False), (Output("cancel-button", "disabled"), False, True)],
    progress=[Output("run-progress", "children")],
    progress_default=[""],
    cancel=[Input("cancel-button", "n_clicks")],
    on_error=job_failed_handler("allocation-lang", outputs=2),  # a job that died or cannot be followed says so
    prevent_initial_call=True,
)
def run(set_progress: Callable[[str], None], _clicks: int | None, key: str | None, values: list[Any],
        ids: list[dict[str, str]], value_of_money: list[str] | None, lang: str | None,
        year: int | str | None = None) -> tuple[Any, Any]:
    """Solve in this background process and store the run; progress every half second. A scenario that names no
    year of its own runs on the year chosen in the header."""
    lang = language(lang)
    user = require_in_job("run")  # the guard refused a forged request already; this is the write's own check
    db_url = job_identity().get("db_url")
    typed = {i["key"]: v for i, v in zip(ids, values, strict=True)}
    try:
        base = services.scenario_for(unit_of_work(db_url), key or "", scenario_folder())
        scenario = scenario_with_changes(base, form_changes(typed))
        header_year = read_id(year)
        if scenario.year is None and header_year is not None:
            scenario = scenario.model_copy(update={"year": header_year})
    except ScenarioError as exc:
        return dash.no_update, html.Div(scenario_problems(exc, lang, typed), className="cp-error")
    outcome: dict[str, Any] = {}

    def solve() -> None:
        try:
            outcome["run"] = services.run_allocation(unit_of_work(db_url), scenario, by=user,
                                                     marginal_values=bool(value_of_money))
        except ScenarioError as exc:  # the scenario does not fit the data (an unknown line, a missing level)
            outcome["problem"] = exc
        except Exception as exc:  # shown to the planner, never a blank page
            outcome["error"] = exc

    started = time.perf_counter()
    worker = threading.Thread(target=solve, daemon=True)
    worker.start()
    while worker.is_alive():
        set_progress(_elapsed(lang, "solving", time.perf_counter() - started))
        worker.join(0.5)
    if "problem" in outcome:
        return dash.no_update, html.Div(scenario_problems(outcome["problem"], lang), className="cp-error")
    if "error" in outcome:
        return dash.no_update, html.Div(f"{t('run_failed', lang)}: {text_of(outcome['error'], lang)}",
                                        className="cp-error")
    stored = outcome["run"]
    seconds = format_number(time.perf_counter() - started, lang, 1)
    message = t("run_done", lang).format(run=stored.run_id, status=term("status", stored.result.status, lang),
                                         seconds=seconds)
    return stored.run_id, html.Span(message, id="run-done")


@callback(Output("run-message", "children", allow_duplicate=True), Input("cancel-button", "n_clicks"),
          State("allocation-lang", "data"), prevent_initial_call=True)
def cancelled(_clicks: int | None, lang: str | None) -> str:
    return t("run_cancelled", language(lang))


@callback(Output("allocation-url", "search", allow_duplicate=True),
          Output("language-switch", "href", allow_duplicate=True), Input("scenario-select", "value"),
          State(RUN_STORE, "data"), State("allocation-lang", "data"), State("year-select", "value"),
          prevent_initial_call=True)
def remember_scenario(key: str | None, run_id: int | None, lang: str | None, year: int | None) -> tuple[str, str]:
    return url_state("/allocation", language(lang), year=year, scenario=key, run=run_id)


@callback(Output("run-result", "children"), Output("allocation-url", "search"),
          Output("language-switch", "href", allow_duplicate=True), Output("scenario-select", "options"),
          Input(RUN_STORE, "data"), State("scenario-select", "value"), State("allocation-lang", "data"),
          State("year-select", "value"), prevent_initial_call=True)
def show(run_id: int | None, key: str | None, lang: str | None, year: int | None) -> tuple[Any, str, str, Any]:
    """A newly stored run, its id in the URL, and the scenario list with the new run's scenario in it."""
    lang = language(lang)
    return (_run_panel(run_id, lang, year), *url_state("/allocation", lang, year=year, scenario=key, run=run_id),
            scenario_options(lang))


def _run_panel(run_id: int | None, lang: str, year: int | None = None) -> Any:
    if not run_id:
        return html.P(t("no_run_yet", lang), id="run-empty")
    try:
        stored, view = services.allocation_view(unit_of_work(), int(run_id))
    except UnknownRun as exc:
        return html.P(exc.message(lang), className="cp-error", id="run-empty")
    return render_run(stored, view, lang, year=year)
