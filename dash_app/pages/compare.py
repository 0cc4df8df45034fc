"""Compare 2 to 5 stored runs side by side, and download the committee pack and the printable report."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from chainplan import services
from chainplan.compare import MAX_RUNS, MIN_RUNS
from dash_app.components import dropdown, header, page_year, run_title
from dash_app.i18n import language, t
from dash_app.panels.comparison import render_comparison
from dash_app.state import unit_of_work
from dash_app.urlstate import read_ids, url_state

dash.register_page(__name__, path="/compare", name="Compare", title="chainplan")



def _run_options(lang: str) -> list[dict[str, Any]]:
    options = []
    for run in services.runs_overview(unit_of_work()):
        when = dt.datetime.fromisoformat(run["created_at"]).strftime("%d/%m/%Y %H:%M" if lang == "vi"
                                                                      else "%Y-%m-%d %H:%M")
        options.append({"label": f"{t('run', lang)} {run['run_id']} — {run_title(run, lang)} ({when})",
                        "value": run["run_id"]})
    return options


def layout(lang: str | None = None, runs: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    options = _run_options(lang)
    known = {o["value"] for o in options}
    chosen = [i for i in read_ids(runs) if i in known][:MAX_RUNS]
    return html.Div([
        header(lang, "/compare", {"year": chosen_year, "runs": chosen}),
        dcc.Location(id="compare-url", refresh=False),
        dcc.Store(id="compare-lang", data=lang),
        html.H2(t("compare", lang)),
        html.Label([t("compare_pick", lang), dropdown(lang, options, chosen, "compare-runs", multi=True)]),
        html.Div([
            dbc.Button(t("download_pack", lang), id="download-pack"),
            dbc.Button(t("download_report", lang), id="download-report"),
        ], className="cp-buttons"),
        dcc.Download(id="pack-file"), dcc.Download(id="report-file"),
        html.Div(id="compare-panel"),
    ])


@callback(Output("compare-panel", "children"), Output("compare-url", "search"),
          Output("language-switch", "href", allow_duplicate=True),
          Input("compare-runs", "value"), State("compare-lang", "data"), State("year-select", "value"),
          prevent_initial_call="initial_duplicate")
def show(run_ids: list[int] | None, lang: str | None, year: int | None) -> tuple[Any, str, str]:
    lang = language(lang)
    ids = list(run_ids or [])
    search, switch = url_state("/compare", lang, year=year, runs=ids)
    if len(ids) < MIN_RUNS:
        return html.P(t("compare_pick", lang), id="compare-empty"), search, switch
    if len(ids) > MAX_RUNS:
        return html.P(t("compare_too_many", lang), id="compare-empty", className="cp-error"), search, switch
    return render_comparison(services.comparison_view(unit_of_work(), ids), lang), search, switch


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
