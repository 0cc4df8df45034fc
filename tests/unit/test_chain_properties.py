"""Properties of the chain analyses on random small networks, checked against brute force."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from chainplan.chains import (
    ChainNetwork,
    find_gaps,
    is_supermarket,
    max_flow_to,
    products_reaching_supermarket,
    trace_product,
)
from chainplan.dataset import Dataset

INTERMEDIARIES = ["C1", "C2", "D1", "D2", "D3"]
CHAINS = ["GO", "MM"]


@st.composite
def chains(draw: st.DrawFn) -> nx.MultiDiGraph:
    G = nx.MultiDiGraph(product_code="SP", producer="P", chain_tier="provincial", requirements={},
                        product={"annual_output": float(draw(st.sampled_from([0, 5, 50]))),
                                 "needs_processing": draw(st.booleans())})
    G.add_node("P", role="producer")
    for node in INTERMEDIARIES:
        G.add_node(node, role="processor" if node.startswith("C") else "distributor")
    for node in CHAINS:
        G.add_node(node, role="retailer", kind="supermarket_chain")
    G.add_node("SHOP", role="retailer", kind="ocop_shop")
    order = ["P", *INTERMEDIARIES]
    for i, source in enumerate(order):
        for target in [*order[i + 1:], *CHAINS, "SHOP"]:
            if draw(st.integers(0, 9)) < 3:
                capacity = float(draw(st.integers(1, 20)))
                G.add_edge(source, target, key="SP", capacity=capacity,
                           volume=float(draw(st.integers(0, int(capacity)))))
    G.graph["demand"] = {c: float(draw(st.integers(0, 30))) for c in CHAINS if draw(st.booleans())}
    return G


def reaches_a_chain(G: nx.MultiDiGraph) -> bool:
    return any(is_supermarket(G.nodes[n]) for n in nx.descendants(G, "P")) if "P" in G else False


@settings(max_examples=150, deadline=None)
@given(G=chains())
def test_single_points_of_failure_match_brute_force(G: nx.MultiDiGraph) -> None:
    gaps = find_gaps(G)
    if not reaches_a_chain(G):
        assert "single_point_of_failure" not in {g.type for g in gaps}
        assert "no_supermarket_path" in {g.type for g in gaps}
        return
    reported = {g.nodes[0] for g in gaps if g.type == "single_point_of_failure" and g.nodes}
    for node in INTERMEDIARIES:
        if node not in nx.descendants(G, "P"):
            assert node not in reported
            continue
        H = G.copy()
        H.remove_node(node)
        assert (node in reported) == (not reaches_a_chain(H)), node
    for gap in gaps:
        if gap.type == "single_point_of_failure" and gap.edges:
            (u, v), = gap.edges
            H = G.copy()
            H.remove_edges_from([(u, v, k) for k in list(H[u][v])])
            assert not reaches_a_chain(H)


@settings(max_examples=150, deadline=None)
@given(G=chains())
def test_flows_bound_each_other_and_paths_are_real(G: nx.MultiDiGraph) -> None:
    trace = trace_product(G)
    assert trace.flow_to_demand <= trace.demand + 1e-9
    assert trace.flow_to_demand <= trace.max_flow + 1e-9
    for path in trace.paths:
        assert path.nodes[0] == "P" and is_supermarket(G.nodes[path.retailer])
        assert all(G.has_edge(u, v) for u, v in zip(path.nodes, path.nodes[1:], strict=False))
        # A path carries its bottleneck, unless the producer's output (when known) is smaller still.
        output = G.graph["product"]["annual_output"]
        assert min(path.bottleneck, output if output > 0 else float("inf")) <= trace.max_flow + 1e-9
    # The links named as the bottleneck belong to a minimum cut: each is saturated by the maximum flow, and
    # together they carry no more than the flow (the rest of the cut is met demand or the producer's output).
    wanted = {c: a for c, a in G.graph["demand"].items() if a > 0}
    result = max_flow_to(G, wanted)
    capacity = {(u, v): sum(d["capacity"] for d in G[u][v].values()) for u, v in G.edges()}
    for link in result.cut_edges:
        assert abs(result.flow.get(link, 0.0) - capacity[link]) < 1e-9
    assert sum(capacity[link] for link in result.cut_edges) <= result.value + 1e-9
    gaps = {g.type: g for g in find_gaps(G)}
    if "capacity_shortfall" in gaps:
        assert set(gaps["capacity_shortfall"].edges) == set(result.cut_edges)


@st.composite
def networks(draw: st.DrawFn) -> Dataset:
    """Three products on shared organizations, random links per product (cycles, links out of chains allowed)."""
    organizations = [{"code": f"P{i}", "name": "p", "role": "producer"} for i in range(3)]
    organizations += [{"code": node, "name": node, "role": "processor" if node.startswith("C") else "distributor"}
                      for node in INTERMEDIARIES]
    organizations += [{"code": node, "name": node, "role": "retailer", "kind": "supermarket_chain"} for node in CHAINS]
    organizations.append({"code": "SHOP", "name": "shop", "role": "retailer", "kind": "ocop_shop"})
    nodes = [o["code"] for o in organizations]
    products = [{"code": f"SP{i}", "name": "x", "group": "food", "producer_code": draw(st.sampled_from(nodes[:3]))}
                for i in range(3)]
    links = [{"from_code": source, "to_code": target, "product_code": product["code"], "capacity": 1.0}
             for product in products for source in nodes for target in nodes
             if source != target and draw(st.integers(0, 19)) < 2]
    return Dataset.from_records({"organizations": organizations, "products": products, "links": links})


@settings(max_examples=150, deadline=None)
@given(ds=networks())
def test_reachability_of_every_product_at_once_matches_the_walk_per_product(ds: Dataset) -> None:
    network = ChainNetwork.from_dataset(ds)
    reach = products_reaching_supermarket(ds)
    assert {code: bool(reach[code]) for code in ds.products["code"]} == {
        code: network.reaches_supermarket(code) for code in ds.products["code"]}
