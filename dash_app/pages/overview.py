"""Overview: what the province has (regions, chain products, stars), what is asked and what is available.

On an empty database it is the first-run path instead: the input template to download (the workbook
``chainplan template`` writes, README sheet included), the link to the upload, and for an administrator the demo
data in one click (checked on the server).
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from chainplan import services
from chainplan.allocation.wording import target_name
from chainplan.errors import text_of
from chainplan.money import format_money, format_number
from chainplan.users import allowed
from chainplan.wording import term
from dash_app.auth import current_role, require, writes
from dash_app.components import Column, bar_chart, card, grid, header, page_year, table
from dash_app.figures import star_bars, target_amount, tier_bars
from dash_app.i18n import language, t
from dash_app.panels.programme import progress_chart
from dash_app.state import scenario_folder, unit_of_work

dash.register_page(__name__, path="/", name="Overview", title="chainplan")

DEMO_FEEDBACK = writes("load-demo-feedback", "load_demo")


def _amount(value: float | None, share: bool, lang: str) -> str:
    return target_amount(value, lang, share=share, missing="—")


def _bound(low: float | None, high: float | None, share: bool, lang: str) -> str:
    parts = []
    if low is not None and low == low:  # a bound the scenario leaves open is None, or NaN in a frame
        parts.append(f"≥ {_amount(low, share, lang)}")
    if high is not None and high == high:
        parts.append(f"≤ {_amount(high, share, lang)}")
    return ", ".join(parts)


def year_targets_section(lang: str, year: int | None) -> html.Div:
    """The year's targets: today, with the adopted decision, the target."""
    targets = services.year_targets(unit_of_work(), scenario_folder(), year)
    if targets.run_id is None:
        intro = t("targets_no_decision", lang).format(year=targets.year, scenario=targets.scenario_title(lang))
    else:
        intro = t("targets_decision", lang).format(year=targets.year, run=targets.run_id,
                                                   scenario=targets.scenario_title(lang))
    rows = []
    for row in targets.table.to_dict("records"):
        share = bool(row["is_share"])
        rows.append({
            "target": target_name(row["target"], lang), "today": _amount(row["today"], share, lang),
            "added": "" if share else _amount(row["added"], False, lang),
            "after": _amount(row["after"], share, lang),
            "goal": (t("target_share", lang) if share else t("target_added", lang)) + " "
            + _bound(row["min"], row["max"], share, lang),
            "met": "—" if row["met"] is None else term("yes_no", "yes" if row["met"] else "no", lang)})
    return html.Div([
        html.H2(t("year_targets", lang).format(year=targets.year), className="cp-subtitle"),
        html.P(intro, id="year-targets-intro"),
        # At most seven targets: a plain table (an AG Grid costs a fifth of a second to draw).
        table([t("target", lang), t("today", lang), t("added_by_decision", lang), t("after_decision", lang),
               t("year_target", lang), t("met", lang)],
              [[r["target"], r["today"], r["added"], r["after"], r["goal"], r["met"]] for r in rows], "year-targets"),
    ])


def phase_progress_section(lang: str, year: int | None) -> html.Div | None:
    """The phase the year is in (a shipped ``phases/*.yaml``): delivered, expected from adopted decisions, and
    remaining, per target, as bars; nothing when no phase covers the year."""
    found = services.phase_of_year(scenario_folder(), year)
    if found is None:
        return None
    _path, phase = found
    progress = services.phase_progress(unit_of_work(), phase)
    name = phase.name_vi if lang == "vi" and phase.name_vi else phase.name
    title = t("phase_progress_title", lang).format(phase=name, first=phase.first, last=phase.last)
    return html.Div([html.H2(title, className="cp-subtitle", id="phase-progress-title"),
                     html.P(t("phase_progress_intro", lang), className="cp-muted"),
                     progress_chart(title, progress.table.to_dict("records"), lang, "phase-progress")],
                    id="phase-progress-section")


def layout(lang: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    top = header(lang, "/", {"year": chosen_year})
    try:
        summary = services.dataset_summary(unit_of_work(), chosen_year)
    except Exception as exc:  # the page must say what is wrong rather than go blank
        return html.Div([top, html.P(f"{t('db_error', lang)}: {text_of(exc, lang)}", id="overview-error")])
    if summary["counts"]["products"] == 0:
        return html.Div([top, first_run(lang)])
    cards = html.Div([
        card(t("districts", lang), format_number(summary["districts"], lang, 0), "card-districts"),
        card(t("organizations", lang), format_number(summary["counts"]["organizations"], lang, 0),
             "card-organizations"),
        card(t("products", lang), format_number(summary["counts"]["products"], lang, 0), "card-products"),
        card(t("plans", lang), format_number(summary["counts"]["plans"], lang, 0), "card-plans"),
        card(t("budget", lang), format_money(summary["budget_available_vnd"], lang), "card-budget"),
        card(t("requested", lang), format_money(summary["requested_vnd"], lang), "card-requested"),
    ], className="cp-cards")
    appraisals = table(
        [t("stage", lang), *(term("appraisal_status", status, lang) for status in ("pending", "passed", "failed"))],
        [[term("stage_level", stage, lang), s["pending"], s["passed"], s["failed"]]
         for stage, s in summary["appraisals"].items()
         if sum(s.values())],
        "appraisal-table",
    )
    regions = grid("region-table", [Column("name", t("region", lang), width=150, flex=2),
                                    Column("organizations", t("organizations", lang), "number", 100, digits=0),
                                    Column("products", t("products", lang), "number", 100, digits=0),
                                    Column("plans", t("plans", lang), "number", 100, digits=0),
                                    Column("requested_vnd", t("requested", lang), "money", 170)],
                   summary["by_region"], lang)
    return html.Div([
        top, cards,
        year_targets_section(lang, chosen_year),
        phase_progress_section(lang, chosen_year),
        html.Div([bar_chart(t("tiers", lang), tier_bars(summary, lang), lang, "tier-graph", "#2a7f62"),
                  bar_chart(t("stars", lang), star_bars(summary), lang, "stars-graph", "#c8a200")],
                 # Side by side on a desktop, one under the other on a phone.
                 style={"display": "grid", "gridTemplateColumns": "repeat(auto-fit, minmax(320px, 1fr))",
                        "gap": "1rem"}),
        html.H2(t("appraisals", lang), className="cp-subtitle"), appraisals,
        html.H2(t("by_region", lang), className="cp-subtitle"), regions,
    ])


def first_run(lang: str) -> html.Section:
    """What to do on an empty database, as steps a person takes on the pages (no terminal)."""
    admin = allowed(current_role(), "load_demo")
    steps = [
        html.Li([t("first_run_template", lang), " ",
                 dbc.Button(t("download_template", lang), id="download-template", color="primary", outline=True,
                            size="sm"),
                 dcc.Download(id="template-download")]),
        html.Li([t("first_run_upload", lang), " ",
                 dcc.Link(t("go_to_upload", lang), href=f"/plans?lang={lang}", id="first-run-upload")]),
    ]
    if admin:
        steps.append(html.Li([t("first_run_demo", lang), " ",
                              dbc.Button(t("load_demo", lang), id="load-demo", color="secondary", size="sm")]))
    return html.Section([
        html.H2(t("first_run_title", lang)),
        html.P(t("first_run_intro", lang)),
        html.Ol(steps),
        html.P(id=DEMO_FEEDBACK, role="status") if admin else None,
        dcc.Location(id="overview-reload", refresh=True),
        dcc.Store(id="overview-lang", data=lang),
    ], id="overview-empty", className="cp-first-run")


@callback(Output("template-download", "data"), Input("download-template", "n_clicks"), prevent_initial_call=True)
def download_template(_clicks: int | None) -> dict[str, object]:
    return dcc.send_bytes(services.template_workbook(), "chainplan-mau-nhap-lieu.xlsx")


@callback(Output(DEMO_FEEDBACK, "children"), Output("overview-reload", "href"), Input("load-demo", "n_clicks"),
          State("overview-lang", "data"), prevent_initial_call=True)
def load_demo(_clicks: int | None, lang: str | None) -> tuple[object, object]:
    """Store the demo dataset, for an administrator and only on an empty database (it replaces the data as a
    whole, so it never runs over a province's own)."""
    lang = language(lang)
    require("load_demo")  # the guard refused a forged request already; this is the write's own check
    if services.dataset_summary(unit_of_work())["counts"]["products"]:
        return html.Span(t("demo_not_on_data", lang), className="cp-error"), dash.no_update
    services.load_demo(unit_of_work())
    return t("demo_loaded", lang), f"/?lang={lang}"
