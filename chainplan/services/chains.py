"""Use cases on supply chains: gaps, one product's chain, traces, link candidates, indicators."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from chainplan.chains import (
    ChainNetwork,
    Gap,
    LinkCandidate,
    ProductTrace,
    UnknownProduct,
    chain_indicators,
    gap_report,
    linkage_candidates,
    trace_product,
)
from chainplan.dataset import Dataset, region_at_level
from chainplan.ports import UnitOfWork
from chainplan.services._cache import remembered
from chainplan.services.data import stored_dataset

__all__ = [
    "ChainCatalogue",
    "ChainView",
    "chain_catalogue",
    "chain_gaps",
    "chain_trace",
    "chain_view",
    "gap_candidates",
    "indicators",
]


def _network(uow: UnitOfWork) -> ChainNetwork:
    """Inside ``with uow``: the chain network of the dataset it sees, built once per process and data generation
    (a network is not changed by its readers: a product's graph is a new one each time)."""
    return remembered(uow, "dataset", "network", lambda: ChainNetwork.from_dataset(stored_dataset(uow)))


def _product_districts(dataset: Dataset) -> dict[str, str]:
    """Each product's district (or town): its region's district, else its own region (a province-level product)."""
    to_district = region_at_level(dataset.regions, "district")
    return {str(code): str(to_district.get(region) or region)
            for code, region in zip(dataset.products["code"], dataset.products["region_code"], strict=True)}


def chain_gaps(
    uow: UnitOfWork, *, product: str | None = None, tier: str | None = None, region: str | None = None,
    concentration_threshold: float = 0.7,
) -> list[Gap]:
    """The gap report, for one product, one tier or every product; ``region`` keeps the products of one district
    (or town), in product order.

    Raises :class:`~chainplan.chains.UnknownProduct` for a product code that is not stored.
    """
    with uow:
        network = _network(uow)
        if product is not None and product not in network.products:
            raise UnknownProduct(product)

        def report() -> list[Gap]:
            products = [product] if product else None
            if region:
                district = _product_districts(stored_dataset(uow))
                products = [code for code in (products or network.product_codes(tier))
                            if district.get(code) == region]
            return gap_report(network, products=products, tier=tier, concentration_threshold=concentration_threshold)

        gaps = remembered(uow, "dataset", ("gaps", product, tier, region, concentration_threshold), report)
    return list(gaps)  # the caller's own list: what is remembered stays as it was


@dataclass(frozen=True)
class ChainCatalogue:
    """What the chain page offers to choose from: every product with its name, tier and district (``code``,
    ``name``, ``tier``, ``region``), and the districts by name (``value``, ``label``)."""

    products: list[dict[str, str]]
    districts: list[dict[str, str]]


def chain_catalogue(uow: UnitOfWork) -> ChainCatalogue:
    """Every product with its tier and district (or town), and the districts sorted by name."""
    with uow:
        catalogue = remembered(uow, "dataset", "catalogue", lambda: _catalogue(stored_dataset(uow)))
    # The caller's own lists and rows: what is remembered stays as it was.
    return ChainCatalogue([dict(p) for p in catalogue.products], [dict(d) for d in catalogue.districts])


def _catalogue(dataset: Dataset) -> ChainCatalogue:
    district = _product_districts(dataset)
    products = [{"code": str(code), "name": str(name), "tier": str(tier), "region": district[str(code)]}
                for code, name, tier in zip(dataset.products["code"], dataset.products["name"],
                                            dataset.products["chain_tier"], strict=True)]
    rows = dataset.regions[dataset.regions["level"] == "district"]
    districts = [{"label": str(name), "value": str(code)}
                 for code, name in sorted(zip(rows["code"], rows["name"], strict=True), key=lambda pair: pair[1])]
    return ChainCatalogue(products, districts)


@dataclass(frozen=True)
class ChainView:
    """One product's chain as a manager reads it: who is in it, the links, the gaps, the paths, the fixes."""

    product: dict[str, Any]
    organizations: list[dict[str, Any]]
    links: list[dict[str, Any]]
    gaps: list[Gap]
    trace: ProductTrace
    candidates: list[LinkCandidate]
    #: Names of every organization the page mentions, candidates' partners outside the chain included.
    names: dict[str, str]


def chain_view(uow: UnitOfWork, product: str, *, candidates_per_gap: int = 3) -> ChainView:
    """Everything the chain page shows for one product, from one load of the data.

    Raises :class:`~chainplan.chains.UnknownProduct`.
    """
    with uow:
        network = _network(uow)
        view = remembered(uow, "dataset", ("chain view", product, candidates_per_gap),
                          lambda: _chain_view(network, product, candidates_per_gap))
    return copy.deepcopy(view)  # the caller's own: the page changes what it is given, the memo's stays as it was


def _chain_view(network: ChainNetwork, product: str, candidates_per_gap: int) -> ChainView:
    G = network.product_graph(product)
    gaps = gap_report(network, products=[product])
    organizations = [{"code": code, "name": data.get("name") or code, "role": data.get("role"),
                      "kind": data.get("kind"), "region_code": data.get("region_code"),
                      "violations": len(data.get("violations") or ())}  # unresolved, marked on the page
                     for code, data in G.nodes(data=True)]
    links = [{"from_code": u, "to_code": v, "capacity": float(d.get("capacity", 0.0)),
              "volume": float(d.get("volume", 0.0)), "contract": bool(d.get("contract", False))}
             for u, v, d in G.edges(data=True)]
    record = dict(network.products[product])
    candidates = linkage_candidates(network, gaps, limit=candidates_per_gap)
    mentioned = {o["code"] for o in organizations} | {c.from_code for c in candidates} | {c.to_code for c in candidates}
    names = {code: network.organizations.get(code, {}).get("name") or code for code in mentioned}
    return ChainView(record, organizations, links, gaps, trace_product(G), candidates, names)


def chain_trace(uow: UnitOfWork, product: str) -> ProductTrace:
    """Every path from the product's producer to each supermarket chain, with bottlenecks and flows."""
    with uow:
        network = _network(uow)
    return trace_product(network.product_graph(product))


def gap_candidates(uow: UnitOfWork, *, product: str | None = None, limit: int = 5) -> list[LinkCandidate]:
    """Ranked links that would close each gap (of one product, or of all)."""
    with uow:
        network = _network(uow)
    if product is not None and product not in network.products:
        raise UnknownProduct(product)
    gaps = gap_report(network, products=[product] if product else None)
    return linkage_candidates(network, gaps, limit=limit)


def indicators(uow: UnitOfWork) -> dict[str, Any]:
    """Chain indicators against the committee's targets."""
    with uow:
        network = _network(uow)
        values = remembered(uow, "dataset", "indicators", lambda: chain_indicators(network, gap_report(network)))
    return copy.deepcopy(values)  # the caller's own: what is remembered stays as it was

