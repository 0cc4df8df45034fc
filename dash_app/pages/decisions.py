"""Decisions: the stored runs with their decision, adopting one (committee), and the append-only decision log.

The runs table shows what a committee weighs (scenario, who ran it, benefit, plans and money funded, targets met);
clicking a run's row chooses it for adoption, and adopting asks for confirmation naming the run and the year.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from chainplan import services
from chainplan.decisions import DecisionRefused, audit_notes, programme_year
from chainplan.users import allowed
from chainplan.wording import Term, term, text
from dash_app.auth import current_role, require, writes
from dash_app.components import Column, dropdown, grid, header, page_year, run_title
from dash_app.i18n import language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/decisions", name="Decisions", title="chainplan")

FEEDBACK = writes("adopt-feedback", "adopt")


def _when(value: str, lang: str) -> str:
    moment = dt.datetime.fromisoformat(value)
    return moment.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M")


def _run_rows(lang: str, year: int | None) -> list[dict[str, Any]]:
    """The runs of the header's year (and those adopted for it): what the committee chooses from for that year."""
    return [{
        "run": r["run_id"], "scenario": run_title(r, lang), "created_at": _when(r["created_at"], lang),
        "run_by": r["created_by"], "status": term("status", r['status'], lang),
        "total_benefit": r["expected_benefit"], "funded_plans": r["funded_plans"], "funded_money": r["funded_vnd"],
        "targets_met": t("targets_met_of", lang).format(met=r["targets_met"], total=r["targets_total"]),
        "decision": "; ".join(text("decision.standing", lang, state=Term("decision", d["state"]), year=str(d["year"]))
                              for d in r["decisions"]),
    } for r in services.runs_overview(unit_of_work(), year=year)]


def _audit_rows(lang: str) -> list[dict[str, Any]]:
    log = services.audit_log(unit_of_work())
    return [{"at": e.at.strftime("%d/%m/%Y %H:%M" if lang == "vi" else "%Y-%m-%d %H:%M"),
             "action": term("action", e.action, lang), "run": e.run_id, "year": e.year, "by": e.by, "note": note}
            for e, note in zip(log, audit_notes(log, lang), strict=True)]


#: A date or a name must not be cut.
WIDTHS = {"created_at": 150, "at": 150, "scenario": 200, "note": 180, "funded_money": 170, "decision": 160}
KINDS = {"run": "id", "year": "id", "funded_plans": "number", "total_benefit": "number", "funded_money": "money"}
DIGITS = {"total_benefit": 1}
RUN_COLUMNS = ["run", "scenario", "run_by", "created_at", "total_benefit", "funded_plans", "funded_money",
               "targets_met", "status", "decision"]


def _grid(grid_id: str, keys: list[str], rows: list[dict[str, Any]], lang: str, height: str,
          row_id: str | None = None) -> Any:
    columns = [Column(key, t(key, lang), KINDS.get(key, "text"), WIDTHS.get(key, 100), digits=DIGITS.get(key, 0),
                      wrap=key in ("scenario", "note", "decision"))
               for key in keys]
    return grid(grid_id, columns, rows, lang, height=height, row_id=row_id)


def layout(lang: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    committee = allowed(current_role(), "adopt")
    runs = _run_rows(lang, chosen_year)
    options = [{"label": f"{t('run', lang)} {r['run']} — {r['scenario']} ({r['created_at']})", "value": r["run"]}
               for r in runs]
    return html.Div([
        header(lang, "/decisions", {"year": chosen_year}),
        dcc.Store(id="decisions-lang", data=lang),
        dcc.Store(id="decisions-year", data=chosen_year),
        html.H2(t("runs", lang)),
        html.P(t("runs_click_hint", lang), className="cp-muted"),
        _grid("runs-table", RUN_COLUMNS, runs, lang, "320px", row_id="run"),
        html.H2(t("adopt", lang)),
        html.P(t("adopt_only_committee", lang), id="adopt-not-allowed") if not committee else None,
        html.Div([
            html.Label([t("run", lang), dropdown(lang, options, None, "adopt-run", disabled=not committee,
                                                     placeholder=t("pick_run", lang))],
                       className="cp-field cp-field-wide"),
            # Text, read on the server: a number box would send a blank for 1999 and the page would guess.
            html.Label([t("year", lang), dcc.Input(id="adopt-year", type="text", inputMode="numeric",
                                                   value=str(chosen_year or dt.date.today().year),
                                                   disabled=not committee)],
                       className="cp-field"),
            html.Label([t("note", lang), dcc.Input(id="adopt-note", type="text", disabled=not committee)],
                       className="cp-field cp-field-wide"),
        ], style={"display": "flex", "flexWrap": "wrap", "gap": "1rem"}),
        dbc.Button(t("adopt_button", lang), id="adopt-button", disabled=not committee),
        dcc.ConfirmDialog(id="adopt-confirm"),
        html.P(id=FEEDBACK, role="status"),
        html.H2(t("audit", lang)),
        html.Div(_grid("audit-table", ["at", "action", "run", "year", "by", "note"], _audit_rows(lang), lang,
                       "260px"), id="audit-panel"),
    ])


@callback(Output("adopt-run", "value"), Input("runs-table", "cellClicked"), prevent_initial_call=True)
def choose_clicked_run(cell: dict[str, Any] | None) -> Any:
    """Clicking a run's row chooses it for adoption."""
    row = (cell or {}).get("rowId")
    return int(row) if row and str(row).isdigit() else dash.no_update


@callback(
    Output(FEEDBACK, "children"), Output("adopt-confirm", "displayed"), Output("adopt-confirm", "message"),
    Input("adopt-button", "n_clicks"), State("adopt-run", "value"), State("adopt-year", "value"),
    State("decisions-lang", "data"), prevent_initial_call=True,
)
def confirm(_clicks: int | None, run_id: int | None, year: str | int | None, lang: str | None
            ) -> tuple[Any, bool, Any]:
    """Before anything is written: the run and the year named, for the committee to confirm (or a refusal)."""
    lang = language(lang)
    if run_id is None:
        return html.Span(t("pick_run", lang), className="cp-error"), False, dash.no_update
    try:
        chosen_year = programme_year("" if year is None else year)
    except DecisionRefused as exc:
        return html.Span(exc.message(lang), className="cp-error"), False, dash.no_update
    run = next((r for r in services.runs_overview(unit_of_work()) if r["run_id"] == int(run_id)), None)
    title = run_title(run, lang) if run else ""
    return "", True, t("adopt_confirm", lang).format(run=run_id, scenario=title, year=chosen_year)


@callback(
    Output(FEEDBACK, "children", allow_duplicate=True), Output("runs-table", "rowData"),
    Output("audit-panel", "children"),
    Input("adopt-confirm", "submit_n_clicks"), State("adopt-run", "value"), State("adopt-year", "value"),
    State("adopt-note", "value"), State("decisions-lang", "data"), State("decisions-year", "data"),
    prevent_initial_call=True,
)
def adopt(_clicks: int | None, run_id: int | None, year: str | int | None, note: str | None, lang: str | None,
          shown_year: int | None) -> tuple[Any, Any, Any]:
    lang = language(lang)
    require("adopt")  # the guard refused a forged request already; this is the write's own check
    if run_id is None:
        return html.Span(t("pick_run", lang), className="cp-error"), dash.no_update, dash.no_update
    try:
        entries = services.adopt_run(unit_of_work(), int(run_id), by=str(current_user.id), note=note or "",
                                     year="" if year is None else year)
    except DecisionRefused as exc:
        refusal = html.Span(exc.message(lang), className="cp-error")
        return refusal, dash.no_update, dash.no_update
    audit = _grid("audit-table", ["at", "action", "run", "year", "by", "note"], _audit_rows(lang), lang, "260px")
    message = t("adopted_ok", lang).format(run=run_id, year=entries[-1].year)
    return message, _run_rows(lang, shown_year), audit
