"""Links that would close a gap, and which submitted plans close which gaps.

Candidates are ranked by proximity to the producer (same region below the province first, then the rest of the
province, then elsewhere), then by whether the organization already delivers to a supermarket chain, then by
its spare capacity (capacity of its outgoing links not used by their volume, over all products).

A plan closes a gap when the product's gap report, recomputed with the plan's ``new_links`` added, no longer
lists that gap (same :attr:`Gap.key`). A planned link gets the product's ``annual_output`` as capacity (or the
largest capacity among the product's links when the output is not known) and no volume yet, so a new link
never closes a ``buyer_concentration`` gap by itself: that is measured on traded volume.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from chainplan.chains.gaps import Gap, find_gaps, requirements_missing
from chainplan.chains.graph import ChainNetwork, is_supermarket

if TYPE_CHECKING:
    # networkx is imported where a graph is built, so that commands that build none (an allocation) start without it
    import networkx as nx

__all__ = ["LinkCandidate", "gaps_closed_by_plan", "linkage_candidates", "planned_link_attributes"]

_INTERMEDIARIES = ("processor", "distributor")


@dataclass(frozen=True)
class LinkCandidate:
    """A link that would help close a gap."""

    product_code: str
    gap_type: str
    from_code: str
    to_code: str
    rank: int
    proximity: str
    spare_capacity: float
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class _Ranker:
    """Shared facts for ranking: spare capacity, who already serves a chain, where everybody is."""

    def __init__(self, network: ChainNetwork):
        self.network = network
        self.spare = network.spare_capacity()
        self.serves_chains = {
            source for links in network.links_by_product.values() for source, target, *_ in links
            if is_supermarket(network.organizations.get(target, {}))
        }

    def _area(self, organization: str) -> tuple[str, ...]:
        region = self.network.organizations.get(organization, {}).get("region_code")
        chain = self.network.region_chain.get(region, ()) if region else ()
        return tuple(reversed(chain))  # root first: (province, district, commune)

    def proximity(self, organization: str, anchor: str) -> str:
        mine, theirs = self._area(organization), self._area(anchor)
        if len(mine) >= 2 and len(theirs) >= 2 and mine[1] == theirs[1]:
            return "same_region"
        if mine and theirs and mine[0] == theirs[0]:
            return "neighbouring_region"
        return "other_region"

    def ranked(self, organizations: Iterable[str], anchor: str) -> list[str]:
        order = {"same_region": 0, "neighbouring_region": 1, "other_region": 2}
        return sorted(
            set(organizations),
            key=lambda o: (
                order[self.proximity(o, anchor)], o not in self.serves_chains, -self.spare.get(o, 0.0), o,
            ),
        )

    def with_role(self, roles: Iterable[str]) -> list[str]:
        wanted = set(roles)
        return [code for code, data in self.network.organizations.items() if data["role"] in wanted]


def _chains_ranked(network: ChainNetwork, G: nx.MultiDiGraph) -> list[str]:
    """Supermarket chains: those that demand the product first, then those whose requirements it meets."""
    product = G.graph["product"]
    demand = G.graph.get("demand", {})
    chains = [c for c, data in network.organizations.items() if is_supermarket(data)]
    return sorted(chains, key=lambda c: (-(demand.get(c, 0.0) > 0),
                                         len(requirements_missing(product, network.requirements.get(c, ()))), c))


def linkage_candidates(network: ChainNetwork, gaps: Iterable[Gap], *, limit: int = 5) -> list[LinkCandidate]:
    """Up to ``limit`` ranked links per gap that would help close it.

    A compliance gap gets none: it needs a stamp, a barcode, a certification or stars, not a link.
    """
    ranker = _Ranker(network)
    out: list[LinkCandidate] = []
    for gap in gaps:
        out += _candidates_for(network, ranker, gap, limit)
    return out


def _candidates_for(network: ChainNetwork, ranker: _Ranker, gap: Gap, limit: int) -> list[LinkCandidate]:
    G = network.product_graph(gap.product_code)
    producer = G.graph["producer"]
    import networkx as nx
    reachable = nx.descendants(G, producer) | {producer}
    proposals: list[tuple[str, str, str]] = []
    chains = _chains_ranked(network, G)

    if gap.type in ("no_supermarket_path", "unlinked_producer"):
        holders = [n for n in reachable if G.nodes[n].get("role") in _INTERMEDIARIES]
        for holder in ranker.ranked(holders, producer):
            reason = "carries the product already; link it to a supermarket chain"
            proposals += [(holder, c, reason) for c in chains[:2]]
        intermediaries = [o for o in ranker.with_role(_INTERMEDIARIES) if o in ranker.serves_chains]
        proposals += [(producer, o, "already delivers to supermarket chains") for o in ranker.ranked(intermediaries,
                                                                                                     producer)]
    elif gap.type == "missing_processing":
        proposals += [(producer, o, "processor") for o in ranker.ranked(ranker.with_role(["processor"]), producer)]
    elif gap.type in ("single_point_of_failure", "capacity_shortfall"):
        blocked = set(gap.nodes)
        for u, v in gap.edges:
            role = network.organizations.get(v, {}).get("role")
            if role in _INTERMEDIARIES:
                alternatives = [o for o in ranker.with_role([role]) if o not in blocked and o != v]
                proposals += [(u, o, f"second {role} beside {v}") for o in ranker.ranked(alternatives, producer)]
            elif role == "retailer":
                proposals += [(u, c, "another supermarket chain") for c in chains if c != v]
        for node in blocked:
            role = network.organizations.get(node, {}).get("role")
            if role in _INTERMEDIARIES:
                alternatives = [o for o in ranker.with_role([role]) if o != node and o not in reachable]
                proposals += [(producer, o, f"alternative {role} to {node}") for o in ranker.ranked(alternatives,
                                                                                                  producer)]
    elif gap.type == "buyer_concentration":
        buyers = set(G.successors(producer))
        candidates = [o for o in ranker.with_role(_INTERMEDIARIES) if o not in buyers]
        proposals += [(producer, o, "new buyer to spread the volume") for o in ranker.ranked(candidates, producer)]

    existing = {(u, v) for u, v in G.edges()}
    seen: set[tuple[str, str]] = set()
    out: list[LinkCandidate] = []
    for source, target, reason in proposals:
        if (source, target) in existing or (source, target) in seen or source == target:
            continue
        seen.add((source, target))
        other = target if source == producer else source
        out.append(LinkCandidate(gap.product_code, gap.type, source, target, len(out) + 1,
                                 ranker.proximity(other, producer), ranker.spare.get(other, 0.0), reason))
        if len(out) >= limit:
            break
    return out


def planned_link_attributes(network: ChainNetwork, product_code: str) -> dict[str, Any]:
    """Attributes given to a plan's new link (see the module notes)."""
    output = float(network.products[product_code].get("annual_output") or 0.0)
    if output <= 0:
        output = max((c for _s, _t, c, _v, _k in network.links_by_product.get(product_code, ())), default=0.0)
    return {"capacity": output, "volume": 0.0, "contract": False, "planned": True}


def gaps_closed_by_plan(network: ChainNetwork, plans: pd.DataFrame) -> dict[str, list[Gap]]:
    """For each plan with ``new_links``: the gaps of its product that those links close."""
    before: dict[str, list[Gap]] = {}
    closed: dict[str, list[Gap]] = {}
    for code, product_code, new_links in zip(plans["code"], plans["product_code"], plans["new_links"], strict=True):
        if not new_links or product_code not in network.products:
            closed[code] = []
            continue
        if product_code not in before:
            before[product_code] = find_gaps(network.product_graph(product_code))
        attributes = planned_link_attributes(network, product_code)
        extra = [(s.strip(), t.strip(), attributes) for s, t in (link.split(">", 1) for link in new_links)]
        after_keys = {g.key for g in find_gaps(network.product_graph(product_code, extra))}
        closed[code] = [g for g in before[product_code] if g.key not in after_keys]
    return closed
