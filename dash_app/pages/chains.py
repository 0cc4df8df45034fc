"""Supply chains: the gap report by tier and product, and how a product reaches the supermarket chains."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, callback, dcc, html

from chainplan import services
from chainplan.chains import GAP_TYPES
from dash_app.components import card, header, table
from dash_app.i18n import language, t
from dash_app.state import unit_of_work

dash.register_page(__name__, path="/chains", name="Chains", title="chainplan — chains")

TIERS = ("national", "provincial", "district", "none")


def _product_options() -> list[dict[str, str]]:
    dataset = services.load_dataset(unit_of_work())
    return [{"label": f"{code} — {name}", "value": code}
            for code, name in zip(dataset.products["code"], dataset.products["name"], strict=True)]


def layout(lang: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    top = header(lang, "/chains")
    try:
        products = _product_options()
    except Exception as exc:  # the page must say what is wrong rather than go blank
        return html.Div([top, html.P(f"{t('db_error', lang)}: {exc}", id="chains-error")])
    tier_options = [{"label": t("all", lang), "value": "all"}] + [
        {"label": t(f"tier_{tier}", lang), "value": tier} for tier in TIERS]
    return html.Div([
        top,
        dcc.Store(id="chains-lang", data=lang),
        html.Div([
            html.Label([t("tier", lang), dcc.Dropdown(tier_options, "national", id="tier-filter", clearable=False)],
                       style={"flex": "1"}),
            html.Label([t("product", lang), dcc.Dropdown(products, None, id="product-filter")],
                       style={"flex": "2"}),
        ], style={"display": "flex", "gap": "1rem", "margin": "1rem 0"}),
        html.Div(id="gap-cards", style={"display": "flex", "flexWrap": "wrap", "gap": "0.5rem"}),
        html.H2(t("trace", lang), style={"fontSize": "1.2rem"}),
        html.Div(id="trace-panel"),
        html.H2(t("gaps_found", lang), style={"fontSize": "1.2rem"}),
        html.Div(id="gap-table"),
    ])


@callback(
    Output("gap-cards", "children"), Output("gap-table", "children"), Output("trace-panel", "children"),
    Input("tier-filter", "value"), Input("product-filter", "value"), Input("chains-lang", "data"),
)
def show_chains(tier: str | None, product: str | None, lang: str | None) -> tuple[Any, Any, Any]:
    lang = language(lang)
    uow = unit_of_work()
    # A chosen product shows its own gaps whatever the tier filter says.
    tier_filter = None if product or tier in (None, "all") else tier
    gaps = services.chain_gaps(uow, product=product or None, tier=tier_filter)
    cards = [card(t(kind, lang), str(sum(g.type == kind for g in gaps)), f"gap-count-{kind}") for kind in GAP_TYPES]
    rows = [[g.product_code, t(g.type, lang), t(f"severity_{g.severity}", lang),
             g.detail_vi if lang == "vi" and g.detail_vi else g.detail] for g in gaps]
    gap_table = table([t("product", lang), t("gap_type", lang), t("severity", lang), t("detail", lang)], rows,
                      "gap-rows")
    if not product:
        return cards, gap_table, html.P(t("pick_product", lang), id="trace-empty")
    trace = services.chain_trace(uow, product)
    if not trace.paths:
        paths: Any = html.P(t("no_paths", lang), id="trace-none")
    else:
        paths = table([t("path", lang), t("bottleneck", lang), t("weakest_link", lang)],
                      [[" → ".join(p.nodes), f"{p.bottleneck:,.0f}", " → ".join(p.weakest_link)] for p in trace.paths],
                      "trace-rows")
    flow = html.P(f"{t('flow', lang)}: {trace.max_flow:,.0f} / {trace.demand:,.0f}", id="trace-flow")
    return cards, gap_table, html.Div([paths, flow])
