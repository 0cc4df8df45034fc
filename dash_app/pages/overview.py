"""Overview: what the province has (regions, chain products, stars), what is asked and what is available."""

from __future__ import annotations

from typing import Any

import dash
import plotly.graph_objects as go
from dash import dcc, html

from chainplan import services
from dash_app.components import card, header, table
from dash_app.i18n import format_vnd, language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/", name="Overview", title="chainplan")


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


def layout(lang: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    top = header(lang, "/")
    try:
        summary = services.dataset_summary(unit_of_work())
    except Exception as exc:  # the page must say what is wrong rather than go blank
        return html.Div([top, html.P(f"{t('db_error', lang)}: {exc}", id="overview-error")])
    if summary["counts"]["products"] == 0:
        return html.Div([top, html.P(t("empty", lang), id="overview-empty")])
    cards = html.Div([
        card(t("districts", lang), str(summary["districts"]), "card-districts"),
        card(t("organizations", lang), str(summary["counts"]["organizations"]), "card-organizations"),
        card(t("products", lang), str(summary["counts"]["products"]), "card-products"),
        card(t("plans", lang), str(summary["counts"]["plans"]), "card-plans"),
        card(t("budget", lang), format_vnd(summary["budget_available_vnd"]), "card-budget"),
        card(t("requested", lang), format_vnd(summary["requested_vnd"]), "card-requested"),
    ], style={"display": "flex", "flexWrap": "wrap", "gap": "0.75rem"})
    appraisals = table(
        [t("stage", lang), t("pending", lang), t("passed", lang), t("failed", lang)],
        [[t(f"stage_{stage}", lang), s["pending"], s["passed"], s["failed"]]
         for stage, s in summary["appraisals"].items()
         if sum(s.values())],
        "appraisal-table",
    )
    regions = table(
        [t("region", lang), t("organizations", lang), t("products", lang), t("plans", lang), t("requested", lang)],
        [[r["name"], r["organizations"], r["products"], r["plans"], format_vnd(r["requested_vnd"])]
         for r in summary["by_region"]],
        "region-table",
    )
    return html.Div([
        top, cards,
        html.Div([dcc.Graph(figure=tier_figure(summary, lang), id="tier-graph"),
                  dcc.Graph(figure=stars_figure(summary, lang), id="stars-graph")],
                 # Side by side on a desktop, one under the other on a phone.
                 style={"display": "grid", "gridTemplateColumns": "repeat(auto-fit, minmax(320px, 1fr))",
                        "gap": "1rem"}),
        html.H2(t("appraisals", lang), style={"fontSize": "1.2rem"}), appraisals,
        html.H2(t("by_region", lang), style={"fontSize": "1.2rem"}), regions,
    ])
