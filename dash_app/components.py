"""Pieces every page shares: the header with navigation and language switch, tables, cards."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from chainplan import services
from chainplan.money import format_number
from chainplan.scenario import ScenarioError
from chainplan.wording import term
from dash_app.i18n import grid_locale, t
from dash_app.state import scenario_folder, storage, unit_of_work
from dash_app.urlstate import language_switch, page_search, read_id

__all__ = ["Column", "band_chart", "bar_chart", "card", "chosen_scenario", "dropdown", "grid", "header", "page_year",
           "run_title", "scenario_options", "scenario_problems", "table", "year_picker"]

PAGES = (("/", "overview"), ("/chains", "chains"), ("/plans", "plans"), ("/allocation", "allocation"),
         ("/compare", "compare"), ("/frontier", "frontier"), ("/decisions", "decisions"), ("/results", "results"),
         ("/users", "users"))


def page_year(asked: object) -> int | None:
    """The programme year a page shows: the URL's ``year`` when it is one, else the latest year with plans
    (:func:`chainplan.services.year_choice`); ``None`` while no plan has a year."""
    try:
        return services.year_choice(unit_of_work(), read_id(asked)).year
    except storage().errors:  # the page says what is wrong with the database; the header must not fail first
        return read_id(asked)


def _plan_years() -> list[int]:
    try:
        return services.plan_years(unit_of_work())
    except storage().errors:
        return []


#: Choosing another year in the header reloads the page with ``year`` changed and the rest of its address kept:
#: every page reads the year when it is drawn.
CHANGE_YEAR = """
function (year) {
    if (!year) { return window.dash_clientside.no_update; }
    var params = new URLSearchParams(window.location.search);
    if (params.get("year") === String(year)) { return window.dash_clientside.no_update; }
    params.set("year", String(year));
    window.location.search = "?" + params.toString().replace(/%3A/gi, ":").replace(/%2C/gi, ",");
    return String(year);
}
"""
dash.clientside_callback(CHANGE_YEAR, Output("year-change", "data"), Input("year-select", "value"),
                         prevent_initial_call=True)


def year_picker(lang: str, year: int | None) -> html.Label:
    """The header's choice of programme year (``#year-select``): the years with plans, and the one shown."""
    years = sorted({*_plan_years(), *([year] if year is not None else [])})
    return html.Label([html.Span(t("programme_year", lang), className="cp-year-label"),
                       # Disabled, not left out, while no plan has a year: the pages' callbacks read its value.
                       dropdown(lang, [{"label": str(y), "value": y} for y in years], year, "year-select",
                                clearable=False, searchable=False, disabled=not years, className="cp-year-select"),
                       dcc.Store(id="year-change")], className="cp-year", id="year-picker")


def header(lang: str, path: str, query: Mapping[str, object] | None = None) -> html.Div:
    """A "skip to content" link, the navigation, the programme year (``#year-select``), who is signed in, and the
    language switch (``#language-switch``), which keeps the page's ``query`` (its selection, ``year`` among it; a
    page's callbacks keep it up to date with :func:`dash_app.urlstate.url_state`). Every link of the navigation
    keeps the year. The skip link jumps past the navigation to ``#content``, just after the header."""
    query = dict(query or {})
    year = read_id(query.get("year"))
    links = [dcc.Link(t(key, lang), href=href + page_search(lang, year=year), id=f"nav-{key}",
                      style={"marginRight": "1rem", "fontWeight": 700 if href == path else 400})
             for href, key in PAGES]
    switch = language_switch(path, lang, **query)
    from flask_login import current_user

    who: list[object] = []
    if current_user.is_authenticated:
        who = [html.Span(f"{t('signed_in_as', lang)} {current_user.id} ({term('user_role', current_user.role, lang)})",
                         id="signed-in-user", className="cp-muted", style={"marginRight": "1rem"}),
               html.A(t("sign_out", lang), href=f"/logout?lang={lang}", id="sign-out",
                      style={"marginRight": "1rem"})]
    return html.Div([
        html.A(t("skip_to_content", lang), href="#content", id="skip-link", className="cp-skip"),
        html.Header([
            html.H1(t("app_title", lang), style={"fontSize": "1.5rem"}),
            html.Nav([*links, year_picker(lang, year), *who,
                      dcc.Link(t("switch", lang), href=switch, id="language-switch")],
                     style={"display": "flex", "flexWrap": "wrap", "rowGap": "0.25rem", "alignItems": "baseline"}),
        ], style={"display": "flex", "justifyContent": "space-between", "alignItems": "center", "flexWrap": "wrap"}),
        html.Span(id="content", tabIndex="-1"),
    ])


def card(label: str, value: str, test_id: str) -> dbc.Card:
    """A figure with its label, as a Bootstrap card."""
    return dbc.Card(dbc.CardBody(
        [html.Div(label, className="text-muted small"),
         html.Div(value, id=test_id, style={"fontSize": "1.6rem", "fontWeight": 600})],
        style={"padding": "0.6rem 1rem"}), style={"minWidth": "160px"})


def table(header_cells: Sequence[str], rows: Sequence[Sequence[object]], test_id: str,
          empty: str | None = None) -> html.Div:
    """A small table; on a narrow screen it scrolls inside its own box instead of widening the page. ``empty``:
    the sentence shown under ``test_id`` instead of a table of headers alone when there is no row."""
    if not rows and empty is not None:
        return html.Div(html.P(empty, id=test_id, className="text-muted"))
    return html.Div(html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in header_cells])),
         html.Tbody([html.Tr([html.Td("" if v is None else str(v)) for v in row]) for row in rows])],
        id=test_id, className="table table-sm table-striped align-top", style={"width": "auto", "margin": "0.5rem 0"},
    ), style={"overflowX": "auto", "maxWidth": "100%"})


@dataclass(frozen=True)
class Column:
    """One grid column: ``kind`` is ``text``, ``money`` (whole VND), ``number``, ``percent`` (a share 0-1) or
    ``id`` (a run id or a year: sorted as a number, written without thousands separators). ``wrap``: a long text
    (an explanation, a reason) wraps onto more lines and the row grows, rather than being cut with "…".
    ``hidden``: not shown, but in the CSV download (a detail the page shows on demand)."""

    field: str
    header: str
    kind: str = "text"
    width: int = 110
    flex: int = 1
    digits: int = 2
    wrap: bool = False
    hidden: bool = False


def _column_definition(column: Column, lang: str) -> dict[str, Any]:
    definition: dict[str, Any] = {"field": column.field, "headerName": column.header, "flex": column.flex,
                                  "minWidth": column.width, "filter": "agTextColumnFilter"}
    if column.kind == "id":
        definition.update(filter="agNumberColumnFilter")
    elif column.kind in ("money", "number", "percent"):
        # The cell keeps the number, so sorting and filtering are numeric; the formatter writes it for people.
        function = {"money": f"chainplanMoney(params.value, '{lang}')",
                    "number": f"chainplanNumber(params.value, '{lang}', {column.digits})",
                    "percent": f"chainplanPercent(params.value, '{lang}', {column.digits})"}[column.kind]
        definition.update(filter="agNumberColumnFilter", type="rightAligned", valueFormatter={"function": function})
    if column.wrap:
        definition.update(wrapText=True, autoHeight=True, cellStyle={"lineHeight": "1.35", "padding": "4px 8px"})
    if column.hidden:
        definition.update(hide=True)
    return definition


def grid(grid_id: str, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], lang: str, *,
         height: str = "auto", csv_name: str | None = None, row_id: str | None = None) -> dag.AgGrid:
    """A virtualised, sortable, filterable AG Grid in the page's language.

    ``height="auto"`` grows with its rows (for a handful); a fixed height scrolls inside (for hundreds or
    thousands). ``csv_name`` names the file of the grid's CSV export. ``row_id`` names the field that identifies a
    row (a clicked cell then reports it as ``rowId``).
    """
    options: dict[str, Any] = {"localeText": grid_locale(lang), "enableCellTextSelection": True}
    style: dict[str, str] = {"width": "100%"}
    if height == "auto":
        options["domLayout"] = "autoHeight"
    else:
        style["height"] = height
    extra: dict[str, Any] = {}
    if csv_name:
        extra["csvExportParams"] = {"fileName": csv_name, "allColumns": True}
    if row_id:
        extra["getRowId"] = f"params.data.{row_id}"
    return dag.AgGrid(id=grid_id, columnDefs=[_column_definition(c, lang) for c in columns], rowData=list(rows),
                      defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True,
                                     "autoHeaderHeight": True},
                      dashGridOptions=options, className="ag-theme-alpine", style=style, **extra)


def dropdown(lang: str, options: Sequence[Any], value: Any, component_id: Any, **kwargs: Any) -> dcc.Dropdown:
    """A dropdown whose own texts ("Search", "No options found", "2 selected") are in the page's language."""
    labels = {"select_all": t("dropdown_select_all", lang), "deselect_all": t("dropdown_deselect_all", lang),
              "selected_count": t("dropdown_selected_count", lang), "search": t("dropdown_search", lang),
              "clear_search": t("dropdown_clear_search", lang), "clear_selection": t("dropdown_clear", lang),
              "no_options_found": t("dropdown_no_options", lang)}
    kwargs.setdefault("placeholder", t("dropdown_placeholder", lang))
    return dcc.Dropdown(options, value, id=component_id, labels=labels, **kwargs)


def scenario_options(lang: str) -> list[dict[str, Any]]:
    """The scenarios a planner can start from: the shipped files, then every stored run's scenario."""
    options = []
    for choice in services.scenario_choices(unit_of_work(), scenario_folder()):
        label = (f"{choice.title(lang)} ({t('scenario_file', lang)})" if choice.run_id is None
                 else f"{t('run', lang)} {choice.run_id} — {choice.title(lang)}")
        options.append({"label": label, "value": choice.key})
    return options


def run_title(run: Mapping[str, Any], lang: str) -> str:
    """A run's scenario as a person reads it in ``lang`` (a row of :func:`chainplan.services.runs_overview`): its
    Vietnamese name where it has one."""
    return str(run.get("scenario_vi") or run["scenario"]) if lang == "vi" else str(run["scenario"])


#: The scenario a page starts from when the URL names none: the seed document's.
DEFAULT_SCENARIO = "file:baseline-2020.yaml"


def chosen_scenario(options: Sequence[Mapping[str, Any]], asked: str | None) -> str | None:
    """The scenario the URL asks for when it is one of ``options``, else the seed document's, else the first."""
    keys = [option["value"] for option in options]
    if asked in keys:
        return asked
    return DEFAULT_SCENARIO if DEFAULT_SCENARIO in keys else (keys[0] if keys else None)


def scenario_problems(exc: ScenarioError, lang: str) -> list[Any]:
    """A scenario's problems in the page's language: one line per key (the value as written), the reason."""
    items = [html.Li(f"{p.key or t('scenario', lang)}: {p.message(lang)}"
                     + ("" if p.value is None else f" ({p.value})")) for p in exc.problems]
    return [t("scenario_problems", lang), html.Ul(items, id="scenario-problems")]


def bar_chart(title: str, rows: Sequence[Mapping[str, Any]], lang: str, chart_id: str, colour: str) -> html.Figure:
    """A simple horizontal bar chart in HTML: a label, a bar, the number (readable by a screen reader, and light:
    the landing page does not load plotly for two bar charts)."""
    lines = [html.Div([
        html.Span(row["label"], style={"flex": "0 0 9rem"}),
        html.Div(html.Div(style={"width": f"{100 * row['share']:.1f}%", "background": colour, "height": "1.1rem",
                                 "borderRadius": "3px"}), style={"flex": "1 1 auto", "background": "#eef2f5"}),
        html.Span(format_number(row["value"], lang, 0), style={"flex": "0 0 3rem", "textAlign": "right"}),
    ], style={"display": "flex", "alignItems": "center", "gap": "0.5rem", "margin": "0.3rem 0"}) for row in rows]
    return html.Figure([html.Figcaption(title, style={"fontWeight": 600, "marginBottom": "0.4rem"}), *lines],
                       id=chart_id, style={"margin": "0.5rem 0"})


def band_chart(title: str, rows: Sequence[Mapping[str, Any]], lang: str, chart_id: str) -> html.Figure:
    """Bands in HTML: per row a P10-P90 band and a P50 dot on a per-cent scale, a dotted line at 100 % (the minimum
    met), and the chance of meeting it in words. ``rows`` come from :func:`dash_app.figures.risk_bands`."""
    scale = max([120.0, *(float(r["high"]) * 1.05 for r in rows if r["high"] is not None)])

    def at(value: float | None) -> str:
        return f"{100 * max(0.0, float(value or 0)) / scale:.2f}%"

    lines = []
    for row in rows:
        low, mid, high = row["low"] or 0.0, row["mid"] or 0.0, row["high"] or 0.0
        track = html.Div([
            html.Div(style={"position": "absolute", "left": at(low), "width": f"{100 * (high - low) / scale:.2f}%",
                            "top": "0.3rem", "height": "0.6rem", "background": "rgba(42,111,151,0.35)",
                            "borderRadius": "3px"}),
            html.Div(style={"position": "absolute", "left": f"calc({at(mid)} - 5px)", "top": "0.35rem",
                            "width": "10px", "height": "10px", "borderRadius": "50%", "background": "#2a6f97"}),
            html.Div(style={"position": "absolute", "left": at(100), "top": 0, "bottom": 0,
                            "borderLeft": "2px dotted #555"}),
        ], style={"position": "relative", "flex": "1 1 8rem", "height": "1.2rem", "background": "#eef2f5",
                  "borderRadius": "3px"})
        summary = (f"P50 {format_number(mid, lang, 0)} % · {t('chance_met', lang).lower()} "
                   f"{format_number(row['prob_met'] * 100, lang, 0)} %")
        lines.append(html.Div([html.Span(row["label"], style={"flex": "1 1 11rem"}), track,
                               html.Span(summary, style={"flex": "1 1 10rem", "fontSize": "0.85rem"})],
                              style={"display": "flex", "flexWrap": "wrap", "alignItems": "center", "gap": "0.5rem",
                                     "margin": "0.35rem 0"}))
    return html.Figure([html.Figcaption(title, style={"fontWeight": 600, "marginBottom": "0.4rem"}), *lines],
                       id=chart_id, style={"margin": "0.5rem 0"})
