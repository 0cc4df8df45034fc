"""Plans and appraisals: every production plan, where it stands in appraisal, whether a scenario could fund it;
a planner records an appraisal or imports a workbook (all or nothing, every problem shown)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from pathlib import Path
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html
from flask_login import current_user

from chainplan import services
from chainplan.appraisal import Appraisal, AppraisalRefused
from chainplan.dataset import DatasetError
from chainplan.errors import EditConflict
from chainplan.money import format_money, format_number
from chainplan.recording import Inspection, InspectionRefused
from chainplan.scenario import ScenarioError
from chainplan.schema import APPRAISAL_STAGES, APPRAISAL_STATUSES, VIETNAMESE_HEADERS
from chainplan.users import allowed
from chainplan.wording import format_date, render, term, text
from dash_app.auth import current_role, require, writes
from dash_app.components import Column, dropdown, grid, header, page_year, scenario_options, scenario_problems
from dash_app.components import table as components_table
from dash_app.i18n import language, t
from dash_app.panels.inspections import inspection_form, inspections_table, unresolved_summary
from dash_app.state import scenario_folder, unit_of_work
from dash_app.urlstate import url_state

dash.register_page(__name__, path="/plans", name="Plans", title="chainplan")

APPRAISAL_FEEDBACK = writes("appraisal-feedback", "appraise")
INSPECTION_FEEDBACK = writes("inspection-feedback", "inspect")
UPLOAD_REPORT = writes("upload-report", "import")


def _scenario_options(lang: str) -> list[dict[str, Any]]:
    return [{"label": t("default_rules", lang), "value": ""}, *scenario_options(lang)]


def _state(status: str | None, lang: str) -> str:
    return term("appraisal_status", status, lang) if status else t("not_appraised", lang)


def _rows(view: services.RegisterView, lang: str) -> tuple[list[Column], list[dict[str, Any]]]:
    register = view.register
    dataset_lines = [c.removeprefix("line:") for c in register.columns if c.startswith("line:")]
    names = view.line_names
    # What a committee reads first: the plan, whether it can be funded, where it stands in appraisal and why; then
    # the money as one total, its split over the budget lines on demand (a click on the row, and in the CSV).
    columns = [Column("plan_code", t("plan", lang), width=90), Column("product", t("product", lang), width=180, flex=2),
               Column("eligible", t("eligible", lang), width=100),
               *[Column(f"appraisal:{stage}", term("appraisal_stage", stage, lang), width=135)
                 for stage in APPRAISAL_STAGES],
               Column("score", t("score", lang), "number", 80, digits=1),
               Column("reasons", t("why_not_eligible", lang), width=280, flex=3, wrap=True),
               Column("requested_vnd", t("requested", lang), "money", 150),
               Column("organization", t("organization", lang), width=200, flex=2),
               Column("region", t("region", lang), width=130), Column("purpose", t("purpose", lang), width=130),
               *[Column(f"line:{line}", str(names.get(line, line)), "money", 150, hidden=True)
                 for line in dataset_lines]]
    rows = []
    for record in register.to_dict("records"):
        row = {**record, "purpose": term("purpose", record['purpose'], lang),
               "eligible": term("yes_no", "yes" if record["eligible"] else "no", lang),
               "reasons": "; ".join(record["reasons"]),
               "score": None if record["score"] != record["score"] else record["score"]}
        for stage in APPRAISAL_STAGES:
            row[f"appraisal:{stage}"] = _state(record[f"appraisal:{stage}"], lang)
        rows.append(row)
    return columns, rows


def _plan_options() -> list[dict[str, str]]:
    return [{"label": f"{code} — {product}", "value": code} for code, product in services.plan_choices(unit_of_work())]


def layout(lang: str | None = None, scenario: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    may_appraise = allowed(current_role(), "appraise")
    may_import = allowed(current_role(), "import")
    options = _scenario_options(lang)
    chosen = scenario if scenario in {o["value"] for o in options} else ""
    off = not may_appraise
    plans = _plan_options()
    register = [
        html.H2(t("plans", lang)),
        html.Label([t("eligibility_under", lang), dropdown(lang, options, chosen, "plans-scenario",
                                                          clearable=False)],
                   className="cp-picker"),
        html.Div(id="plans-summary", style={"margin": "0.5rem 0"}),
        html.Div(id="plans-panel"),
        html.Div(id="plan-detail", role="status", className="cp-muted"),
    ]
    appraisal = [
        html.H2(t("record_appraisal", lang)),
        html.P(t("appraisal_hint", lang)),
        None if may_appraise else html.P(t("appraise_only_planner", lang), id="appraise-not-allowed"),
        html.Div([
            html.Label([t("plan", lang), dropdown(lang, plans, None, "appraisal-plan", disabled=off)],
                       className="cp-field cp-field-wide"),
            html.Label([t("stage", lang), dropdown(lang, [{"label": term("stage_level", s, lang), "value": s}
                                                          for s in APPRAISAL_STAGES], "district", "appraisal-stage",
                                                   clearable=False, disabled=off)], className="cp-field"),
            html.Label([t("result", lang), dropdown(lang, [{"label": term("appraisal_status", s, lang), "value": s}
                                                           for s in APPRAISAL_STATUSES], "passed", "appraisal-status",
                                                    clearable=False, disabled=off)], className="cp-field"),
            # Text, read on the server: a browser's number field sends nothing for 150, and "no score" was stored.
            html.Label([t("score_0_100", lang), dcc.Input(id="appraisal-score", type="text", inputMode="decimal",
                                                          disabled=off)], className="cp-field"),
            html.Label([t("appraised_on", lang), dcc.Input(id="appraisal-date", type="date", disabled=off,
                                                           value=dt.date.today().isoformat())], className="cp-field"),
        ], className="cp-row"),
        html.Label([t("appraisal_note", lang), dcc.Textarea(id="appraisal-note", disabled=off,
                                                            style={"width": "100%", "minHeight": "3rem"})],
                   className="cp-field"),
        # The version of the chosen plan's appraisal at the chosen stage when the form was opened on it: a save on
        # an older version than the stored one is refused, naming who saved since and when.
        dcc.Store(id="appraisal-opened", data=None),
        dbc.Button(t("save_appraisal", lang), id="appraisal-save", disabled=off),
        html.P(id=APPRAISAL_FEEDBACK, role="status"),
    ]
    upload = [
        html.H2(t("import_workbook", lang)),
        html.P(t("import_hint", lang)),
        None if may_import else html.P(t("import_only_planner", lang), id="import-not-allowed"),
        # No accept= nor max_size=: the browser drops a file they refuse without a word; the server says why.
        dcc.Upload(html.Div([t("upload_drop", lang), " ", html.A(t("upload_pick", lang))]), id="plans-upload",
                   disabled=not may_import,
                   style={"border": "2px dashed #9ab", "borderRadius": "8px", "padding": "1.25rem",
                          "textAlign": "center", "cursor": "pointer" if may_import else "not-allowed",
                          "color": "#234" if may_import else "#999"}),
        html.Div(id=UPLOAD_REPORT, role="status", style={"margin": "0.75rem 0"}),
        # The recorded rows the preview named (sheet, key): confirming replaces those and no others.
        dcc.Store(id="upload-confirmed", data=None),
    ]
    # With no plan yet, the upload is the one thing the page can do: it comes first.
    sections = ([html.P(t("upload_first_hint", lang), id="upload-first", className="cp-warning"), *upload, *register,
                 *appraisal] if not plans else [*register, *appraisal, *upload])
    return html.Div([
        header(lang, "/plans", {"year": chosen_year, "scenario": chosen}),
        dcc.Location(id="plans-url", refresh=False),
        dcc.Store(id="plans-lang", data=lang),
        # Bumped when an appraisal is saved or a workbook imported: the register and the form's plan list are drawn
        # again only then.
        dcc.Store(id="plans-version", data=0),
        *sections,
        *_inspections_section(lang),
    ])


@callback(Output("plans-panel", "children"), Output("plans-summary", "children"), Output("plans-url", "search"),
          Output("language-switch", "href", allow_duplicate=True),
          Input("plans-scenario", "value"), Input("plans-version", "data"), State("plans-lang", "data"),
          State("year-select", "value"),
          prevent_initial_call="initial_duplicate")
def show(key: str | None, _version: int | None, lang: str | None, year: int | None = None
         ) -> tuple[Any, Any, str, str]:
    lang = language(lang)
    search, switch = url_state("/plans", lang, year=year, scenario=key)
    try:
        view = services.register_view(unit_of_work(), key, scenario_folder(), lang=lang, year=year)
    except ScenarioError as exc:
        return html.Div(scenario_problems(exc, lang), className="cp-error"), "", search, switch
    columns, rows = _rows(view, lang)
    summary = t("plans_summary", lang).format(plans=format_number(len(rows), lang, 0),
                                              eligible=format_number(view.eligible, lang, 0))
    return (grid("plans-table", columns, rows, lang, height="520px", csv_name="plans.csv", row_id="plan_code"),
            html.Span(summary, id="plans-count"), search, switch)


@callback(Output("appraisal-plan", "value"), Input("plans-table", "cellClicked"), prevent_initial_call=True)
def pick_clicked_plan(cell: dict[str, Any] | None) -> Any:
    """Clicking a plan in the register picks it for the appraisal form."""
    return cell["rowId"] if cell and cell.get("rowId") else dash.no_update


@callback(Output("appraisal-plan", "options"), Input("plans-version", "data"), prevent_initial_call=True)
def refresh_plan_list(_version: int | None) -> list[dict[str, str]]:
    """After an upload (or an appraisal) the form offers the plans stored now, not those of the page's first draw."""
    return _plan_options()


@callback(Output("plan-detail", "children"), Input("plans-table", "cellClicked"), State("plans-table", "rowData"),
          State("plans-table", "columnDefs"), State("plans-lang", "data"), prevent_initial_call=True)
def show_plan_lines(cell: dict[str, Any] | None, rows: list[dict[str, Any]] | None,
                    columns: list[dict[str, Any]] | None, lang: str | None) -> Any:
    """The money a clicked plan asks for, line by line (the register shows its total)."""
    lang = language(lang)
    code = (cell or {}).get("rowId")
    row = next((r for r in rows or [] if r.get("plan_code") == code), None)
    if row is None:
        return dash.no_update
    lines = [(c["headerName"], row.get(c["field"])) for c in columns or [] if str(c.get("field")).startswith("line:")]
    parts = [f"{name}: {format_money(int(value), lang)}" for name, value in lines if value]
    return t("plan_lines", lang).format(plan=code, total=format_money(int(row.get("requested_vnd") or 0), lang),
                                        lines="; ".join(parts) or "—")


def _opened(plan: str, stage: str, version: int) -> dict[str, Any]:
    return {"plan": plan, "stage": stage, "version": version}


@callback(Output("appraisal-opened", "data"), Input("appraisal-plan", "value"), Input("appraisal-stage", "value"))
def open_appraisal(plan: str | None, stage: str | None) -> Any:
    """Choosing a plan and a stage opens the form on that appraisal's stored version (0: none yet)."""
    if not plan or not stage:
        return None
    return _opened(plan, stage, services.appraisal_version(unit_of_work(), plan, stage))


@callback(Output(APPRAISAL_FEEDBACK, "children"), Output("plans-version", "data", allow_duplicate=True),
          Output("appraisal-opened", "data", allow_duplicate=True),
          Input("appraisal-save", "n_clicks"),
          State("appraisal-plan", "value"), State("appraisal-stage", "value"), State("appraisal-status", "value"),
          State("appraisal-score", "value"), State("appraisal-date", "value"), State("appraisal-note", "value"),
          State("appraisal-opened", "data"), State("plans-version", "data"), State("plans-lang", "data"),
          prevent_initial_call=True)
def save(_clicks: int | None, plan: str | None, stage: str | None, status: str | None, score: str | None,
         when: str | None, note: str | None, opened: dict[str, Any] | None, version: int | None,
         lang: str | None) -> tuple[Any, Any, Any]:
    lang = language(lang)
    require("appraise")  # the guard refused a forged request already; this is the write's own check
    if not plan:
        return html.Span(t("pick_plan", lang), className="cp-error"), dash.no_update, dash.no_update
    try:
        day = dt.date.fromisoformat(when) if when else None
    except ValueError:
        return html.Span(text("error.appraisal.bad_date", lang), className="cp-error"), dash.no_update, dash.no_update
    # The form's version, when it was opened on this plan and stage (a save clicked before the form caught up
    # with a new choice has none: the appraisal is then the one stored at this moment).
    same = isinstance(opened, dict) and opened.get("plan") == plan and opened.get("stage") == stage
    opened_version = int(opened["version"]) if same and opened is not None else None
    try:
        stored = services.record_appraisal(unit_of_work(), Appraisal(
            plan, stage or "", status or "", score, day, str(current_user.id), note or ""),
            opened_version=opened_version)
    except AppraisalRefused as exc:
        return html.Span(exc.message(lang), className="cp-error", id="appraisal-refused"), dash.no_update, \
            dash.no_update
    except EditConflict as exc:
        # Nothing was written. The register is drawn again with their appraisal, and the form now carries the
        # stored version: saving again, knowingly, replaces it.
        return (html.Span(exc.message(lang), className="cp-error", id="appraisal-conflict"), (version or 0) + 1,
                _opened(plan, stage or "", exc.version))
    saved = t("appraisal_saved", lang).format(plan=stored.plan_code, stage=term("stage_level", stored.stage, lang),
                                              status=term("appraisal_status", stored.status, lang))
    now_opened = _opened(stored.plan_code, stored.stage,
                         services.appraisal_version(unit_of_work(), stored.plan_code, stored.stage))
    return html.Span(saved, id="appraisal-saved"), (version or 0) + 1, now_opened


def _column_shown(sheet: str | None, column: str | None, lang: str) -> str:
    """A column as the workbook may head it: the template's header, and in Vietnamese also the Vietnamese header the
    reader accepts (``điểm dự kiến (expected_score)``), so either kind of file finds its column."""
    header = VIETNAMESE_HEADERS.get(sheet or "", {}).get(column or "") if lang == "vi" else None
    return f"{header} ({column})" if header else column or ""


def _problem_rows(exc: DatasetError, lang: str) -> list[dict[str, Any]]:
    return [{"sheet": p.sheet or "", "row": p.row, "column": _column_shown(p.sheet, p.column, lang) or p.key or "",
             "value": "" if p.value is None else str(p.value), "reason": p.message(lang)} for p in exc.problems]


@callback(Output(UPLOAD_REPORT, "children"), Output("upload-confirmed", "data"),
          Input("plans-upload", "contents"), State("plans-upload", "filename"), State("plans-lang", "data"),
          prevent_initial_call=True)
def upload(contents: str | None, filename: str | None, lang: str | None) -> tuple[Any, Any]:
    """A workbook dropped: checked and previewed, nothing written until the planner confirms."""
    lang = language(lang)
    require("import")
    if not contents:
        return dash.no_update, dash.no_update
    return _import(contents, filename, lang, confirmed=None)


@callback(Output(UPLOAD_REPORT, "children", allow_duplicate=True),
          Output("upload-confirmed", "data", allow_duplicate=True),
          Output("plans-version", "data", allow_duplicate=True),
          Output("plans-upload", "contents"),
          Input("upload-confirm", "n_clicks"), State("plans-upload", "contents"), State("plans-upload", "filename"),
          State("upload-confirmed", "data"), State("plans-version", "data"), State("plans-lang", "data"),
          prevent_initial_call=True)
def confirm_upload(clicks: int | None, contents: str | None, filename: str | None, confirmed: list[Any] | None,
                   version: int | None, lang: str | None) -> tuple[Any, Any, Any, Any]:
    lang = language(lang)
    require("import")  # the guard refused a forged request already; this is the write's own check
    if not clicks or not contents:
        return dash.no_update, dash.no_update, dash.no_update, dash.no_update
    report, shown = _import(contents, filename, lang, confirmed=confirmed or [])
    done = getattr(report, "id", None) == "upload-done-panel"
    return report, shown, ((version or 0) + 1) if done else dash.no_update, None if done else dash.no_update


@callback(Output(UPLOAD_REPORT, "children", allow_duplicate=True),
          Output("upload-confirmed", "data", allow_duplicate=True), Output("plans-upload", "contents",
                                                                           allow_duplicate=True),
          Input("upload-cancel", "n_clicks"), State("plans-upload", "filename"), State("plans-lang", "data"),
          prevent_initial_call=True)
def cancel_upload(clicks: int | None, filename: str | None, lang: str | None) -> tuple[Any, Any, Any]:
    if not clicks:
        return dash.no_update, dash.no_update, dash.no_update
    name = Path(filename or "upload.xlsx").name
    return html.P(t("upload_cancelled", lang).format(name=name), id="upload-cancelled"), None, None


def _preview(report: services.ImportReport, name: str, lang: str) -> tuple[Any, list[Any]]:
    """What the import would change, per sheet and year, and the recorded rows it would overwrite (by name)."""
    preview = report.preview
    assert preview is not None
    if report.unchanged:
        return html.P(t("upload_unchanged", lang).format(name=name), id="upload-unchanged"), []
    years = ", ".join(str(y) for y in preview.years)
    rows = [{"sheet": t(f"input_sheet.{row['sheet']}", lang),
             "year": t("upload_every_year", lang) if row["year"] is None else str(row["year"]),
             "added": row["added"], "changed": row["changed"], "removed": row["removed"]}
            for row in preview.counts()]
    table = components_table([t(key, lang) for key in ("sheet", "year", "upload_added", "upload_changed",
                                                        "upload_removed")],
                             [[row["sheet"], row["year"], *(format_number(row[k], lang, 0)
                                                           for k in ("added", "changed", "removed"))]
                              for row in rows], "upload-preview-table")
    overwritten = [html.P(t("upload_overwrites", lang), className="cp-error"),
                   html.Ul([html.Li(row.describe(lang, report.names)) for row in preview.overwritten],
                           id="upload-overwritten")] if preview.overwritten else []
    shown = [[row.sheet, list(row.key)] for row in preview.overwritten]
    return html.Div([
        html.P(t("upload_preview", lang).format(name=name, years=years)), table, *overwritten,
        html.Div([dbc.Button(t("upload_confirm", lang), id="upload-confirm", color="danger" if overwritten else
                             "primary"),
                  dbc.Button(t("upload_cancel", lang), id="upload-cancel", color="secondary", outline=True,
                             style={"marginLeft": "0.5rem"})], style={"marginTop": "0.5rem"}),
    ], id="upload-preview"), shown


def _import(contents: str, filename: str | None, lang: str, *, confirmed: list[Any] | None) -> tuple[Any, Any]:
    """Preview the upload (``confirmed`` ``None``), or import it replacing the recorded rows ``confirmed`` names.

    Returns the panel and the recorded rows a preview named (``no_update`` otherwise)."""
    name = Path(filename or "upload.xlsx").name
    try:
        payload = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error):
        return html.P(t("upload_unreadable", lang).format(name=name), className="cp-error",
                      id="upload-refused"), None
    try:
        if confirmed is None:
            return _preview(services.import_upload(unit_of_work(), name, payload, dry_run=True), name, lang)
        report = services.import_upload(unit_of_work(), name, payload,
                                        overwrite=[(sheet, tuple(key)) for sheet, key in confirmed])
    except services.ImportRefused as exc:  # not a workbook at all: by its name, its size or its content
        return html.P(exc.message(lang), className="cp-error", id="upload-refused"), None
    except services.ImportNeedsConfirmation as exc:
        # Recorded in the tool after the preview was shown: say so, and show the new preview to confirm again.
        again = services.import_upload(unit_of_work(), name, payload, dry_run=True)
        panel, shown = _preview(again, name, lang)
        return html.Div([html.P(exc.message(lang, again.names), className="cp-error", id="upload-refused"),
                         panel]), shown
    except DatasetError as exc:
        # Nothing was written: the importer checks everything before it replaces anything.
        heading = t("upload_problems", lang).format(name=name, count=format_number(len(exc.problems), lang, 0))
        return html.Div([
            html.P(heading, className="cp-error", id="upload-refused"),
            grid("upload-problems", [Column("sheet", t("sheet", lang), width=130),
                                     Column("row", t("row", lang), "number", 70, digits=0),
                                     Column("column", t("column", lang), width=150),
                                     Column("value", t("value", lang), width=150),
                                     Column("reason", t("reason", lang), width=320, flex=3, wrap=True)],
                 _problem_rows(exc, lang), lang, height="320px", csv_name="import-problems.csv"),
        ]), None
    counts = ", ".join(f"{t(sheet, lang)}: {format_number(n, lang, 0)}" for sheet, n in report.after.items()
                       if sheet in ("organizations", "products", "plans", "appraisals"))
    warnings = [html.Li(render(notice, lang)) for notice in report.notices]
    return html.Div([html.P(t("upload_done", lang).format(name=name, counts=counts), id="upload-done"),
                     html.Ul(warnings) if warnings else None], id="upload-done-panel"), None


def _inspections_section(lang: str) -> list[Any]:
    """Inspections per organization, unresolved violations marked, and the form a planner records one with."""
    view = services.inspections_view(unit_of_work())
    return [html.H2(t("inspections", lang), id="inspections"),
            html.P(t("inspections_hint", lang)),
            html.Div([unresolved_summary(view, lang), inspections_table(view, lang)], id="inspections-panel"),
            *inspection_form(lang, allowed(current_role(), "inspect"), services.organization_choices(unit_of_work())),
            html.P(id=INSPECTION_FEEDBACK, role="status"), dcc.Store(id="inspections-version", data=0)]


@callback(Output(INSPECTION_FEEDBACK, "children"), Output("inspections-version", "data"),
          Input("inspection-save", "n_clicks"),
          State("inspection-org", "value"), State("inspection-kind", "value"), State("inspection-result", "value"),
          State("inspection-date", "value"), State("inspection-resolved", "value"),
          State("inspection-finding", "value"), State("inspections-version", "data"), State("plans-lang", "data"),
          prevent_initial_call=True)
def save_inspection(_clicks: int | None, organization: str | None, kind: str | None, result: str | None,
                    when: str | None, resolved: str | None, finding: str | None, version: int | None,
                    lang: str | None) -> tuple[Any, Any]:
    lang = language(lang)
    require("inspect")  # the guard refused a forged request already; this is the write's own check
    if not organization:
        return html.Span(t("pick_organization", lang), className="cp-error", id="inspection-refused"), dash.no_update
    try:
        day = dt.date.fromisoformat(when) if when else None
        resolved_on = dt.date.fromisoformat(resolved) if resolved else None
    except ValueError:
        return (html.Span(text("error.inspection.bad_date", lang), className="cp-error", id="inspection-refused"),
                dash.no_update)
    try:
        stored = services.record_inspection(unit_of_work(), Inspection(
            organization, kind or "", result or "", day, finding or "", resolved_on))
    except InspectionRefused as exc:
        return html.Span(exc.message(lang), className="cp-error", id="inspection-refused"), dash.no_update
    saved = t("inspection_saved", lang).format(code=stored.code, date=format_date(stored.inspected_on, lang),
                                               result=term("inspection_result", stored.result, lang))
    return html.Span(saved, id="inspection-saved"), (version or 0) + 1


@callback(Output("inspections-panel", "children"), Input("inspections-version", "data"), State("plans-lang", "data"),
          prevent_initial_call=True)
def show_inspections(_version: int | None, lang: str | None) -> list[Any]:
    """The inspections again once one is recorded."""
    lang = language(lang)
    view = services.inspections_view(unit_of_work())
    return [unresolved_summary(view, lang), inspections_table(view, lang)]
