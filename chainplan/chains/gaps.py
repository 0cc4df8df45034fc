"""Gaps in a product's chain to the supermarket chains, each named, located and rated.

Severity rules (``high`` / ``medium`` / ``low``):

- ``no_supermarket_path``, ``unlinked_producer``, ``single_point_of_failure``: high for a key-chain product
  (``chain_tier`` district, provincial or national), medium otherwise;
- ``missing_processing``: high;
- ``capacity_shortfall``: by the unmet share of the chains' demand: high from 50 %, medium from 20 %, else low;
- ``buyer_concentration``: high when one buyer takes 90 % or more of the volume, else medium;
- ``compliance_gap``: high when the channel demands the product (a ``demand`` row), medium when it only
  reaches it;
- ``unresolved_violation``: an organization on the chain (the producer or one the product reaches) has a
  violation found at an inspection and not yet resolved: high.

Examples
--------
>>> import networkx as nx
>>> G = nx.MultiDiGraph(product_code="SP", producer="P", chain_tier="provincial", demand={}, requirements={},
...                     product={"needs_processing": False, "annual_output": 0.0})
>>> G.add_node("P", role="producer")
>>> [g.type for g in find_gaps(G)]
['no_supermarket_path', 'unlinked_producer']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from chainplan.chains.flow import max_flow_to
from chainplan.chains.graph import ChainNetwork, is_supermarket
from chainplan.dataset import parse_requirement
from chainplan.wording import Joined, Number, Phrase, Share, Term, render

if TYPE_CHECKING:
    # networkx is imported where a graph is built, so that commands that build none (an allocation) start without it
    import networkx as nx

__all__ = ["GAP_TYPES", "Gap", "find_gaps", "gap_report", "gaps_frame", "requirement_phrase", "requirements_missing"]

GAP_TYPES = (
    "no_supermarket_path", "missing_processing", "capacity_shortfall", "single_point_of_failure",
    "buyer_concentration", "compliance_gap", "unlinked_producer", "unresolved_violation",
)
_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Gap:
    """One gap: the product, its type, how bad it is, a sentence for a manager, and where it is."""

    product_code: str
    type: str
    severity: str
    detail: str
    nodes: tuple[str, ...] = ()
    edges: tuple[tuple[str, str], ...] = ()
    measures: dict[str, float] = field(default_factory=dict, compare=False, hash=False)
    detail_vi: str = field(default="", compare=False)

    @property
    def key(self) -> tuple[str, ...]:
        """What makes two reports of a gap the same gap (used to decide whether a plan closes it).

        A product-level gap is the same gap whatever edges the cut passes; a node, buyer or channel gap is
        the same gap only at the same node.
        """
        if self.type == "single_point_of_failure":
            return (self.product_code, self.type, *self.nodes, *(f"{u}>{v}" for u, v in self.edges))
        if self.type in ("buyer_concentration", "compliance_gap", "unresolved_violation"):
            return (self.product_code, self.type, *self.nodes)
        return (self.product_code, self.type)

    def as_dict(self) -> dict[str, Any]:
        return {"product_code": self.product_code, "type": self.type, "severity": self.severity,
                "detail": self.detail, "nodes": list(self.nodes), "edges": [list(e) for e in self.edges],
                "measures": dict(self.measures), "detail_vi": self.detail_vi}


def _is_key_chain(G: nx.MultiDiGraph) -> bool:
    return G.graph.get("chain_tier", "none") != "none"


def _requirement(token: str) -> Term | Phrase:
    """A channel requirement as a catalogue value (``min_stars:3`` carries its number)."""
    if token.startswith("min_stars:"):
        return Phrase("requirement.min_stars", {"stars": token.split(":", 1)[1]})
    return Term("requirement", token)


def requirement_phrase(token: str, lang: str) -> str:
    """A channel requirement as a manager reads it, not as the workbook writes it.

    Examples
    --------
    >>> requirement_phrase("min_stars:3", "vi"), requirement_phrase("e_stamp", "en")
    ('tối thiểu 3 sao OCOP', 'an e-stamp')
    """
    return render(_requirement(token), lang)


def requirements_missing(product: dict[str, Any], requires: Iterable[str]) -> list[str]:
    """The requirements of a channel that the product does not meet.

    Examples
    --------
    >>> requirements_missing({"barcode": True, "stars": 2}, ["barcode", "e_stamp", "min_stars:3"])
    ['e_stamp', 'min_stars:3']
    """
    missing = []
    for item in requires:
        flag, stars = parse_requirement(item)
        if flag == "min_stars":
            if int(product.get("stars") or 0) < (stars or 0):
                missing.append(item)
        elif not product.get(flag):
            missing.append(flag)
    return missing


def _name(G: nx.MultiDiGraph, node: str) -> str:
    name = G.nodes[node].get("name") if node in G else None
    return f"{name} ({node})" if name and name != node else node


def _spof(G: nx.MultiDiGraph, producer: str, chains: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Organizations and links on every path from the producer to the chains reached.

    Every link is split by a node of its own; the dominators of a super-sink fed by every chain are then
    exactly the organizations and links that every path passes.
    """
    import networkx as nx
    H = nx.DiGraph()
    for u, v, k in G.edges(keys=True):
        middle = ("link", u, v, k)
        H.add_edge(u, middle)
        H.add_edge(middle, v)
    sink = ("sink",)
    for chain in chains:
        H.add_edge(chain, sink)
    dominators = nx.immediate_dominators(H, producer)
    on_every_path: list[Any] = []
    current = dominators.get(sink)
    while current is not None and current != producer:
        on_every_path.append(current)
        following = dominators.get(current)
        current = None if following == current else following
    nodes = [n for n in on_every_path if isinstance(n, str) and not is_supermarket(G.nodes[n])]
    node_set = set(nodes)
    edges = [
        (n[1], n[2]) for n in on_every_path
        if isinstance(n, tuple) and n[1] not in node_set and n[2] not in node_set
    ]
    return list(reversed(nodes)), list(reversed(edges))


@dataclass(frozen=True)
class _ChainFacts:
    """What every detector reads of one product's graph, worked out once per :func:`find_gaps` call."""

    G: nx.MultiDiGraph
    product_code: str
    producer: str
    product: dict[str, Any]
    demand: dict[str, float]
    requirements: dict[str, list[str]]
    key_chain: bool
    #: The producer's own links, ``(producer, buyer, data)``.
    out_edges: list[tuple[str, str, dict[str, Any]]]
    #: Every organization the producer's goods reach.
    reachable: set[str]
    #: Supermarket chains reached, and the other retail channels reached.
    chains_reached: list[str]
    others_reached: list[str]

    @classmethod
    def of(cls, G: nx.MultiDiGraph) -> _ChainFacts:
        """The facts of ``G`` (see :func:`find_gaps` for what ``G.graph`` holds)."""
        producer = G.graph["producer"]
        out_edges = [(u, v, d) for u, v, d in G.out_edges(producer, data=True)] if producer in G else []
        import networkx as nx
        reachable = nx.descendants(G, producer) if producer in G else set()
        chains_reached = sorted(n for n in reachable if is_supermarket(G.nodes[n]))
        others_reached = sorted(n for n in reachable if G.nodes[n].get("role") == "retailer"
                                and not is_supermarket(G.nodes[n]))
        return cls(G, G.graph["product_code"], producer, G.graph.get("product", {}), G.graph.get("demand", {}),
                   G.graph.get("requirements", {}), _is_key_chain(G), out_edges, reachable, chains_reached,
                   others_reached)

    def gap(self, kind: str, severity: str, sentences: Sequence[Phrase], nodes: Iterable[str] = (),
            edges: Iterable[tuple[str, str]] = (), **measures: float) -> Gap:
        """A gap of this product; ``sentences`` are catalogue phrases, written in English and in Vietnamese."""
        english, vietnamese = (" ".join(render(sentence, lang) for sentence in sentences) for lang in ("en", "vi"))
        return Gap(self.product_code, kind, severity, english, tuple(nodes), tuple(edges), measures, vietnamese)


def _unlinked_producer(chain: _ChainFacts) -> list[Gap]:
    """A key-chain product whose producer has no link at all: nobody buys or processes it."""
    G, producer = chain.G, chain.producer
    if chain.out_edges or not chain.key_chain:
        return []
    return [chain.gap(
        "unlinked_producer", "high",
        [Phrase("gap.unlinked_producer", {"producer": _name(G, producer)})],
        [producer])]


def _no_supermarket_path(chain: _ChainFacts) -> list[Gap]:
    """No path from the producer to any supermarket chain; the sentence names where the product goes instead and
    which chains want it."""
    G, producer, demand = chain.G, chain.producer, chain.demand
    if chain.chains_reached:
        return []
    others_reached = chain.others_reached
    sentences = [Phrase("gap.no_supermarket_path", {"producer": _name(G, producer)})]
    if others_reached:
        sentences.append(Phrase("gap.sold_only_through", {"channels": ", ".join(_name(G, n) for n in others_reached)}))
    else:
        sentences.append(Phrase("gap.reaches_no_retail_channel"))
    wanted = sorted(r for r in demand if r in G and is_supermarket(G.nodes[r]) and demand[r] > 0)
    if wanted:
        sentences.append(Phrase("gap.demanded_by", {"buyers": ", ".join(_name(G, r) for r in wanted)}))
    return [chain.gap("no_supermarket_path", "high" if chain.key_chain else "medium", sentences,
                      [producer, *others_reached])]


def _missing_processing(chain: _ChainFacts) -> list[Gap]:
    """A product that must be processed, but no path to a retail channel passes a processor."""
    G, producer, reachable, out_edges = chain.G, chain.producer, chain.reachable, chain.out_edges
    if not chain.product.get("needs_processing"):
        return []
    # A producer with no link at all has no processor either: both gaps are named, each for what it is.
    retailers = {n for n in reachable if G.nodes[n].get("role") == "retailer"}
    import networkx as nx
    processed = any(
        G.nodes[n].get("role") == "processor" and nx.descendants(G, n) & retailers
        for n in reachable
    )
    if not processed and out_edges:
        return [chain.gap(
            "missing_processing", "high",
            [Phrase("gap.missing_processing_sold_raw", {"producer": _name(G, producer)})],
            [producer], [(u, v) for u, v, _ in out_edges])]
    if not processed:
        return [chain.gap(
            "missing_processing", "high",
            [Phrase("gap.missing_processing_unlinked", {"producer": _name(G, producer)})],
            [producer])]
    return []


def _capacity_shortfall(chain: _ChainFacts, *, capacity: str) -> list[Gap]:
    """The chains reached demand more a year than the chain's links (``capacity`` attribute) and the producer's
    output can deliver; the sentence names the bottleneck."""
    G, product, demand, reachable = chain.G, chain.product, chain.demand, chain.reachable
    wanted_chains = {r: amount for r, amount in demand.items()
                     if amount > 0 and r in G and is_supermarket(G.nodes[r])}
    total_demand = sum(wanted_chains.values())
    if not (total_demand > 0 and chain.chains_reached):  # reaching no chain at all is reported as no_supermarket_path
        return []
    result = max_flow_to(G, wanted_chains, capacity=capacity)
    if not result.value < total_demand - _TOLERANCE:
        return []
    unmet = total_demand - result.value
    share = unmet / total_demand
    severity = "high" if share >= 0.5 else "medium" if share >= 0.2 else "low"
    unreached = sorted(r for r in wanted_chains if r not in reachable)
    sentences = [Phrase("gap.capacity_shortfall", {"demand": Number(total_demand, 0),
                                                   "delivered": Number(result.value, 0), "unmet": Share(share, 0)})]
    if result.cut_edges:
        # Names first, as in every other gap sentence; the codes stay in brackets for the CLI and exports.
        cut = "; ".join(f"{_name(G, u)} → {_name(G, v)}" for u, v in result.cut_edges)
        sentences.append(Phrase("gap.bottleneck", {"cut": cut}))
    if result.output_limited:
        output = float(product.get("annual_output", 0) or 0)
        sentences.append(Phrase("gap.output_limited", {"output": Number(output, 0)}))
    if unreached:
        sentences.append(Phrase("gap.not_reached", {"channels": ", ".join(_name(G, r) for r in unreached)}))
    return [chain.gap("capacity_shortfall", severity, sentences,
                      sorted({n for e in result.cut_edges for n in e}), result.cut_edges, demand=total_demand,
                      max_flow=result.value, unmet_share=share)]


def _single_point_of_failure(chain: _ChainFacts) -> list[Gap]:
    """Each organization, then each link, that every path from the producer to the chains reached passes."""
    G = chain.G
    if not chain.chains_reached:
        return []
    nodes, edges = _spof(G, chain.producer, chain.chains_reached)
    severity = "high" if chain.key_chain else "medium"
    gaps = [chain.gap(
        "single_point_of_failure", severity,
        [Phrase("gap.single_point_organization", {"organization": _name(G, node)})],
        [node]) for node in nodes]
    gaps += [chain.gap(
        "single_point_of_failure", severity,
        [Phrase("gap.single_point_link", {"link": f"{u} -> {v}"})], [], [(u, v)]) for u, v in edges]
    return gaps


def _buyer_concentration(chain: _ChainFacts, *, volume: str, concentration_threshold: float) -> list[Gap]:
    """One buyer takes ``concentration_threshold`` or more of the volume (``volume`` attribute) the producer
    sells."""
    G, producer = chain.G, chain.producer
    sold: dict[str, float] = {}
    for _u, v, data in chain.out_edges:
        sold[v] = sold.get(v, 0.0) + float(data.get(volume, 0.0))
    total_sold = sum(sold.values())
    if not total_sold > 0:
        return []
    shares = {buyer: amount / total_sold for buyer, amount in sold.items()}
    hhi = sum(s * s for s in shares.values())
    buyer, top = max(sorted(shares.items()), key=lambda item: item[1])
    if not top >= concentration_threshold:
        return []
    return [chain.gap(
        "buyer_concentration", "high" if top >= 0.9 else "medium",
        [Phrase("gap.buyer_concentration", {"buyer": _name(G, buyer), "share": Share(top, 0),
                                            "producer": _name(G, producer), "index": Number(hhi, 2),
                                            "threshold": Share(concentration_threshold, 0)})],
        [buyer], [(producer, buyer)], share=top, herfindahl=hhi)]


def _compliance_gap(chain: _ChainFacts) -> list[Gap]:
    """Each retail channel the product reaches or is demanded by whose requirements the product does not meet."""
    G, product, demand = chain.G, chain.product, chain.demand
    channels = sorted({*(n for n in chain.reachable if G.nodes[n].get("role") == "retailer"),
                       *(r for r, amount in demand.items() if amount > 0 and r in G)})
    gaps = []
    for channel in channels:
        missing = requirements_missing(product, chain.requirements.get(channel, ()))
        if missing:
            demanded = demand.get(channel, 0) > 0
            gaps.append(chain.gap(
                "compliance_gap", "high" if demanded else "medium",
                [Phrase("gap.compliance_demanded" if demanded else "gap.compliance",
                        {"channel": _name(G, channel), "missing": Joined(tuple(_requirement(m) for m in missing))})],
                [channel], sorted((u, v) for u, v in G.in_edges(channel))))
    return gaps


def _unresolved_violation(chain: _ChainFacts) -> list[Gap]:
    """Each organization on the chain (the producer, then whom the product reaches, by code) with a violation found
    at an inspection and not yet resolved: the sentence names the organization, each open inspection and what it
    found."""
    G = chain.G
    if chain.producer not in G:
        return []
    # Most organizations have nothing open: look first, sort only what is found.
    flagged = sorted(n for n in chain.reachable if n != chain.producer and G.nodes[n].get("violations"))
    gaps = []
    for node in [chain.producer, *flagged]:
        violations = G.nodes[node].get("violations") or ()
        if not violations:
            continue
        sentences = [Phrase("gap.unresolved_violation", {"organization": _name(G, node), "inspection": code,
                                                         "date": date, "kind": Term("inspection_kind", kind)})
                     for code, date, kind, _finding in violations]
        sentences += [Phrase("gap.violation_finding", {"finding": finding})
                      for _code, _date, _kind, finding in violations if finding]
        gaps.append(chain.gap("unresolved_violation", "high", sentences, [node], violations=float(len(violations))))
    return gaps


def find_gaps(
    G: nx.MultiDiGraph,
    *,
    capacity: str = "capacity",
    volume: str = "volume",
    concentration_threshold: float = 0.7,
) -> list[Gap]:
    """Every gap of one product's chain graph (see :meth:`ChainNetwork.product_graph`), in ``GAP_TYPES`` order.

    Parameters
    ----------
    G
        The product's graph; ``G.graph`` holds ``product_code``, ``producer``, ``chain_tier``, ``product``,
        ``demand`` and ``requirements``.
    capacity, volume
        Edge attribute names.
    concentration_threshold
        Share of the producer's sold volume that one buyer may take before it is reported (default 70 %).
    """
    chain = _ChainFacts.of(G)
    gaps = [
        *_unlinked_producer(chain),
        *_no_supermarket_path(chain),
        *_missing_processing(chain),
        *_capacity_shortfall(chain, capacity=capacity),
        *_single_point_of_failure(chain),
        *_buyer_concentration(chain, volume=volume, concentration_threshold=concentration_threshold),
        *_compliance_gap(chain),
        *_unresolved_violation(chain),
    ]
    order = {kind: i for i, kind in enumerate(GAP_TYPES)}
    return sorted(gaps, key=lambda g: order[g.type])


def gap_report(
    network: ChainNetwork,
    *,
    products: Iterable[str] | None = None,
    tier: str | None = None,
    concentration_threshold: float = 0.7,
) -> list[Gap]:
    """Gaps of every product (or of ``products``, or of one ``tier``), in product order."""
    codes = list(products) if products is not None else network.product_codes(tier)
    report: list[Gap] = []
    for code in codes:
        if tier is not None and network.products[code]["chain_tier"] != tier:
            continue
        report += find_gaps(network.product_graph(code), concentration_threshold=concentration_threshold)
    return report


def gaps_frame(gaps: Iterable[Gap]) -> pd.DataFrame:
    """Gaps as a table: one row each, nodes and edges as text."""
    rows = [{**g.as_dict(), "nodes": ";".join(g.nodes), "edges": ";".join(f"{u}>{v}" for u, v in g.edges)}
            for g in gaps]
    columns = ["product_code", "type", "severity", "detail", "nodes", "edges"]
    return pd.DataFrame([{c: r[c] for c in columns} for r in rows], columns=columns)
