"""Pure functions from plain data to what the pages draw: chain graph elements, grid rows. Unit-tested.

Examples
--------
>>> format_number(1234567.5, "vi"), format_number(1234567.5, "en"), format_number(2000, "vi")
('1.234.567,5', '1,234,567.5', '2.000')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from chainplan.allocation.wording import target_name
from chainplan.chains import Gap
from chainplan.money import format_number
from chainplan.schema import SUPERMARKET_KINDS
from chainplan.wording import term
from dash_app.i18n import t

__all__ = ["ROLE_COLUMNS", "SIMPLE_CHART", "bars", "chain_elements", "chain_stylesheet", "format_number",
           "frontier_figure", "gap_rows", "risk_bands", "risk_rows", "star_bars", "target_amount",
           "tier_bars"]

#: A simple bar chart needs no zoom toolbar.
SIMPLE_CHART = {"displayModeBar": False}

#: Left to right: where an organization stands in the chain.
ROLE_COLUMNS = ("producer", "processor", "distributor", "retailer")
ROLE_COLOURS = {"producer": "#4c956c", "processor": "#2a6f97", "distributor": "#8d6a9f", "retailer": "#c97c10"}
GAP_COLOUR = "#c1121f"


def chain_elements(
    organizations: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    gaps: Iterable[Gap],
    *,
    unit: str,
    lang: str,
) -> list[dict[str, Any]]:
    """Cytoscape elements with a preset, tiered layout: producers left, then processors, distributors, retailers.

    Nodes and links named by a gap carry the class ``gap``; supermarket chains the class ``supermarket``; an
    organization with a violation not yet resolved (``violations`` above 0) the class ``violation`` and a ⚠ after
    its name.
    """
    gap_nodes: set[str] = set()
    gap_edges: set[tuple[str, str]] = set()
    for gap in gaps:
        gap_nodes.update(gap.nodes)
        gap_edges.update(gap.edges)
    rows: dict[str, int] = {}
    elements: list[dict[str, Any]] = []
    for organization in sorted(organizations, key=lambda o: (ROLE_COLUMNS.index(o["role"])
                                                             if o["role"] in ROLE_COLUMNS else 4, o["name"])):
        role = organization["role"] if organization["role"] in ROLE_COLUMNS else "retailer"
        row = rows.get(role, 0)
        rows[role] = row + 1
        classes = [role]
        if organization["code"] in gap_nodes:
            classes.append("gap")
        if organization.get("kind") in SUPERMARKET_KINDS:
            classes.append("supermarket")
        label = organization["name"]
        if organization.get("violations"):
            classes.append("violation")
            label = f"{label} ⚠"
        elements.append({
            "data": {"id": organization["code"], "label": label, "role": term("org_role", role, lang)},
            "position": {"x": 60 + 260 * ROLE_COLUMNS.index(role), "y": 50 + 90 * row},
            "classes": " ".join(classes),
        })
    for link in links:
        edge = (link["from_code"], link["to_code"])
        label = f"{format_number(link['capacity'], lang, 0)} {unit}".strip()
        elements.append({
            "data": {"id": f"{edge[0]}>{edge[1]}", "source": edge[0], "target": edge[1], "label": label},
            "classes": "gap" if edge in gap_edges else "",
        })
    return elements


def chain_stylesheet() -> list[dict[str, Any]]:
    """Colours by role, supermarket chains as rectangles, gaps in red with a thick border."""
    styles: list[dict[str, Any]] = [
        {"selector": "node", "style": {"label": "data(label)", "text-wrap": "wrap", "text-max-width": "150px",
                                       "font-size": "11px", "text-valign": "bottom", "text-margin-y": "4px",
                                       "width": "26px", "height": "26px"}},
        {"selector": "edge", "style": {"label": "data(label)", "font-size": "10px", "curve-style": "bezier",
                                       "target-arrow-shape": "triangle", "width": 2, "line-color": "#9aa5b1",
                                       "target-arrow-color": "#9aa5b1", "text-background-color": "#ffffff",
                                       "text-background-opacity": 0.85, "text-background-padding": "2px"}},
        {"selector": ".supermarket", "style": {"shape": "round-rectangle", "width": "34px"}},
        {"selector": "node.gap", "style": {"border-width": 4, "border-color": GAP_COLOUR}},
        {"selector": "node.violation", "style": {"border-style": "double", "border-width": 6,
                                                 "border-color": GAP_COLOUR, "color": GAP_COLOUR}},
        {"selector": "edge.gap", "style": {"line-color": GAP_COLOUR, "target-arrow-color": GAP_COLOUR, "width": 3,
                                           "line-style": "dashed"}},
    ]
    styles += [{"selector": f".{role}", "style": {"background-color": colour}}
               for role, colour in ROLE_COLOURS.items()]
    return styles


def gap_rows(gaps: Iterable[Gap], product_names: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    """One grid row per gap: the product by name, the type and severity in words, the sentence."""
    order = {"high": 0, "medium": 1, "low": 2}
    return [{
        "product": f"{product_names.get(g.product_code, g.product_code)} ({g.product_code})",
        "product_code": g.product_code, "type": term("gap", g.type, lang),
        "severity": term("severity", g.severity, lang),
        "severity_rank": order.get(g.severity, 3),
        "detail": g.detail_vi if lang == "vi" and g.detail_vi else g.detail,
    } for g in gaps]


def _separators(lang: str) -> str:
    return ",." if lang == "vi" else ".,"


def target_amount(value: float | None, lang: str, *, share: bool = False, missing: str = "") -> str:
    """A target's bound or achievement as people write it: a share in per cent, a count with up to two decimals;
    ``missing`` for none (``None``, or NaN from a frame).

    Examples
    --------
    >>> target_amount(0.625, "vi", share=True), target_amount(25.78, "en"), target_amount(None, "en", missing="—")
    ('62,5 %', '25.78', '—')
    """
    if value is None or value != value:
        return missing
    return f"{format_number(float(value) * 100, lang, 1)} %" if share else format_number(float(value), lang, 2)


def attainment(achieved: float | None, minimum: float | None) -> float | None:
    """Achievement as a per cent of the target's minimum (``None`` without a positive minimum).

    Examples
    --------
    >>> attainment(25, 50), attainment(3, None), attainment(None, 10)
    (50.0, None, None)
    """
    if achieved is None or not minimum or minimum <= 0:
        return None
    return 100.0 * float(achieved) / float(minimum)


def frontier_figure(points: Sequence[Mapping[str, Any]], minimums: Mapping[str, float | None], lang: str) -> go.Figure:
    """Benefit (top) and each target's attainment of its minimum (bottom) against the total budget in billions.

    ``points`` are the frontier's points (``budget_vnd``, ``total_benefit``, ``targets``); ``minimums`` each
    target's minimum in the scenario. A dotted line marks 100 % (the minimum met).
    """
    billions = [p["budget_vnd"] / 1e9 for p in points]
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=(t("frontier_benefit", lang), t("frontier_attainment", lang)))
    figure.add_trace(go.Scatter(x=billions, y=[p["total_benefit"] for p in points], mode="lines+markers",
                                name=t("total_benefit", lang), line={"color": "#2a6f97"}), row=1, col=1)
    for target, minimum in minimums.items():
        values = [attainment(p["targets"].get(target), minimum) for p in points]
        if all(v is None for v in values):
            continue
        figure.add_trace(go.Scatter(x=billions, y=values, mode="lines+markers", name=target_name(target, lang)),
                         row=2, col=1)
    figure.add_hline(y=100, line_dash="dot", line_color="#555", row=2, col=1)
    figure.update_xaxes(title_text=t("budget_billions", lang), row=2, col=1)
    figure.update_yaxes(title_text=t("benefit", lang), row=1, col=1)
    figure.update_yaxes(title_text="%", row=2, col=1)
    figure.update_layout(height=640, margin={"l": 60, "r": 20, "t": 40, "b": 40}, separators=_separators(lang),
                         legend={"orientation": "h", "y": -0.15}, hovermode="x unified")
    return figure


def risk_rows(risk: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """One row per target of a Monte Carlo summary, with names and the chance of meeting the minimum."""
    return [{"target": target_name(row["target"], lang), "min": row.get("min"), "max": row.get("max"),
             "mean": row["mean"], "p10": row["p10"], "p50": row["p50"], "p90": row["p90"],
             "prob_met": row["prob_met"]} for row in risk["targets"]]


def risk_bands(risk: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each target's P10, P50 and P90 as a per cent of its minimum, with the chance of meeting it.

    Targets without a minimum are left out (there is nothing to attain).
    """
    rows = []
    for row in risk["targets"]:
        if not row.get("min"):
            continue
        rows.append({"label": target_name(row["target"], lang), "low": attainment(row["p10"], row["min"]),
                     "mid": attainment(row["p50"], row["min"]), "high": attainment(row["p90"], row["min"]),
                     "prob_met": row["prob_met"]})
    return rows


def bars(items: Sequence[tuple[str, float]]) -> list[dict[str, Any]]:
    """Rows of a simple bar chart: each item's ``label``, ``value`` and ``share`` of the largest (0-1).

    Examples
    --------
    >>> [row["share"] for row in bars([("a", 30), ("b", 15), ("c", 0)])]
    [1.0, 0.5, 0.0]
    """
    largest = max((value for _, value in items), default=0)
    return [{"label": label, "value": value, "share": (value / largest) if largest else 0.0} for label, value in items]


def tier_bars(summary: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """Key-chain products by tier, district first."""
    tiers = ("district", "provincial", "national")
    return bars([(term("tier", tier, lang), summary["products_by_tier"][tier]) for tier in tiers])


def star_bars(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Products by OCOP stars, 0★ to 5★."""
    return bars([(f"{stars}★", count) for stars, count in summary["products_by_stars"].items()])
