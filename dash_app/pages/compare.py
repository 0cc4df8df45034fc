"""Compare 2 to 5 stored runs side by side, and download the committee pack and the printable report."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import dash
import dash_ag_grid as dag
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from chainplan import services
from chainplan.compare import MAX_RUNS, MIN_RUNS
from chainplan.io.pack import display_name, label
from chainplan.money import format_money, format_number
from dash_app.components import dropdown, header
from dash_app.i18n import grid_locale, language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/compare", name="Compare", title="chainplan")

MONEY = {"funded_vnd", "amount_vnd", "available", "used", "vnd_per_unit"}


def _run_options(lang: str) -> list[dict[str, Any]]:
    options = []
    for run in services.runs_overview(unit_of_work()):
        when = dt.datetime.fromisoformat(run["created_at"]).strftime("%d/%m/%Y %H:%M" if lang == "vi"
                                                                      else "%Y-%m-%d %H:%M")
        options.append({"label": f"{t('run', lang)} {run['run_id']} — {run['scenario']} ({when})",
                        "value": run["run_id"]})
    return options


def _parse_ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


def layout(lang: str | None = None, runs: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    options = _run_options(lang)
    known = {o["value"] for o in options}
    chosen = [i for i in _parse_ids(runs) if i in known][:MAX_RUNS]
    query = {"runs": ",".join(map(str, chosen))} if chosen else {}
    return html.Div([
        header(lang, "/compare", query),
        dcc.Location(id="compare-url", refresh=False),
        dcc.Store(id="compare-lang", data=lang),
        html.H2(t("compare", lang)),
        html.Label([t("compare_pick", lang), dropdown(lang, options, chosen, "compare-runs", multi=True)]),
        html.Div([
            html.Button(t("download_pack", lang), id="download-pack"),
            html.Button(t("download_report", lang), id="download-report"),
        ], style={"display": "flex", "flexWrap": "wrap", "gap": "0.5rem", "margin": "0.75rem 0"}),
        dcc.Download(id="pack-file"), dcc.Download(id="report-file"),
        html.Div(id="compare-panel"),
    ])


def _grid(grid_id: str, frame: pd.DataFrame, lang: str, height: str = "auto", *,
          money: set[str] | None = None) -> dag.AgGrid:
    money_columns = MONEY | (money or set())
    columns = []
    for column in frame.columns:
        wide = str(column) in money_columns or str(column) in ("scenario", "target", "outcome")
        definition: dict[str, Any] = {"field": str(column), "headerName": label(str(column), lang),
                                      "filter": "agTextColumnFilter", "flex": 2 if str(column) in ("target", "outcome")
                                      else 1, "minWidth": 170 if wide else 100}
        columns.append(definition)
    rows = []
    for record in frame.to_dict("records"):
        row = {}
        for key, value in record.items():
            if key in ("target", "outcome", "status"):
                value = display_name(str(value), lang)
            elif key in money_columns and value is not None and value == value:
                value = format_money(float(value), lang)
            elif isinstance(value, float):
                value = None if value != value else format_number(value, lang, 3)
            elif isinstance(value, bool):
                value = t("yes" if value else "no", lang)
            elif isinstance(value, list):
                value = ", ".join(map(str, value))
            row[str(key)] = value
        rows.append(row)
    style = {"width": "100%", "height": height} if height != "auto" else {"width": "100%"}
    options: dict[str, Any] = {"localeText": grid_locale(lang)}
    if height == "auto":
        options["domLayout"] = "autoHeight"
    return dag.AgGrid(id=grid_id, columnDefs=columns, rowData=rows, dashGridOptions=options, style=style,
                      defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True,
                                     "autoHeaderHeight": True}, className="ag-theme-alpine")


@callback(Output("compare-panel", "children"), Output("compare-url", "search"),
          Input("compare-runs", "value"), State("compare-lang", "data"))
def show(run_ids: list[int] | None, lang: str | None) -> tuple[Any, str]:
    lang = language(lang)
    ids = list(run_ids or [])
    search = f"?lang={lang}" + (f"&runs={','.join(map(str, ids))}" if ids else "")
    if len(ids) < MIN_RUNS:
        return html.P(t("compare_pick", lang), id="compare-empty"), search
    if len(ids) > MAX_RUNS:
        return html.P(t("compare_too_many", lang), id="compare-empty", style={"color": "#b00020"}), search
    comparison = services.compare(unit_of_work(), ids)
    summary = comparison.runs[["run_id", "scenario", "status", "objective", "total_benefit", "funded_plans",
                               "funded_vnd", "targets_met", "regions_funded", "gini", "largest_region_share"]]
    targets = comparison.targets.pivot_table(index="target", columns="run_id", values="achieved", aggfunc="first",
                                             sort=False)
    targets.columns = [f"{t('run', lang)} {c}" for c in targets.columns]
    targets = comparison.targets.drop_duplicates("target").set_index("target")[["min", "max"]].join(targets) \
        .reset_index()
    differing = comparison.plans[comparison.plans["funded_in"].map(len) < len(ids)]
    cost = comparison.cost_per_outcome.pivot_table(index="outcome", columns="run_id", values="vnd_per_unit",
                                                   aggfunc="first", sort=False)
    cost.columns = [f"{t('run', lang)} {c}" for c in cost.columns]
    warnings = [html.P(w, style={"color": "#8a5a00"}) for w in comparison.warnings]
    return html.Div([
        *warnings,
        html.H3(label("summary", lang)), _grid("compare-summary", summary, lang),
        html.H3(label("targets", lang)), _grid("compare-targets", targets, lang),
        html.H3(t("plans_differ", lang)), _grid("compare-plans", differing, lang, "300px"),
        html.H3(label("cost_per_outcome", lang)),
        _grid("compare-cost", cost.reset_index(), lang, money=set(cost.columns)),
    ]), search


def _download(ids: list[int] | None, lang: str | None, suffix: str) -> Any:
    lang = language(lang)
    if not ids or not MIN_RUNS <= len(ids) <= MAX_RUNS:
        return dash.no_update
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"chainplan-{'-'.join(map(str, ids))}{suffix}"
        if suffix == ".xlsx":
            services.compare(unit_of_work(), list(ids), out=path, lang=lang)
        else:
            services.compare(unit_of_work(), list(ids), report=path, lang=lang)
        return dcc.send_bytes(path.read_bytes(), path.name)


@callback(Output("pack-file", "data"), Input("download-pack", "n_clicks"), State("compare-runs", "value"),
          State("compare-lang", "data"), prevent_initial_call=True)
def download_pack(_clicks: int | None, ids: list[int] | None, lang: str | None) -> Any:
    return _download(ids, lang, ".xlsx")


@callback(Output("report-file", "data"), Input("download-report", "n_clicks"), State("compare-runs", "value"),
          State("compare-lang", "data"), prevent_initial_call=True)
def download_report(_clicks: int | None, ids: list[int] | None, lang: str | None) -> Any:
    return _download(ids, lang, ".html")
