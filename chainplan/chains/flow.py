"""Maximum flow from a product's producer to retail channels, through a super-sink.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph(producer="P", product={"annual_output": 0.0})
>>> G.add_edge("P", "D", capacity=10.0)
0
>>> G.add_edge("D", "R", capacity=4.0)
0
>>> result = max_flow_to(G, {"R": 8.0})
>>> result.value, result.cut_edges
(4.0, [('D', 'R')])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # networkx is imported where a graph is built, so that commands that build none (an allocation) start without it
    import networkx as nx


__all__ = ["FlowResult", "collapse", "max_flow_to"]

SOURCE = ("__source__",)
SINK = ("__sink__",)


def collapse(G: nx.MultiDiGraph, *, capacity: str = "capacity", volume: str = "volume") -> nx.DiGraph:
    """A simple digraph with parallel edges merged (capacities and volumes summed)."""
    import networkx as nx
    D = nx.DiGraph()
    D.add_nodes_from(G.nodes(data=True))
    for u, v, data in G.edges(data=True):
        if D.has_edge(u, v):
            D[u][v][capacity] += float(data.get(capacity, 0.0))
            D[u][v][volume] += float(data.get(volume, 0.0))
        else:
            D.add_edge(u, v, **{capacity: float(data.get(capacity, 0.0)), volume: float(data.get(volume, 0.0))})
    return D


@dataclass
class FlowResult:
    """Value of the maximum flow, the flow on each link and the links of a minimum cut."""

    value: float
    flow: dict[tuple[str, str], float] = field(default_factory=dict)
    cut_edges: list[tuple[str, str]] = field(default_factory=list)
    output_limited: bool = False


def max_flow_to(
    G: nx.MultiDiGraph, sinks: Mapping[str, float | None], *, capacity: str = "capacity"
) -> FlowResult:
    """Maximum flow from ``G.graph["producer"]`` to ``sinks`` (node -> cap at that sink, ``None`` = no cap).

    The producer's ``annual_output`` caps the flow when it is above zero (zero means "not known"). The cut is
    a minimum cut; when the producer's output is part of it, ``output_limited`` is set.
    """
    producer = G.graph["producer"]
    sinks = {node: cap for node, cap in sinks.items() if node in G}
    if producer not in G or not sinks:
        return FlowResult(0.0)
    D = collapse(G, capacity=capacity)
    output = float(G.graph.get("product", {}).get("annual_output") or 0.0)
    if output > 0:
        D.add_edge(SOURCE, producer, **{capacity: output})
    else:
        D.add_edge(SOURCE, producer)  # no capacity attribute: unbounded for networkx
    for node, cap in sinks.items():
        if cap is None:
            D.add_edge(node, SINK)
        else:
            D.add_edge(node, SINK, **{capacity: float(cap)})
    # One residual network gives the value, the flow on every link and the minimum cut.
    from networkx.algorithms.flow import preflow_push
    residual = preflow_push(D, SOURCE, SINK, capacity=capacity)
    value = float(residual.graph["flow_value"])
    # networkx leaves links of capacity 0 out of the residual network: they carry nothing.
    flow = {
        (u, v): float(residual[u][v]["flow"]) for u, v in D.edges
        if u != SOURCE and v != SINK and v in residual[u] and residual[u][v]["flow"] > 0
    }
    reachable: set[Any] = {SOURCE}
    frontier = [SOURCE]
    while frontier:
        u = frontier.pop()
        for v, attributes in residual[u].items():
            if v not in reachable and attributes["flow"] < attributes["capacity"]:
                reachable.add(v)
                frontier.append(v)
    cut: list[tuple[str, str]] = sorted(
        (u, v) for u in reachable if u != SOURCE for v in D.successors(u) if v not in reachable and v != SINK
    )
    output_limited = producer not in reachable
    return FlowResult(float(value), flow, cut, output_limited)
