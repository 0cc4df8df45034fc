"""Supply chains: the gap report (AG Grid), and a product's chain as a graph with its paths, flows and fixes.

The selection lives in the URL (``?tier=national&region=HL&product=SP002&gap=capacity_shortfall``): a reload, a
shared link and the language switch keep it. The product list follows the tier and the region. One click answers:
a gap-count card filters the table to its type, a gap row opens its product's chain, and a chosen product clears
the column filters that would hide its own gaps. The tier starts at "all": a manager first asks what is broken
anywhere.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import dash_cytoscape as cyto
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from chainplan import services
from chainplan.chains import GAP_TYPES, UnknownProduct
from chainplan.errors import text_of
from chainplan.wording import term
from dash_app.components import dropdown, header, page_year, table
from dash_app.figures import ROLE_COLOURS, chain_elements, chain_stylesheet, format_number, gap_rows
from dash_app.i18n import grid_locale, language, t
from dash_app.state import unit_of_work
from dash_app.urlstate import url_state

dash.register_page(__name__, path="/chains", name="Chains", title="chainplan")

TIERS = ("national", "provincial", "district", "none")


def _chosen(products: list[dict[str, str]], tier: str, region: str | None) -> list[dict[str, str]]:
    return [p for p in products if (tier == "all" or p["tier"] == tier) and (not region or p["region"] == region)]


def _product_options(products: list[dict[str, str]], tier: str, region: str | None = None) -> list[dict[str, str]]:
    return [{"label": f"{p['name']} ({p['code']})", "value": p["code"]} for p in _chosen(products, tier, region)]


def _columns(lang: str) -> list[dict[str, Any]]:
    return [
        {"field": "product", "headerName": t("product", lang), "filter": "agTextColumnFilter", "flex": 2,
         "minWidth": 170, "wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.35",
                                                                              "padding": "4px 8px"}},
        {"field": "type", "headerName": t("gap_type", lang), "filter": "agTextColumnFilter", "flex": 1,
         "minWidth": 160, "wrapText": True, "autoHeight": True, "cellStyle": {"lineHeight": "1.35",
                                                                              "padding": "4px 8px"}},
        {"field": "severity", "headerName": t("severity", lang), "filter": "agTextColumnFilter", "width": 120},
        {"field": "detail", "headerName": t("detail", lang), "flex": 5, "minWidth": 320, "wrapText": True,
         "autoHeight": True, "filter": "agTextColumnFilter", "cellStyle": {"lineHeight": "1.35",
                                                                          "padding": "4px 8px"}},
    ]


def _legend(lang: str) -> html.Div:
    swatch = {"display": "inline-block", "width": "12px", "height": "12px", "marginRight": "4px",
              "verticalAlign": "middle", "borderRadius": "50%"}
    items = [html.Span([html.Span(style={**swatch, "background": colour}), term("org_role", role, lang)],
                       style={"marginRight": "1rem"}) for role, colour in ROLE_COLOURS.items()]
    items.append(html.Span([html.Span(style={**swatch, "border": "3px solid #c1121f"}), t("legend_gap", lang)]))
    items.append(html.Span([html.Span("⚠", style={"marginRight": "4px", "color": "#c1121f"}),
                            t("legend_violation", lang)], style={"marginLeft": "1rem"}))
    return html.Div(items, id="chain-legend", style={"fontSize": "0.85rem", "margin": "0.25rem 0"})


def layout(lang: str | None = None, tier: str | None = None, product: str | None = None, region: str | None = None,
           gap: str | None = None, year: str | None = None, **_query: str) -> html.Div:
    lang = language(lang)
    chosen_year = page_year(year)
    tier = tier if tier in (*TIERS, "all") else "all"
    gap = gap if gap in GAP_TYPES else None
    try:
        catalogue = services.chain_catalogue(unit_of_work())
    except Exception as exc:  # the page must say what is wrong rather than go blank
        return html.Div([header(lang, "/chains", {"year": chosen_year}),
                         html.P(f"{t('db_error', lang)}: {text_of(exc, lang)}", id="chains-error")])
    products, regions = catalogue.products, catalogue.districts
    known = {p["code"] for p in products}
    product = product if product in known else None
    region = region if region in {r["value"] for r in regions} else None
    tier_options = [{"label": t("all", lang), "value": "all"}] + [
        {"label": term("tier", name, lang), "value": name} for name in TIERS]
    return html.Div([
        header(lang, "/chains", {"year": chosen_year, "tier": tier, "region": region, "product": product,
                                 "gap": gap}),
        dcc.Location(id="chains-url", refresh=False),
        dcc.Store(id="chains-lang", data=lang),
        dcc.Store(id="gap-type", data=gap),
        dcc.Store(id="chains-products", data=products),
        html.Div([
            html.Label([t("tier", lang), dropdown(lang, tier_options, tier, "tier-filter", clearable=False,
                                                      searchable=False)], style={"flex": "1 1 200px"}),
            html.Label([t("region", lang), dropdown(lang, regions, region, "region-filter",
                                                    placeholder=t("all_regions", lang))],
                       style={"flex": "1 1 200px"}),
            html.Label([t("product", lang), dropdown(lang, _product_options(products, tier, region), product,
                                                     "product-filter", placeholder=t("pick_product", lang))],
                       style={"flex": "2 1 280px"}),
        ], style={"display": "flex", "flexWrap": "wrap", "gap": "1rem", "margin": "1rem 0"}),
        html.P(t("gap_cards_hint", lang), className="cp-muted", style={"margin": "0 0 0.25rem"}),
        html.Div([_gap_card(kind, lang) for kind in GAP_TYPES], id="gap-cards",
                 style={"display": "flex", "flexWrap": "wrap", "gap": "0.5rem"}),
        html.Div([
            html.H2(t("gaps_found", lang), style={"fontSize": "1.2rem", "flex": "1"}),
            dbc.Button(t("export_csv", lang), id="gap-export", color="secondary", outline=True, size="sm"),
        ], style={"display": "flex", "alignItems": "center", "gap": "1rem"}),
        html.P(t("gap_row_hint", lang), className="cp-muted", style={"margin": "0 0 0.25rem"}),
        dag.AgGrid(
            id="gap-table", columnDefs=_columns(lang), rowData=[], defaultColDef={"sortable": True,
                                                                                  "resizable": True},
            dashGridOptions={"localeText": grid_locale(lang), "animateRows": False, "pagination": False},
            getRowId="params.data.row_id",
            csvExportParams={"fileName": "chainplan-gaps.csv"}, style={"height": "560px", "width": "100%"},
            className="ag-theme-alpine",
        ),
        # Below the grid: a product's panel grows and shrinks, and must not move the grid while it redraws.
        html.Div(id="product-panel"),
    ])


@callback(Output("product-filter", "options"), Output("product-filter", "value"),
          Input("tier-filter", "value"), Input("region-filter", "value"), State("product-filter", "value"),
          State("chains-products", "data"), prevent_initial_call=True)
def follow_tier(tier: str, region: str | None, product: str | None, products: list[dict[str, str]]
                ) -> tuple[Any, Any]:
    options = _product_options(products, tier or "all", region)
    keep = product if any(o["value"] == product for o in options) else None
    return options, keep


@callback(Output("chains-url", "search"), Output("language-switch", "href", allow_duplicate=True),
          Input("tier-filter", "value"), Input("region-filter", "value"), Input("product-filter", "value"),
          Input("gap-type", "data"), State("chains-lang", "data"), State("year-select", "value"),
          prevent_initial_call="initial_duplicate")
def keep_in_url(tier: str | None, region: str | None, product: str | None, gap: str | None, lang: str | None,
                year: int | None) -> tuple[str, str]:
    return url_state("/chains", language(lang), year=year, tier=tier, region=region, product=product, gap=gap)


def _gap_card(kind: str, lang: str) -> html.Button:
    """A gap type's count as a button: pressing it shows only that type in the table, pressing it again all."""
    return html.Button([html.Span(term("gap", kind, lang), className="text-muted small"),
                        html.Span("–", id=f"gap-count-{kind}", className="cp-gap-count")],
                       id={"type": "gap-card", "gap": kind}, className="cp-gap-card", n_clicks=0,
                       **{"aria-pressed": "false"})


@callback(Output("gap-type", "data", allow_duplicate=True), Input({"type": "gap-card", "gap": ALL}, "n_clicks"),
          State("gap-type", "data"), prevent_initial_call=True)
def press_card(clicks: list[int | None], chosen: str | None) -> Any:
    if not ctx.triggered_id or not any(clicks):
        return dash.no_update
    kind = ctx.triggered_id["gap"]
    return None if kind == chosen else kind


@callback(Output("product-filter", "value", allow_duplicate=True), Input("gap-table", "cellClicked"),
          prevent_initial_call=True)
def open_clicked_product(cell: dict[str, Any] | None) -> Any:
    """Clicking a gap row opens that product's chain."""
    row = (cell or {}).get("rowId") or ""
    return row.split("#", 1)[0] or dash.no_update


@callback(Output("gap-table", "filterModel"), Output("gap-type", "data", allow_duplicate=True),
          Input("product-filter", "value"), prevent_initial_call=True)
def clear_filters_for_product(product: str | None) -> tuple[Any, Any]:
    """A chosen product shows all its gaps: no column filter nor card may hide one of them."""
    if not product:
        return dash.no_update, dash.no_update
    return {}, None


@callback(Output("gap-table", "exportDataAsCsv"), Input("gap-export", "n_clicks"), prevent_initial_call=True)
def export_gaps(_clicks: int | None) -> bool:
    return True


@callback(
    Output({"type": "gap-card", "gap": ALL}, "aria-pressed"),
    *[Output(f"gap-count-{kind}", "children") for kind in GAP_TYPES],
    Output("gap-table", "rowData"), Output("product-panel", "children"),
    Input("tier-filter", "value"), Input("region-filter", "value"), Input("product-filter", "value"),
    Input("gap-type", "data"), State("chains-products", "data"), State("chains-lang", "data"),
)
def show_chains(tier: str | None, region: str | None, product: str | None, gap_type: str | None,
                products: list[dict[str, str]], lang: str | None) -> tuple[Any, ...]:
    lang = language(lang)
    names = {p["code"]: p["name"] for p in products}
    if product:
        try:
            view = services.chain_view(unit_of_work(), product)
        except UnknownProduct:
            return (["false"] * len(GAP_TYPES), *["0"] * len(GAP_TYPES), [],
                    html.P(t("unknown_product", lang), id="trace-none"))
        gaps = view.gaps
        panel = _product_panel(view, lang)
    else:
        gaps = services.chain_gaps(unit_of_work(), tier=None if tier in (None, "all") else tier, region=region)
        panel = html.P(t("pick_product", lang), id="trace-empty")
    counts = [format_number(sum(g.type == kind for g in gaps), lang, 0) for kind in GAP_TYPES]
    shown = [g for g in gaps if gap_type in (None, g.type)]
    rows = [{**row, "row_id": f"{row['product_code']}#{i}"} for i, row in enumerate(gap_rows(shown, names, lang))]
    pressed = ["true" if kind == gap_type else "false" for kind in GAP_TYPES]
    return pressed, *counts, rows, panel


def _product_panel(view: services.ChainView, lang: str) -> html.Div:
    unit = str(view.product.get("unit") or "")
    who = {o["code"]: o["name"] for o in view.organizations}
    trace = view.trace
    graph = cyto.Cytoscape(
        id="chain-graph", layout={"name": "preset", "fit": True, "padding": 30},
        elements=chain_elements(view.organizations, view.links, view.gaps, unit=unit, lang=lang),
        stylesheet=chain_stylesheet(), style={"width": "100%", "height": "420px", "border": "1px solid #ddd",
                                              "borderRadius": "8px"},
        userZoomingEnabled=True, minZoom=0.3, maxZoom=2.5,
    )
    if trace.paths:
        paths: Any = table([t("path", lang), f"{t('bottleneck', lang)} ({unit})", t("weakest_link", lang)],
                           [[" → ".join(who.get(n, n) for n in p.nodes), format_number(p.bottleneck, lang, 0),
                             " → ".join(who.get(n, n) for n in p.weakest_link)] for p in trace.paths], "trace-rows")
    else:
        paths = html.P(t("no_paths", lang), id="trace-none")
    flow = html.P(f"{t('flow', lang)}: {format_number(trace.max_flow, lang, 0)} / "
                  f"{format_number(trace.demand, lang, 0)} {unit}".strip(), id="trace-flow")
    who = view.names
    fixes = [[term("gap", c.gap_type, lang), who.get(c.from_code, c.from_code), who.get(c.to_code, c.to_code),
              term("proximity", c.proximity, lang), f"{format_number(c.spare_capacity, lang, 0)} {unit}".strip()]
             for c in view.candidates]
    candidates = (html.Div([table([t("gap_type", lang), t("from", lang), t("to", lang),
                                   t("proximity_to_producer", lang), t("spare_capacity", lang)], fixes,
                                  "candidate-rows"),
                            html.P(t("proximity_note", lang), className="cp-muted", id="proximity-note")])
                  if fixes else html.P(t("no_candidates", lang), id="candidates-none"))
    title = f"{view.product.get('name', '')} ({view.product.get('code', '')})"
    return html.Div([
        html.H2(title, style={"fontSize": "1.3rem"}), _legend(lang), graph,
        html.H3(t("trace", lang), style={"fontSize": "1.1rem"}), paths, flow,
        html.H3(t("candidates", lang), style={"fontSize": "1.1rem"}), candidates,
    ])

