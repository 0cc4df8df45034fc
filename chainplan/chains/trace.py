"""Tracing a product to the supermarket chains: every path, its bottleneck, and the flow against demand.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph(product_code="SP", producer="P", product={"annual_output": 0.0}, demand={"GO": 5.0})
>>> G.add_node("GO", role="retailer", kind="supermarket_chain")
>>> G.add_edges_from([("P", "D", {"capacity": 8.0}), ("D", "GO", {"capacity": 3.0})])
[0, 0]
>>> t = trace_product(G)
>>> [(p.nodes, p.bottleneck, p.weakest_link) for p in t.paths]
[(['P', 'D', 'GO'], 3.0, ('D', 'GO'))]
>>> t.max_flow, t.flow_to_demand, t.demand
(3.0, 3.0, 5.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from chainplan.chains.flow import collapse, max_flow_to
from chainplan.chains.graph import is_supermarket

if TYPE_CHECKING:
    # networkx is imported where a graph is built, so that commands that build none (an allocation) start without it
    import networkx as nx

__all__ = ["ChainPath", "ProductTrace", "trace_product"]


@dataclass(frozen=True)
class ChainPath:
    """One simple path from the producer to a retail channel."""

    nodes: list[str]
    retailer: str
    bottleneck: float
    weakest_link: tuple[str, str]
    supermarket: bool

    def as_dict(self) -> dict[str, Any]:
        return {"nodes": self.nodes, "retailer": self.retailer, "bottleneck": self.bottleneck,
                "weakest_link": list(self.weakest_link), "supermarket": self.supermarket}


@dataclass
class ProductTrace:
    """How a product reaches the supermarket chains (and, separately, its other channels)."""

    product_code: str
    producer: str
    paths: list[ChainPath]
    other_paths: list[ChainPath]
    max_flow: float
    flow_to_demand: float
    demand: float
    flow_by_chain: dict[str, float] = field(default_factory=dict)
    truncated: bool = False

    @property
    def chains_reached(self) -> list[str]:
        return sorted({p.retailer for p in self.paths})

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_code": self.product_code, "producer": self.producer,
            "chains_reached": self.chains_reached,
            "paths": [p.as_dict() for p in self.paths],
            "other_channel_paths": [p.as_dict() for p in self.other_paths],
            "max_flow_to_chains": self.max_flow, "demand": self.demand,
            "flow_to_demand": self.flow_to_demand, "unmet_demand": max(0.0, self.demand - self.flow_to_demand),
            "flow_by_chain": self.flow_by_chain, "truncated": self.truncated,
        }


def _paths(D: nx.DiGraph, producer: str, targets: list[str], capacity: str, limit: int,
           supermarket: bool) -> tuple[list[ChainPath], bool]:
    import networkx as nx
    found: list[ChainPath] = []
    for target in targets:
        for nodes in nx.all_simple_paths(D, producer, target):
            if len(found) >= limit:
                return found, True
            links = list(pairwise(nodes))
            weakest = min(links, key=lambda e: (D.edges[e][capacity], e))
            found.append(ChainPath(list(nodes), target, float(D.edges[weakest][capacity]), weakest, supermarket))
    return found, False


def trace_product(G: nx.MultiDiGraph, *, capacity: str = "capacity", max_paths: int = 10_000) -> ProductTrace:
    """Every simple path from the producer to each supermarket chain, with bottlenecks and maximum flows.

    ``max_flow`` is the most the chain can carry to all supermarket chains together; ``flow_to_demand`` the most
    it can deliver against the chains' demand (each chain capped at what it demands). Paths stop at
    ``max_paths`` (``truncated`` is then set).
    """
    producer = G.graph["producer"]
    demand = {r: a for r, a in G.graph.get("demand", {}).items() if r in G and is_supermarket(G.nodes[r])}
    D = collapse(G, capacity=capacity)
    chains = sorted(n for n, data in G.nodes(data=True) if is_supermarket(data))
    others = sorted(n for n, data in G.nodes(data=True)
                    if data.get("role") == "retailer" and not is_supermarket(data))
    if producer in D:
        paths, truncated = _paths(D, producer, chains, capacity, max_paths, True)
        other_paths, more = _paths(D, producer, others, capacity, max_paths, False)
    else:
        paths, other_paths, truncated, more = [], [], False, False
    total = max_flow_to(G, {c: None for c in chains}, capacity=capacity)
    against_demand = max_flow_to(G, demand, capacity=capacity)
    by_chain = {c: sum(f for (u, v), f in total.flow.items() if v == c) for c in chains}
    return ProductTrace(
        G.graph["product_code"], producer, paths, other_paths, total.value, against_demand.value,
        float(sum(demand.values())), {c: f for c, f in by_chain.items() if f > 0}, truncated or more,
    )
