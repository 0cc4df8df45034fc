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
from chainplan.io.pack import display_name
from chainplan.money import format_money, format_number
from chainplan.scenario import ScenarioError, scenario_with_changes
from chainplan.users import allowed
from chainplan.wording import term, text
from dash_app.auth import current_role, job_identity, require_in_job, writes
from dash_app.components import Column, card, chosen_scenario, dropdown, grid, header, scenario_options, table
from dash_app.figures import target_amount
from dash_app.forms import SHARE_TARGETS, TARGETS, WEIGHTS, form_changes, form_values, knob_rule
from dash_app.i18n import language, t
from dash_app.state import scenario_folder, unit_of_work

dash.register_page(__name__, path="/allocation", name="Allocation", title="chainplan")

RUN_STORE = writes("allocation-run", "run")


def _knob(key: str) -> dict[str, str]:
    return {"type": "knob", "key": key}


def _form(lang: str, may_run: bool, values: dict[str, Any]) -> html.Div:
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
            dcc.Checklist([{"label": t("one_plan_per_product", lang), "value": "yes"}],
                          values.get("one_plan_per_product", []), id=_knob("one_plan_per_product"),
                          inputStyle={"marginRight": "0.4rem"}),
        ]),
        html.Details([html.Summary(t("weights", lang)), html.Div(weights, className="cp-row")]),
        html.Details([html.Summary(t("targets_form", lang)), html.P(t("targets_hint", lang)), *targets,
                      html.Div([
                          html.Label([t("target_mode", lang), dcc.RadioItems(
                              [{"label": t("target_mode_soft", lang), "value": "soft"},
                               {"label": t("target_mode_hard", lang), "value": "hard"}],
                              values.get("target_mode", "soft"),
                              id=_knob("target_mode"), inline=True, inputStyle={"margin": "0 0.3rem 0 0.8rem"})],
                                     className="cp-field")], className="cp-row")], open=True),
        html.Details([html.Summary(t("solver_settings", lang)), html.Div([
            html.Label([t("solver", lang), dcc.RadioItems(["highs", "cbc"], values.get("solver", "highs"),
                                                           id=_knob("solver"), inline=True,
                                                           inputStyle={"margin": "0 0.3rem 0 0.8rem"})],
                       className="cp-field"),
            _number_field("time_limit_s", t("time_limit", lang), disabled=off),
            dcc.Checklist([{"label": t("value_of_money_ask", lang), "value": "yes"}], [], id="value-of-money",
                          inputStyle={"marginRight": "0.4rem"}),
        ], className="cp-row")]),
    ], id="scenario-form")


def layout(lang: str | None = None, scenario: str | None = None, run: str | None = None, **_query: str
           ) -> html.Div:
    lang = language(lang)
    may_run = allowed(current_role(), "run")
    options = scenario_options(lang)
    chosen = chosen_scenario(options, scenario)
    run_id = int(run) if run and run.isdigit() else None
    query = {k: v for k, v in (("scenario", chosen), ("run", run_id)) if v is not None}
    # The chosen scenario's values and the run are rendered here, not by the first callbacks: one round trip less.
    values, description = _scenario_values(chosen, lang)
    return html.Div([
        header(lang, "/allocation", {k: str(v) for k, v in query.items()}),
        dcc.Location(id="allocation-url", refresh=False),
        dcc.Store(id="allocation-lang", data=lang),
        dcc.Store(id=RUN_STORE, data=run_id),
        html.H2(t("allocation", lang)),
        html.P(t("allocation_intro", lang)),
        None if may_run else html.P(t("run_only_planner", lang), id="run-not-allowed"),
        html.Label([t("scenario", lang), dropdown(lang, options, chosen, "scenario-select", clearable=False)],
                   className="cp-picker"),
        html.Div(description, id="scenario-description", className="cp-muted cp-description"),
        _form(lang, may_run, values),
        html.Div([
            dbc.Button(t("run_button", lang), id="run-button", disabled=not may_run,
                        style={"fontWeight": 600}),
            dbc.Button(t("cancel_button", lang), id="cancel-button", disabled=True, color="secondary", outline=True),
        ], className="cp-buttons"),
        html.Div([html.Span(id="run-progress"), html.Div(id="run-message")], id="run-status", role="status",
                 **{"aria-live": "polite"}),
        html.Div(_run_panel(run_id, lang), id="run-result"),
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
        return {}, html.Span(_problems(exc, lang), className="cp-error")
    return form_values(scenario, lang), scenario.description


def _knob_label(key: str, lang: str) -> str:
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


def _problems(exc: ScenarioError, lang: str, typed: dict[str, Any] | None = None) -> list[Any]:
    """Each problem by its key, in the page's language: the knob, what was typed, what the knob accepts."""
    items = []
    for problem in exc.problems:
        key = problem.key or ""
        rule = knob_rule(key)
        if rule is None:  # not a knob of the form (a scenario file or a stored run that cannot be read)
            items.append(html.Li(f"{key or t('scenario', lang)}: {problem.reason}"
                                 + ("" if problem.value is None else f" ({problem.value})")))
            continue
        written = (typed or {}).get(key, problem.value)
        sentence = t("knob_refused" if written not in (None, "") else "knob_refused_blank", lang)
        items.append(html.Li(sentence.format(label=_knob_label(key, lang), key=key, rule=t(rule, lang),
                                             value=written)))
    return [t("scenario_problems", lang), html.Ul(items, id="scenario-problems")]


def _elapsed(lang: str, stage: str, seconds: float) -> str:
    return f"{t(stage, lang)} {format_number(seconds, lang, 1)} s"


@callback(
    Output(RUN_STORE, "data"), Output("run-message", "children"),
    Input("run-button", "n_clicks"),
    State("scenario-select", "value"), State({"type": "knob", "key": ALL}, "value"),
    State({"type": "knob", "key": ALL}, "id"), State("value-of-money", "value"), State("allocation-lang", "data"),
    background=True,
    interval=250,  # how often the page asks for progress and the result (ms): a demo solve takes half a second
    running=[(Output("run-button", "disabled"), True, False), (Output("cancel-button", "disabled"), False, True)],
    progress=[Output("run-progress", "children")],
    progress_default=[""],
    cancel=[Input("cancel-button", "n_clicks")],
    prevent_initial_call=True,
)
def run(set_progress: Callable[[str], None], _clicks: int | None, key: str | None, values: list[Any],
        ids: list[dict[str, str]], value_of_money: list[str] | None, lang: str | None) -> tuple[Any, Any]:
    """Solve in this background process and store the run; progress every half second."""
    lang = language(lang)
    user = require_in_job("run")  # the guard refused a forged request already; this is the write's own check
    db_url = job_identity().get("db_url")
    typed = {i["key"]: v for i, v in zip(ids, values, strict=True)}
    try:
        base = services.scenario_for(unit_of_work(db_url), key or "", scenario_folder())
        scenario = scenario_with_changes(base, form_changes(typed))
    except ScenarioError as exc:
        return dash.no_update, html.Div(_problems(exc, lang, typed), className="cp-error")
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
        return dash.no_update, html.Div(_problems(outcome["problem"], lang), className="cp-error")
    if "error" in outcome:
        return dash.no_update, html.Div(f"{t('run_failed', lang)}: {outcome['error']}", className="cp-error")
    stored = outcome["run"]
    seconds = format_number(time.perf_counter() - started, lang, 1)
    message = t("run_done", lang).format(run=stored.run_id, status=term("status", stored.result.status, lang),
                                         seconds=seconds)
    return stored.run_id, html.Span(message, id="run-done")


@callback(Output("run-message", "children", allow_duplicate=True), Input("cancel-button", "n_clicks"),
          State("allocation-lang", "data"), prevent_initial_call=True)
def cancelled(_clicks: int | None, lang: str | None) -> str:
    return t("run_cancelled", language(lang))


def _search(lang: str, key: str | None, run_id: int | None) -> str:
    return f"?lang={lang}" + (f"&scenario={key}" if key else "") + (f"&run={run_id}" if run_id else "")


@callback(Output("allocation-url", "search", allow_duplicate=True), Input("scenario-select", "value"),
          State(RUN_STORE, "data"), State("allocation-lang", "data"), prevent_initial_call=True)
def remember_scenario(key: str | None, run_id: int | None, lang: str | None) -> str:
    return _search(language(lang), key, run_id)


@callback(Output("run-result", "children"), Output("allocation-url", "search"),
          Input(RUN_STORE, "data"), State("scenario-select", "value"), State("allocation-lang", "data"),
          prevent_initial_call=True)
def show(run_id: int | None, key: str | None, lang: str | None) -> tuple[Any, str]:
    """A newly stored run, and its id in the URL."""
    lang = language(lang)
    return _run_panel(run_id, lang), _search(lang, key, run_id)


def _run_panel(run_id: int | None, lang: str) -> Any:
    if not run_id:
        return html.P(t("no_run_yet", lang), id="run-empty")
    try:
        stored, view = services.allocation_view(unit_of_work(), int(run_id))
    except UnknownRun:
        return html.P(text("error.run.unknown", lang, run=run_id), className="cp-error", id="run-empty")
    return render_run(stored, view, lang)


def render_run(stored: Any, view: Any, lang: str) -> html.Div:
    """One stored run for a committee: summary cards, targets, money per line and region, baselines, plans."""
    document = stored.result
    funded = view.plans[view.plans["funded"]]
    rest = view.plans[~view.plans["funded"]]
    met = int(view.targets["met"].fillna(False).astype(bool).sum())
    cards = html.Div([
        card(t("status", lang), term("status", stored.status, lang), "result-status"),
        card(t("funded_plans", lang), format_number(len(funded), lang, 0), "result-funded-plans"),
        card(t("funded_money", lang), format_money(int(funded["total_vnd"].fillna(0).sum()), lang),
             "result-funded-vnd"),
        card(t("total_benefit", lang), format_number(document.get("total_benefit") or 0, lang, 2), "result-benefit"),
        card(t("targets_met", lang), f"{met} / {len(view.targets)}", "result-targets-met"),
    ], className="cp-cards")
    when = stored.created_at.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")
    notes: list[Any] = [html.P(t("run_heading", lang).format(run=stored.id, scenario=stored.scenario_name,
                                                             by=stored.created_by, at=when), id="result-heading")]
    if not view.same_data:
        notes.append(html.P(t("run_other_data", lang), className="cp-warning"))
    for warning in document.get("warnings", []):
        notes.append(html.P(str(warning), className="cp-warning"))
    for diagnosis in document.get("diagnosis", []):
        notes.append(html.P(str(diagnosis.get("message", diagnosis)) if isinstance(diagnosis, dict)
                            else str(diagnosis), className="cp-error"))
    links = html.P([dcc.Link(t("compare_this_run", lang), href=f"/compare?lang={lang}&runs={stored.id}"), " · ",
                    dcc.Link(t("frontier_this_run", lang), href=f"/frontier?lang={lang}&run={stored.id}"), " · ",
                    dcc.Link(t("adopt_this_run", lang), href=f"/decisions?lang={lang}")])
    line_columns = [Column(f"line:{code}", name, "money", 150) for code, name in zip(view.lines["line"],
                                                                                      view.lines["name"],
                                                                                      strict=True)]
    plan_columns = [Column("plan_code", t("plan", lang), width=90), Column("product", t("product", lang), width=200,
                                                                           flex=2),
                    Column("organization", t("organization", lang), width=200, flex=2),
                    Column("region", t("region", lang), width=130), Column("purpose", t("purpose", lang), width=130)]
    said = "explanation_vi" if lang == "vi" else "explanation"
    funded_rows = [{**row, "purpose": term("purpose", row['purpose'], lang), "explanation": row[said]}
                   for row in funded.to_dict("records")]
    rest_rows = [{**row, "purpose": term("purpose", row["purpose"], lang),
                  "reason": term("reason", row["reason"], lang),
                  "explanation": row[said]} for row in rest.to_dict("records")]
    targets = [{"target": display_name(row["target"], lang),
                **{end: target_amount(row[end], lang, share=row["target"] in SHARE_TARGETS)
                   for end in ("min", "max", "achieved")},
                "met": "" if row["met"] is None else term("yes_no", "yes" if row["met"] else "no", lang)}
               for row in view.targets.to_dict("records")]
    baselines = [[term("method", row['method'], lang), format_number(row["objective"] or 0, lang, 2),
                  format_number(row["total_benefit"] or 0, lang, 2), format_number(row["funded_plans"] or 0, lang, 0),
                  format_number(row["targets_met"] or 0, lang, 0), format_number(row["rule_violations"], lang, 0)]
                 for row in view.baselines.to_dict("records")]
    funded_grid = grid("funded-table", [
        *plan_columns, Column("total_vnd", t("funded_money", lang), "money", 150), *line_columns,
        Column("benefit", t("benefit", lang), "number", 100),
        Column("success_probability", t("success_probability", lang), "percent", 100, digits=0),
        Column("explanation", t("explanation", lang), width=320, flex=3)],
        funded_rows, lang, height="420px", csv_name=f"run-{stored.id}-funded.csv")
    unfunded_grid = grid("unfunded-table", [*plan_columns, Column("reason", t("reason", lang), width=180),
                                            Column("explanation", t("explanation", lang), width=360, flex=3)],
                         rest_rows, lang, height="420px", csv_name=f"run-{stored.id}-not-funded.csv")
    money = html.Div([
        html.H3(t("money_by_line", lang)),
        grid("result-lines", [Column("name", t("budget_line", lang), width=220, flex=2),
                              Column("available", t("available", lang), "money", 150),
                              Column("used", t("used", lang), "money", 150),
                              Column("left", t("left", lang), "money", 150),
                              Column("value_of_one_more_billion", t("value_of_money", lang), "number", 140),
                              Column("value_of_money_status", t("value_of_money_status", lang), width=140)],
             [{**row, "value_of_money_status": term("vom", row['value_of_money_status'], lang)}
              for row in view.lines.to_dict("records")], lang),
        html.H3(t("money_by_region", lang)),
        grid("result-regions", [Column("name", t("region", lang), width=160, flex=2),
                                Column("eligible_plans", t("eligible_plans", lang), "number", digits=0),
                                Column("requested_vnd", t("requested", lang), "money", 150),
                                Column("funded_plans", t("funded_plans", lang), "number", digits=0),
                                Column("amount_vnd", t("funded_money", lang), "money", 150),
                                Column("share", t("share", lang), "percent", digits=1)],
             view.regions.to_dict("records"), lang, height="360px"),
    ])
    # Tabs: only the open tab's grid is drawn, so a run opens quickly; the rest draws when its tab is chosen.
    return html.Div([
        *notes, cards, links,
        html.H3(t("targets_form", lang)),
        table([t("target", lang), t("target_min", lang), t("target_max", lang), t("achieved", lang), t("met", lang)],
              [[row["target"], row["min"], row["max"], row["achieved"], row["met"]] for row in targets],
              "result-targets"),
        html.H3(t("baselines", lang)),
        html.P(t("baselines_hint", lang)),
        table([t("method", lang), t("objective", lang), t("total_benefit", lang), t("funded_plans", lang),
               t("targets_met", lang), t("rule_violations", lang)], baselines, "result-baselines"),
        dcc.Tabs([
            dcc.Tab(funded_grid, label=f"{t('funded_plans_title', lang)} ({format_number(len(funded), lang, 0)})",
                    value="funded", id="tab-funded"),
            dcc.Tab(unfunded_grid, label=f"{t('not_funded_title', lang)} ({format_number(len(rest), lang, 0)})",
                    value="unfunded", id="tab-unfunded"),
            dcc.Tab(money, label=t("money_tab", lang), value="money", id="tab-money"),
        ], value="funded", id="result-tabs"),
    ], id="run-view")
