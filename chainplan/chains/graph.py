"""Supply-chain graphs: one directed multigraph per product, and one for the whole province.

Nodes are organizations (attributes ``role``, ``kind``, ``region_code``, ``certifications``, ``name``, and
``violations`` for an organization with an inspection's violation not yet resolved: ``(inspection code, date,
kind, finding)`` each); edges are
links keyed by product code, with ``capacity``, ``volume`` and ``contract``. A product graph carries the product
in ``G.graph``: ``product_code``, ``producer``, ``chain_tier``, ``product`` (its record), ``demand``
(retailer -> annual demand) and ``requirements`` (retailer -> list of requirements).

:class:`ChainNetwork` groups the links by product once, so building thousands of product graphs stays linear in
the number of links.

Examples
--------
>>> from chainplan.demo import build_demo_dataset
>>> network = ChainNetwork.from_dataset(build_demo_dataset())
>>> G = network.product_graph("SP001")
>>> G.graph["producer"] in G, G.graph["chain_tier"]
(True, 'provincial')
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from chainplan.dataset import Dataset, region_ancestors
from chainplan.errors import ChainplanError
from chainplan.schema import SUPERMARKET_KINDS

if TYPE_CHECKING:
    # networkx is imported where a graph is built, so that commands that build none (an allocation) start without it
    import networkx as nx

__all__ = [
    "ChainNetwork",
    "UnknownProduct",
    "is_supermarket",
    "other_channels",
    "products_reaching_supermarket",
    "supermarket_chains",
]


class UnknownProduct(ChainplanError, KeyError):
    """The product code (``product_code``) is not in the dataset."""

    def __init__(self, product_code: object):
        self.product_code = product_code
        super().__init__("error.product.unknown", product=str(product_code))


def is_supermarket(attributes: dict[str, Any]) -> bool:
    """A retailer of kind ``supermarket_chain`` or ``trade_centre``."""
    return attributes.get("role") == "retailer" and attributes.get("kind") in SUPERMARKET_KINDS


def supermarket_chains(G: nx.MultiDiGraph) -> list[str]:
    """Supermarket chains and trade centres in ``G``, sorted by code."""
    return sorted(n for n, data in G.nodes(data=True) if is_supermarket(data))


def other_channels(G: nx.MultiDiGraph) -> list[str]:
    """Retail channels that are not supermarket chains (OCOP shops, e-commerce, exporters...), sorted."""
    return sorted(n for n, data in G.nodes(data=True) if data.get("role") == "retailer" and not is_supermarket(data))


def products_reaching_supermarket(ds: Dataset) -> pd.Series:
    """Per product code: whether a path of the product's own links leads from its producer to a supermarket chain
    or trade centre (:meth:`ChainNetwork.reaches_supermarket`, for every product at once).

    One breadth-first search over all products together: a state is a (product, organization) pair, and each step
    follows every link out of the states reached at the step before in a few array operations over the links,
    so the cost is the longest chain times the number of links, with no loop over products. Computed once per
    dataset (:meth:`~chainplan.dataset.Dataset.derived`): read the series, do not change it.

    Examples
    --------
    >>> from chainplan.demo import build_demo_dataset
    >>> demo = build_demo_dataset()
    >>> reach = products_reaching_supermarket(demo)
    >>> network = ChainNetwork.from_dataset(demo)
    >>> all(reach[code] == network.reaches_supermarket(code) for code in demo.products["code"])
    True
    """
    return ds.derived("products reaching a supermarket", _products_reaching_supermarket)


def _products_reaching_supermarket(ds: Dataset) -> pd.Series:
    products = ds.products[ds.products["producer_code"].notna()]
    links = ds.links
    organizations = ds.organizations
    nodes = pd.Index(pd.unique(np.concatenate([
        organizations["code"].to_numpy(dtype=object), links["from_code"].to_numpy(dtype=object),
        links["to_code"].to_numpy(dtype=object), products["producer_code"].to_numpy(dtype=object)])))
    size = np.int64(len(nodes))
    shops = organizations.loc[(organizations["role"] == "retailer") & organizations["kind"].isin(SUPERMARKET_KINDS),
                              "code"]
    is_shop = np.zeros(len(nodes), dtype=bool)
    is_shop[nodes.get_indexer(shops)] = True
    product_index = pd.Index(products["code"])
    product_of = product_index.get_indexer(links["product_code"])
    own = product_of >= 0  # links of a product the dataset does not have lead nowhere
    product_of = product_of[own].astype(np.int64)
    # Every (product, organization) pair that can occur, numbered: the producers, then each link's two ends.
    starts = np.arange(len(products), dtype=np.int64) * size + nodes.get_indexer(products["producer_code"])
    sources = product_of * size + nodes.get_indexer(links["from_code"])[own]
    targets = product_of * size + nodes.get_indexer(links["to_code"])[own]
    states, keys = pd.factorize(np.concatenate([starts, sources, targets]))
    start, source, target = np.split(states, [len(starts), len(starts) + len(sources)])
    shop_state = is_shop[keys % size]
    product_state = keys // size
    seen = np.zeros(len(keys), dtype=bool)
    seen[start] = True
    frontier = seen.copy()
    reached = np.zeros(len(products), dtype=bool)
    while frontier.any():
        found = target[frontier[source]]
        found = np.unique(found[~seen[found]])
        reached[product_state[found[shop_state[found]]]] = True
        seen[found] = True
        frontier = np.zeros(len(keys), dtype=bool)
        frontier[found] = True
    answer = pd.Series(False, index=pd.Index(ds.products["code"], dtype=object), dtype=bool)
    answer[product_index[reached]] = True
    return answer


@dataclass
class ChainNetwork:
    """The dataset's chains indexed for fast per-product graphs."""

    organizations: dict[str, dict[str, Any]]
    products: dict[str, dict[str, Any]]
    links_by_product: dict[str, list[tuple[str, str, float, float, bool]]]
    demand_by_product: dict[str, dict[str, float]]
    requirements: dict[str, list[str]]
    region_chain: dict[str, tuple[str, ...]]

    @classmethod
    def from_dataset(cls, ds: Dataset) -> ChainNetwork:
        organizations = {
            record["code"]: {
                "name": record["name"], "role": record["role"], "kind": record["kind"],
                "region_code": record["region_code"], "certifications": list(record["certifications"]),
            }
            for record in ds.organizations.to_dict("records")
        }
        # Violations found at an inspection and not yet resolved, on the organization's node: the gap report marks
        # them on every chain the organization is on (``unresolved_violation``).
        inspections = ds.inspections
        open_ = inspections[((inspections["result"] == "violation") & inspections["resolved_on"].isna()).to_numpy(
            dtype=bool)].sort_values(["inspected_on", "code"], kind="stable")
        for code, organization, date, kind, finding in zip(open_["code"], open_["organization_code"],
                                                          open_["inspected_on"], open_["kind"], open_["finding"],
                                                          strict=True):
            if organization in organizations:
                found = organizations[organization].setdefault("violations", ())
                organizations[organization]["violations"] = (*found, (code, date, kind, finding or ""))
        products = {record["code"]: record for record in ds.products.to_dict("records")}
        links: dict[str, list[tuple[str, str, float, float, bool]]] = defaultdict(list)
        links_frame = ds.links
        for source, target, product, capacity, volume, contract in zip(
            links_frame["from_code"], links_frame["to_code"], links_frame["product_code"],
            links_frame["capacity"].astype(float), links_frame["volume"].astype(float),
            links_frame["contract"].astype(bool), strict=True,
        ):
            links[product].append((source, target, capacity, volume, contract))
        demand: dict[str, dict[str, float]] = defaultdict(dict)
        for retailer, product, amount in zip(ds.demand["retailer_code"], ds.demand["product_code"],
                                             ds.demand["annual_demand"].astype(float), strict=True):
            demand[product][retailer] = amount
        requirements = dict(zip(ds.channel_requirements["retailer_code"], ds.channel_requirements["requires"],
                                strict=True))
        return cls(organizations, products, dict(links), dict(demand), requirements, region_ancestors(ds.regions))

    def product_codes(self, tier: str | None = None) -> list[str]:
        return [code for code, record in self.products.items() if tier is None or record["chain_tier"] == tier]

    def product_graph(
        self, product_code: str, extra_links: Iterable[tuple[str, str, dict[str, Any]]] = ()
    ) -> nx.MultiDiGraph:
        """The product's chain; ``extra_links`` (from, to, attributes) add planned links to it."""
        if product_code not in self.products:
            raise UnknownProduct(product_code)
        product = self.products[product_code]
        producer = product["producer_code"]
        demand = self.demand_by_product.get(product_code, {})
        import networkx as nx
        G = nx.MultiDiGraph(
            product_code=product_code, producer=producer, chain_tier=product["chain_tier"], product=product,
            demand=dict(demand),
            requirements=self.requirements,  # shared and read-only: copying it per product costs at scale
        )
        G.add_node(producer, **self.organizations.get(producer, {}))
        for source, target, capacity, volume, contract in self.links_by_product.get(product_code, ()):
            for node in (source, target):
                if node not in G:
                    G.add_node(node, **self.organizations.get(node, {}))
            G.add_edge(source, target, key=product_code, capacity=capacity, volume=volume, contract=contract)
        for source, target, attributes in extra_links:
            if G.has_edge(source, target):
                continue  # planned link that exists already: it adds nothing
            for node in (source, target):
                if node not in G:
                    G.add_node(node, **self.organizations.get(node, {}))
            G.add_edge(source, target, key=product_code, **attributes)
        for retailer in demand:
            if retailer not in G:
                G.add_node(retailer, **self.organizations.get(retailer, {}))
        return G

    def reaches_supermarket(self, product_code: str) -> bool:
        """Whether any path of the product's links leads from its producer to a supermarket chain.

        Walks the product's own links without building a graph: the allocation asks this of every product.
        """
        product = self.products.get(product_code)
        if product is None:
            raise UnknownProduct(product_code)
        following: dict[str, list[str]] = defaultdict(list)
        for source, target, _capacity, _volume, _contract in self.links_by_product.get(product_code, ()):
            following[source].append(target)
        seen = {product["producer_code"]}
        frontier = [product["producer_code"]]
        while frontier:
            node = frontier.pop()
            for target in following.get(node, ()):
                if target not in seen:
                    if is_supermarket(self.organizations.get(target, {})):
                        return True
                    seen.add(target)
                    frontier.append(target)
        return False

    def province_graph(self) -> nx.MultiDiGraph:
        """Every organization and every link of every product (parallel edges keyed by product)."""
        import networkx as nx
        G = nx.MultiDiGraph()
        G.add_nodes_from(self.organizations.items())
        for product, links in self.links_by_product.items():
            G.add_edges_from(
                (s, t, product, {"capacity": c, "volume": v, "contract": k}) for s, t, c, v, k in links
            )
        return G

    def spare_capacity(self) -> dict[str, float]:
        """Per organization: capacity of its outgoing links not used by their volume, over all products."""
        spare: dict[str, float] = defaultdict(float)
        for links in self.links_by_product.values():
            for source, _target, capacity, volume, _contract in links:
                spare[source] += max(0.0, capacity - volume)
        return dict(spare)
