"""Overview: what the province has (regions, chain products, stars), what is asked and what is available."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import dcc, html

from chainplan import services
from dash_app.i18n import format_vnd, language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/", name="Overview", title="chainplan")


def _card(label: str, value: str, test_id: str) -> html.Div:
    return html.Div(
        [html.Div(label, style={"fontSize": "0.85rem", "color": "#555"}),
         html.Div(value, id=test_id, style={"fontSize": "1.6rem", "fontWeight": 600})],
        style={"border": "1px solid #ddd", "borderRadius": "8px", "padding": "0.75rem 1rem", "minWidth": "160px"},
    )


def tier_figure(summary: dict[str, Any], lang: str) -> go.Figure:
    """Bar chart of chain products by tier (a pure function of the summary)."""
    tiers = ["district", "provincial", "national"]
    figure = go.Figure(go.Bar(x=[t(f"tier_{k}", lang) for k in tiers],
                              y=[summary["products_by_tier"][k] for k in tiers], marker_color="#2a7f62"))
    figure.update_layout(title=t("tiers", lang), height=300, margin={"l": 40, "r": 10, "t": 40, "b": 30})
    return figure


def stars_figure(summary: dict[str, Any], lang: str) -> go.Figure:
    stars = summary["products_by_stars"]
    figure = go.Figure(go.Bar(x=[f"{k}★" for k in stars], y=list(stars.values()), marker_color="#c8a200"))
    figure.update_layout(title=t("stars", lang), height=300, margin={"l": 40, "r": 10, "t": 40, "b": 30})
    return figure


def _table(header: list[str], rows: list[list[object]], test_id: str) -> html.Table:
    cell = {"padding": "4px 10px", "borderBottom": "1px solid #eee", "textAlign": "left"}
    return html.Table(
        [html.Thead(html.Tr([html.Th(h, style=cell) for h in header])),
         html.Tbody([html.Tr([html.Td(str(v), style=cell) for v in row]) for row in rows])],
        id=test_id, style={"borderCollapse": "collapse", "margin": "0.5rem 0"},
    )


def layout(lang: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    other = "en" if lang == "vi" else "vi"
    header = html.Header([
        html.H1(t("app_title", lang), style={"fontSize": "1.5rem"}),
        dcc.Link(t("switch", lang), href=f"/?lang={other}", id="language-switch"),
    ], style={"display": "flex", "justifyContent": "space-between", "alignItems": "center"})
    try:
        summary = services.dataset_summary(unit_of_work())
    except Exception as exc:  # the page must say what is wrong rather than go blank
        return html.Div([header, html.P(f"{t('db_error', lang)}: {exc}", id="overview-error")])
    if summary["counts"]["products"] == 0:
        return html.Div([header, html.P(t("empty", lang), id="overview-empty")])
    cards = html.Div([
        _card(t("districts", lang), str(summary["districts"]), "card-districts"),
        _card(t("organizations", lang), str(summary["counts"]["organizations"]), "card-organizations"),
        _card(t("products", lang), str(summary["counts"]["products"]), "card-products"),
        _card(t("plans", lang), str(summary["counts"]["plans"]), "card-plans"),
        _card(t("budget", lang), format_vnd(summary["budget_available_vnd"]), "card-budget"),
        _card(t("requested", lang), format_vnd(summary["requested_vnd"]), "card-requested"),
    ], style={"display": "flex", "flexWrap": "wrap", "gap": "0.75rem"})
    appraisals = _table(
        [t("stage", lang), t("pending", lang), t("passed", lang), t("failed", lang)],
        [[stage, s["pending"], s["passed"], s["failed"]] for stage, s in summary["appraisals"].items()
         if sum(s.values())],
        "appraisal-table",
    )
    regions = _table(
        [t("region", lang), t("organizations", lang), t("products", lang), t("plans", lang), t("requested", lang)],
        [[r["name"], r["organizations"], r["products"], r["plans"], format_vnd(r["requested_vnd"])]
         for r in summary["by_region"]],
        "region-table",
    )
    return html.Div([
        header, cards,
        html.Div([dcc.Graph(figure=tier_figure(summary, lang), id="tier-graph"),
                  dcc.Graph(figure=stars_figure(summary, lang), id="stars-graph")],
                 style={"display": "grid", "gridTemplateColumns": "1fr 1fr", "gap": "1rem"}),
        html.H2(t("appraisals", lang), style={"fontSize": "1.2rem"}), appraisals,
        html.H2(t("by_region", lang), style={"fontSize": "1.2rem"}), regions,
    ])
