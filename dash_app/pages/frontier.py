"""Frontier and risk: what more or less money buys (a full, checked solve per budget level), and how sure a stored
run's targets are when each funded plan succeeds only with its probability (seeded Monte Carlo)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from chainplan import services
from chainplan.allocation.wording import target_name
from chainplan.decisions import UnknownRun
from chainplan.money import format_money, format_number
from chainplan.risk import RiskRefused
from chainplan.scenario import ScenarioError
from chainplan.sweep import SweepRefused
from chainplan.users import allowed
from chainplan.wording import term
from dash_app.auth import current_role, job_identity, require_in_job, writes
from dash_app.components import (
    Column,
    band_chart,
    chosen_scenario,
    dropdown,
    grid,
    header,
    page_year,
    run_title,
    scenario_options,
    scenario_problems,
    table,
)
from dash_app.figures import SIMPLE_CHART, frontier_figure, risk_bands, risk_rows
from dash_app.forms import typed_number
from dash_app.i18n import language, t
from dash_app.jobs import job_failed_handler
from dash_app.state import scenario_folder, unit_of_work
from dash_app.urlstate import read_id, url_state

dash.register_page(__name__, path="/frontier", name="Frontier", title="chainplan")

FRONTIER_STORE = writes("frontier-result", "run")
#: The most draws a page may ask for: 100,000 take about a third of a second.
MAX_DRAWS = 100_000
MAX_STEPS = 41



def _run_options(lang: str) -> list[dict[str, Any]]:
    options = []
    for run in services.runs_overview(unit_of_work()):
        status = term("status", run["status"], lang)
        options.append({"label": f"{t('run', lang)} {run['run_id']} — {run_title(run, lang)} ({status})",
                        "value": run["run_id"]})
    return options


def layout(lang: str | None = None, scenario: str | None = None, run: str | None = None, year: str | None = None,
           **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    may_run = allowed(current_role(), "run")
    scenarios = scenario_options(lang)
    chosen = chosen_scenario(scenarios, scenario)
    runs = _run_options(lang)
    asked = read_id(run)
    run_id = asked if asked in {o["value"] for o in runs} else (runs[0]["value"] if runs else None)
    return html.Div([
        header(lang, "/frontier", {"year": chosen_year, "scenario": chosen, "run": run_id}),
        dcc.Location(id="frontier-url", refresh=False),
        dcc.Store(id="frontier-lang", data=lang),
        dcc.Store(id=FRONTIER_STORE),
        html.H2(t("frontier_title", lang)),
        html.P(t("frontier_intro", lang)),
        None if may_run else html.P(t("frontier_only_planner", lang), id="frontier-not-allowed"),
        html.Div([
            html.Label([t("scenario", lang), dropdown(lang, scenarios, chosen, "frontier-scenario", clearable=False)],
                       className="cp-field cp-field-widest"),
            # Text fields read on the server: a browser's number field sends nothing for 52,5 or misreads it.
            html.Label([t("frontier_from", lang), dcc.Input(id="frontier-from", type="text", inputMode="decimal",
                                                            value="50", disabled=not may_run)], className="cp-field"),
            html.Label([t("frontier_to", lang), dcc.Input(id="frontier-to", type="text", inputMode="decimal",
                                                          value="150", disabled=not may_run)], className="cp-field"),
            html.Label([t("frontier_steps", lang), dcc.Input(id="frontier-steps", type="text", inputMode="numeric",
                                                             value="11", disabled=not may_run)],
                       className="cp-field"),
        ], className="cp-row"),
        html.Div([dbc.Button(t("frontier_button", lang), id="frontier-button", disabled=not may_run),
                  dbc.Button(t("cancel_button", lang), id="frontier-cancel", disabled=True, color="secondary",
                             outline=True)],
                 className="cp-buttons"),
        html.Div([html.Span(id="frontier-progress"), html.Div(id="frontier-message")], id="frontier-status",
                 role="status"),
        html.Div(id="frontier-panel"),
        html.H2(t("risk_title", lang)),
        html.P(t("risk_intro", lang)),
        html.Div([
            html.Label([t("run", lang), dropdown(lang, runs, run_id, "risk-run", clearable=False)],
                       className="cp-field cp-field-widest"),
            html.Label([t("risk_draws", lang), dcc.Input(id="risk-draws", type="text", inputMode="numeric",
                                                         value="10000", debounce=True)], className="cp-field"),
            html.Label([t("risk_seed", lang), dcc.Input(id="risk-seed", type="text", inputMode="numeric", value="0",
                                                        debounce=True)], className="cp-field"),
        ], className="cp-row"),
        html.Div(id="risk-panel"),
    ])


@callback(
    Output(FRONTIER_STORE, "data"), Output("frontier-message", "children"),
    Input("frontier-button", "n_clicks"),
    State("frontier-scenario", "value"), State("frontier-from", "value"), State("frontier-to", "value"),
    State("frontier-steps", "value"), State("frontier-lang", "data"),
    background=True,
    interval=500,  # progress every half second
    running=[(Output("frontier-button", "disabled"), True, False),
             (Output("frontier-cancel", "disabled"), False, True)],
    progress=[Output("frontier-progress", "children")], progress_default=[""],
    cancel=[Input("frontier-cancel", "n_clicks")],
    on_error=job_failed_handler("frontier-lang", outputs=2),  # a job that died or cannot be followed says so
    prevent_initial_call=True,
)
def compute_frontier(set_progress: Callable[[str], None], _clicks: int | None, key: str | None,
                     start_typed: str | None, stop_typed: str | None, steps_typed: str | None, lang: str | None
                     ) -> tuple[Any, Any]:
    """Each budget level is a full solve, checked in whole VND; a process pool uses both cores."""
    lang = language(lang)
    require_in_job("run")
    db_url = job_identity().get("db_url")
    start, stop = typed_number(start_typed), typed_number(stop_typed)
    steps = typed_number(steps_typed, whole=True)
    if (start is None or stop is None or steps is None or not 2 <= steps <= MAX_STEPS
            or not 0 <= start <= stop):  # said here in the page's words, not the CLI's
        return dash.no_update, html.Span(t("frontier_bad_range", lang).format(most=MAX_STEPS), className="cp-error")
    try:
        scenario = services.scenario_for(unit_of_work(db_url), key or "", scenario_folder())

        def progress(done: int, total: int) -> None:
            set_progress(t("frontier_progress", lang).format(done=format_number(done, lang, 0),
                                                             total=format_number(total, lang, 0)))

        result = services.budget_frontier(unit_of_work(db_url), scenario, start=float(start) / 100,
                                          stop=float(stop) / 100, steps=int(steps), progress=progress)
    except ScenarioError as exc:
        return dash.no_update, html.Div(scenario_problems(exc, lang), className="cp-error")
    except SweepRefused as exc:
        return dash.no_update, html.Span(exc.message(lang), className="cp-error")
    minimums = {name: (bound or {}).get("min") for name, bound in scenario.targets.model_dump().items()}
    done = t("frontier_done", lang).format(points=format_number(len(result.points), lang, 0))
    return {"points": result.points, "reachable_at": result.reachable_at, "minimums": minimums,
            "scenario": scenario.name}, html.Span(done, id="frontier-done")


@callback(Output("frontier-panel", "children"), Input(FRONTIER_STORE, "data"), State("frontier-lang", "data"))
def show_frontier(data: dict[str, Any] | None, lang: str | None) -> Any:
    lang = language(lang)
    if not data:
        return html.P(t("frontier_empty", lang), id="frontier-empty")
    points = data["points"]
    rows = [{"budget_scale": p["budget_scale"], "budget_vnd": p["budget_vnd"], "status": term("status", p['status'],
                                                                                            lang),
             "total_benefit": p["total_benefit"], "funded_plans": p["funded_plans"], "funded_vnd": p["funded_vnd"],
             "targets_met": sum(1 for met in p["targets_met"].values() if met)} for p in points]
    reach = [html.Li(f"{target_name(name, lang)}: " + (
        t("reachable_from", lang).format(money=format_money(_budget_at(points, scale), lang))
        if scale is not None else t("not_reachable", lang))) for name, scale in data["reachable_at"].items()]
    return html.Div([
        dcc.Graph(id="frontier-graph", figure=frontier_figure(points, data["minimums"], lang), config=SIMPLE_CHART),
        html.H3(t("reachable_title", lang)), html.Ul(reach, id="frontier-reachable"),
        grid("frontier-table", [Column("budget_scale", t("budget_scale_short", lang), "percent", 90, digits=0),
                                Column("budget_vnd", t("budget", lang), "money", 160),
                                Column("status", t("status", lang), width=110),
                                Column("total_benefit", t("total_benefit", lang), "number", 120),
                                Column("funded_plans", t("funded_plans", lang), "number", 100, digits=0),
                                Column("funded_vnd", t("funded_money", lang), "money", 160),
                                Column("targets_met", t("targets_met", lang), "number", 100, digits=0)],
             rows, lang, csv_name=f"frontier-{data['scenario']}.csv"),
    ])


def _budget_at(points: list[dict[str, Any]], scale: float) -> int:
    return next(int(p["budget_vnd"]) for p in points if p["budget_scale"] == scale)


@callback(Output("risk-panel", "children"), Output("frontier-url", "search"),
          Output("language-switch", "href", allow_duplicate=True),
          Input("risk-run", "value"), Input("risk-draws", "value"), Input("risk-seed", "value"),
          State("frontier-scenario", "value"), State("frontier-lang", "data"), State("year-select", "value"),
          prevent_initial_call="initial_duplicate")
def show_risk(run_id: int | None, draws_typed: str | None, seed_typed: str | None, key: str | None,
              lang: str | None, year: int | None) -> tuple[Any, str, str]:
    lang = language(lang)
    search, switch = url_state("/frontier", lang, year=year, scenario=key, run=run_id)
    if not run_id:
        return html.P(t("risk_no_runs", lang), id="risk-empty"), search, switch
    draws, seed = typed_number(draws_typed, whole=True), typed_number(seed_typed, whole=True)
    if draws is None or not 100 <= draws <= MAX_DRAWS or seed is None or seed < 0:
        return html.P(t("risk_bad_draws", lang).format(most=format_number(MAX_DRAWS, lang, 0)), className="cp-error",
                      id="risk-empty"), search, switch
    try:
        risk = services.run_risk(unit_of_work(), int(run_id), draws=int(draws), seed=int(seed), workers=1)
    except (RiskRefused, UnknownRun) as exc:
        return html.P(exc.message(lang), className="cp-error", id="risk-empty"), search, switch
    benefit = risk["benefit"]
    summary = t("risk_benefit", lang).format(
        p10=format_number(benefit["p10"], lang, 1), p50=format_number(benefit["p50"], lang, 1),
        p90=format_number(benefit["p90"], lang, 1), draws=format_number(risk["draws"], lang, 0))
    return html.Div([
        # Bands in HTML: the page opens without plotly, which loads only when a frontier is computed.
        band_chart(t("risk_bands", lang), risk_bands(risk, lang), lang, "risk-graph"),
        html.P(summary, id="risk-benefit"),
        # At most seven targets: a plain table (an AG Grid costs a fifth of a second to draw).
        table([t("target", lang), t("target_min", lang), "P10", "P50", "P90", t("mean", lang), t("chance_met", lang)],
              [[row["target"], *(format_number(row[k], lang, 2) if row[k] is not None else "" for k in
                                 ("min", "p10", "p50", "p90", "mean")),
                f"{format_number(row['prob_met'] * 100, lang, 1)} %"] for row in risk_rows(risk, lang)],
              "risk-table", empty=t("no_targets", lang)),
    ]), search, switch
