"""Pure functions from plain data to what the pages draw: chain graph elements, grid rows. Unit-tested.

Examples
--------
>>> format_number(1234567.5, "vi"), format_number(1234567.5, "en"), format_number(2000, "vi")
('1.234.567,5', '1,234,567.5', '2.000')
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from chainplan.allocation.wording import target_name
from chainplan.chains import Gap
from chainplan.money import format_number
from chainplan.schema import SUPERMARKET_KINDS
from chainplan.wording import term
from dash_app.i18n import t

__all__ = ["ROLE_COLUMNS", "SIMPLE_CHART", "NodeBox", "bars", "chain_elements", "chain_layout", "chain_stylesheet",
           "edge_route", "format_number",
           "frontier_figure", "gap_rows", "risk_bands", "risk_rows", "star_bars", "target_amount",
           "tier_bars"]

#: A simple bar chart needs no zoom toolbar.
SIMPLE_CHART = {"displayModeBar": False}

#: Left to right: where an organization stands in the chain.
ROLE_COLUMNS = ("producer", "processor", "distributor", "retailer")
ROLE_COLOURS = {"producer": "#4c956c", "processor": "#2a6f97", "distributor": "#8d6a9f", "retailer": "#c97c10"}
GAP_COLOUR = "#c1121f"


#: The chain graph's geometry (model pixels): columns of tiers, a node's shape and its name written below it.
COLUMN_STEP = 260
NODE_HALF = 17              # half the widest shape (a supermarket chain's rectangle is 34 px wide)
LABEL_HALF_WIDTH = 75       # the name wraps at 150 px
LINE_HEIGHT = 14            # 11 px text
CHARACTER_WIDTH = 6.2       # an 11 px character, on average, for Vietnamese names
ROW_GAP = 36                # free space between one node's name and the next node: edges run through it
CORRIDOR = 95               # edges turn this far beside a column, clear of every name (75 px each side)


@dataclass(frozen=True)
class NodeBox:
    """What a node covers on the chain graph: its shape and its wrapped name below it (model pixels)."""

    code: str
    x: float
    y: float
    left: float
    right: float
    top: float
    bottom: float

    def crossed_by(self, start: tuple[float, float], end: tuple[float, float]) -> bool:
        """Whether the straight segment ``start``-``end`` passes through this box (Liang-Barsky clipping).

        Examples
        --------
        >>> box = NodeBox("A", 0, 0, -10, 10, -10, 10)
        >>> box.crossed_by((-20, 0), (20, 0)), box.crossed_by((-20, 15), (20, 15)), box.crossed_by((-20, -20), (0, 0))
        (True, False, True)
        """
        (x0, y0), (x1, y1) = start, end
        dx, dy = x1 - x0, y1 - y0
        low, high = 0.0, 1.0
        for p, q in ((-dx, x0 - self.left), (dx, self.right - x0), (-dy, y0 - self.top), (dy, self.bottom - y0)):
            if p == 0:
                if q < 0:
                    return False
                continue
            r = q / p
            if p < 0:
                low = max(low, r)
            else:
                high = min(high, r)
            if low > high:
                return False
        return True


def _label_lines(name: str) -> int:
    """How many lines a name takes when wrapped at 150 px (word by word, as Cytoscape wraps)."""
    lines, width = 1, 0.0
    for word in name.split():
        length = len(word) * CHARACTER_WIDTH
        if width and width + CHARACTER_WIDTH + length > 2 * LABEL_HALF_WIDTH:
            lines, width = lines + 1, length
        else:
            width += (CHARACTER_WIDTH if width else 0.0) + length
    return lines


def _column(role: str) -> int:
    return ROLE_COLUMNS.index(role) if role in ROLE_COLUMNS else len(ROLE_COLUMNS) - 1


def chain_layout(organizations: Sequence[Mapping[str, Any]]) -> dict[str, NodeBox]:
    """Each organization's place: one column per tier (producers left, then processors, distributors, retailers),
    by name within a column, each node below the previous one's wrapped name with room for edges between them."""
    boxes: dict[str, NodeBox] = {}
    bottoms: dict[int, float] = {}
    for organization in sorted(organizations, key=lambda o: (_column(o["role"]), o["name"])):
        column = _column(organization["role"])
        x = 60.0 + COLUMN_STEP * column
        y = bottoms[column] + ROW_GAP + NODE_HALF if column in bottoms else 60.0
        bottom = y + NODE_HALF + 4 + LINE_HEIGHT * _label_lines(str(organization["name"]))
        boxes[organization["code"]] = NodeBox(organization["code"], x, y, x - LABEL_HALF_WIDTH,
                                              x + LABEL_HALF_WIDTH, y - NODE_HALF, bottom)
        bottoms[column] = bottom
    return boxes


def _channel(boxes: Sequence[NodeBox], near: float) -> float:
    """The free height nearest ``near`` at which an edge can cross a column: above its first node, between two
    nodes, or below its last one."""
    ordered = sorted(boxes, key=lambda b: b.top)
    if not ordered:
        return near
    free = [ordered[0].top - ROW_GAP / 2, ordered[-1].bottom + ROW_GAP / 2]
    free += [(upper.bottom + lower.top) / 2 for upper, lower in itertools.pairwise(ordered)]
    return min(free, key=lambda y: abs(y - near))


def edge_route(source: NodeBox, target: NodeBox, columns: Mapping[int, Sequence[NodeBox]]) -> list[tuple[float, float]]:
    """The points an edge passes between its two nodes, so that it crosses no other node's box.

    It leaves its source to the right, at the source's height, turns in the corridor beside the column, crosses
    every column between (forward, or backward for a link against the tiers) at a free height, and enters its
    target from the left at the target's height. Each straight part lies either in a corridor between columns
    (where no box reaches), in a free height across a column, or at its own node's height beside it.
    """
    start = _column_of(source)
    end = _column_of(target)
    points = [(source.x + CORRIDOR, source.y)]
    crossed = range(start + 1, end) if end > start else range(start, end - 1, -1)
    y = source.y
    for column in crossed:
        x = 60.0 + COLUMN_STEP * column
        y = _channel(columns.get(column, ()), (y + target.y) / 2)
        entry, leave = (x - CORRIDOR, x + CORRIDOR) if end > start else (x + CORRIDOR, x - CORRIDOR)
        points += [(entry, y), (leave, y)]
    points.append((target.x - CORRIDOR, target.y))
    return points


def _column_of(box: NodeBox) -> int:
    return round((box.x - 60.0) / COLUMN_STEP)


def _segment_style(source: NodeBox, target: NodeBox, points: Sequence[tuple[float, float]]) -> dict[str, str]:
    """Cytoscape's ``segments`` edge through ``points``: each as a weight along the source-target line and a
    distance across it (measured from the node centres, ``edge-distances: node-position``)."""
    vx, vy = target.x - source.x, target.y - source.y
    length = (vx * vx + vy * vy) ** 0.5
    weights, distances = [], []
    for px, py in points:
        rx, ry = px - source.x, py - source.y
        weights.append((rx * vx + ry * vy) / (length * length))
        distances.append((vx * ry - vy * rx) / length)
    return {"weights": " ".join(f"{w:.4f}" for w in weights), "distances": " ".join(f"{d:.1f}" for d in distances)}


def chain_elements(
    organizations: Sequence[Mapping[str, Any]],
    links: Sequence[Mapping[str, Any]],
    gaps: Iterable[Gap],
    *,
    unit: str,
    lang: str,
) -> list[dict[str, Any]]:
    """Cytoscape elements with a preset, tiered layout (:func:`chain_layout`) and routed edges (:func:`edge_route`):
    no edge is drawn through a node it does not join, so a drawn path is a path of the chain.

    Nodes and links named by a gap carry the class ``gap``; supermarket chains the class ``supermarket``; an
    organization with a violation not yet resolved (``violations`` above 0) the class ``violation`` and a ⚠ after
    its name. Each edge carries its route in ``data.route`` (the points, for tests and readers) and as
    Cytoscape's segment weights and distances.
    """
    gap_nodes: set[str] = set()
    gap_edges: set[tuple[str, str]] = set()
    for gap in gaps:
        gap_nodes.update(gap.nodes)
        gap_edges.update(gap.edges)
    boxes = chain_layout(organizations)
    columns: dict[int, list[NodeBox]] = {}
    for box in boxes.values():
        columns.setdefault(_column_of(box), []).append(box)
    elements: list[dict[str, Any]] = []
    for organization in organizations:
        role = organization["role"] if organization["role"] in ROLE_COLUMNS else "retailer"
        box = boxes[organization["code"]]
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
            "position": {"x": box.x, "y": box.y},
            "classes": " ".join(classes),
        })
    for link in links:
        edge = (link["from_code"], link["to_code"])
        label = f"{format_number(link['capacity'], lang, 0)} {unit}".strip()
        source, target = boxes[edge[0]], boxes[edge[1]]
        route = edge_route(source, target, columns)
        segments = _segment_style(source, target, route)
        elements.append({
            "data": {"id": f"{edge[0]}>{edge[1]}", "source": edge[0], "target": edge[1], "label": label,
                     "route": [[round(x, 1), round(y, 1)] for x, y in route],
                     "weights": segments["weights"], "distances": segments["distances"]},
            "classes": "gap" if edge in gap_edges else "",
        })
    return elements


def chain_stylesheet() -> list[dict[str, Any]]:
    """Colours by role, supermarket chains as rectangles, gaps in red with a thick border."""
    styles: list[dict[str, Any]] = [
        {"selector": "node", "style": {"label": "data(label)", "text-wrap": "wrap", "text-max-width": "150px",
                                       "font-size": "11px", "text-valign": "bottom", "text-margin-y": "4px",
                                       "width": "26px", "height": "26px"}},
        # Routed edges (chain_elements): segments through the computed points, from and to the node centres.
        {"selector": "edge", "style": {"label": "data(label)", "font-size": "10px", "curve-style": "segments",
                                       "segment-weights": "data(weights)", "segment-distances": "data(distances)",
                                       "edge-distances": "node-position", "target-arrow-shape": "triangle",
                                       "width": 2, "line-color": "#9aa5b1", "target-arrow-color": "#9aa5b1",
                                       "text-background-color": "#ffffff", "text-background-opacity": 1,
                                       "text-background-padding": "2px", "text-border-color": "#9aa5b1",
                                       "text-border-width": 1, "text-border-opacity": 1, "z-index": 2}},
        {"selector": ".supermarket", "style": {"shape": "round-rectangle", "width": "34px"}},
        {"selector": "node.gap", "style": {"border-width": 4, "border-color": GAP_COLOUR}},
        {"selector": "node.violation", "style": {"border-style": "double", "border-width": 6,
                                                 "border-color": GAP_COLOUR, "color": GAP_COLOUR}},
        # A gap's dashed edge is drawn under the other edges and their labels.
        {"selector": "edge.gap", "style": {"line-color": GAP_COLOUR, "target-arrow-color": GAP_COLOUR, "width": 3,
                                           "line-style": "dashed", "z-index": 1, "text-border-color": GAP_COLOUR}},
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
