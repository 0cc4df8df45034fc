"""Pure functions from plain data to what the pages draw: chain graph elements, grid rows. Unit-tested.

Examples
--------
>>> format_number(1234567.5, "vi"), format_number(1234567.5, "en"), format_number(2000, "vi")
('1.234.567,5', '1,234,567.5', '2.000')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from chainplan.chains import Gap
from chainplan.money import format_number
from chainplan.schema import SUPERMARKET_KINDS
from dash_app.i18n import t

__all__ = ["ROLE_COLUMNS", "chain_elements", "chain_stylesheet", "format_number", "gap_rows"]

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

    Nodes and links named by a gap carry the class ``gap``; supermarket chains the class ``supermarket``.
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
        elements.append({
            "data": {"id": organization["code"], "label": organization["name"], "role": t(f"role_{role}_org", lang)},
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
        "product_code": g.product_code, "type": t(g.type, lang), "severity": t(f"severity_{g.severity}", lang),
        "severity_rank": order.get(g.severity, 3),
        "detail": g.detail_vi if lang == "vi" and g.detail_vi else g.detail,
    } for g in gaps]
