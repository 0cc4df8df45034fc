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
from chainplan.io.pack import display_name, label
from chainplan.money import format_money, format_number
from chainplan.runview import names_of
from dash_app.components import Column, dropdown, grid, header, table
from dash_app.figures import target_amount
from dash_app.forms import SHARE_TARGETS
from dash_app.i18n import language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/compare", name="Compare", title="chainplan")



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
            dbc.Button(t("download_pack", lang), id="download-pack"),
            dbc.Button(t("download_report", lang), id="download-report"),
        ], className="cp-buttons"),
        dcc.Download(id="pack-file"), dcc.Download(id="report-file"),
        html.Div(id="compare-panel"),
    ])


@callback(Output("compare-panel", "children"), Output("compare-url", "search"),
          Input("compare-runs", "value"), State("compare-lang", "data"))
def show(run_ids: list[int] | None, lang: str | None) -> tuple[Any, str]:
    lang = language(lang)
    ids = list(run_ids or [])
    search = f"?lang={lang}" + (f"&runs={','.join(map(str, ids))}" if ids else "")
    if len(ids) < MIN_RUNS:
        return html.P(t("compare_pick", lang), id="compare-empty"), search
    if len(ids) > MAX_RUNS:
        return html.P(t("compare_too_many", lang), id="compare-empty", className="cp-error"), search
    comparison = services.compare(unit_of_work(), ids)
    names = names_of(services.load_dataset(unit_of_work()))
    run_label = {i: f"{t('run', lang)} {i}" for i in ids}
    summary = [{**row, "status": display_name(str(row["status"]), lang)}
               for row in comparison.runs.to_dict("records")]
    targets: dict[str, dict[str, Any]] = {}
    for row in comparison.targets.to_dict("records"):
        entry = targets.setdefault(row["target"], {"target": display_name(row["target"], lang),
                                                   "share": row["target"] in SHARE_TARGETS,
                                                   "min": _plain(row["min"]), "max": _plain(row["max"])})
        entry[f"run:{row['run_id']}"] = _plain(row["achieved"])
    differing = comparison.plans[comparison.plans["funded_in"].map(len) < len(ids)]
    plans = [{"plan_code": row["plan_code"], "product": names.product(row["product_code"]),
              "organization": names.organization(names.plan_organization.get(row["plan_code"])),
              "region": names.region(row["region_code"]), "amount_vnd": row["amount_vnd"],
              "funded_in": ", ".join(run_label.get(i, str(i)) for i in row["funded_in"])}
             for row in differing.to_dict("records")]
    cost: dict[str, dict[str, Any]] = {}
    for row in comparison.cost_per_outcome.to_dict("records"):
        entry = cost.setdefault(row["outcome"], {"outcome": display_name(row["outcome"], lang)})
        entry[f"run:{row['run_id']}"] = _plain(row["vnd_per_unit"])
    per_run = [Column(f"run:{i}", run_label[i], "number", 110) for i in ids]
    warnings = [html.P(w, className="cp-warning") for w in comparison.warnings]
    return html.Div([
        *warnings,
        # At most five runs and seven targets: plain tables (an AG Grid costs a fifth of a second to draw).
        html.H3(label("summary", lang)),
        table([label(key, lang) for key in SUMMARY],
              [[_summary_cell(key, row, lang) for key in SUMMARY] for row in summary], "compare-summary"),
        html.H3(label("targets", lang)),
        table([label("target", lang), label("min", lang), label("max", lang), *(run_label[i] for i in ids)],
              [[row["target"], *(target_amount(row.get(key), lang, share=row["share"])
                                 for key in ("min", "max", *(f"run:{i}" for i in ids)))]
               for row in targets.values()], "compare-targets"),
        html.H3(t("plans_differ", lang)),
        grid("compare-plans", [Column("plan_code", t("plan", lang), width=90),
                               Column("product", t("product", lang), width=200, flex=2),
                               Column("organization", t("organization", lang), width=200, flex=2),
                               Column("region", t("region", lang), width=130),
                               Column("amount_vnd", label("amount_vnd", lang), "money", 160),
                               Column("funded_in", label("funded_in", lang), width=140)],
             plans, lang, height="320px", csv_name=f"compare-{'-'.join(map(str, ids))}-plans.csv"),
        html.H3(label("cost_per_outcome", lang)),
        html.P(t("cost_per_outcome_hint", lang)),
        grid("compare-cost", [Column("outcome", label("outcome", lang), width=220, flex=2),
                              *[Column(c.field, c.header, "money", 150) for c in per_run]],
             list(cost.values()), lang),
    ]), search


SUMMARY = ("run_id", "scenario", "status", "total_benefit", "funded_plans", "funded_vnd", "targets_met",
           "regions_funded", "gini", "largest_region_share")


def _summary_cell(key: str, row: dict[str, Any], lang: str) -> str:
    value = row[key]
    if key == "funded_vnd":
        return format_money(int(value), lang)
    if key == "largest_region_share":
        return f"{format_number(float(value) * 100, lang, 1)} %"
    if key in ("total_benefit", "gini"):
        return format_number(float(value), lang, 3 if key == "gini" else 2)
    return str(value)


def _plain(value: Any) -> Any:
    """A frame's value for a grid cell: ``None`` for a missing number (NaN)."""
    return None if isinstance(value, float) and value != value else value


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
