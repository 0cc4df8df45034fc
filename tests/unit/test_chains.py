"""Gap types, tracing and candidates on small hand-drawn chains whose answers are worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from chainplan.chains import (
    GAP_TYPES,
    ChainNetwork,
    Gap,
    UnknownProduct,
    chain_indicators,
    find_gaps,
    gap_report,
    gaps_closed_by_plan,
    linkage_candidates,
    trace_product,
)
from chainplan.dataset import Dataset

ORGS = {
    "P": ("producer", "cooperative", "BC"),
    "C1": ("processor", "company", "BC"),
    "C2": ("processor", "company", "HL"),
    "D": ("distributor", "wholesaler", "HL"),
    "D2": ("distributor", "wholesaler", "BC"),
    "GO": ("retailer", "supermarket_chain", "HL"),
    "MM": ("retailer", "supermarket_chain", "HL"),
    "SHOP": ("retailer", "ocop_shop", "BC"),
}


def network(links: list[tuple[str, str, float, float]], *, tier: str = "none", demand: dict[str, float] | None = None,
            requires: dict[str, list[str]] | None = None, plans: list[dict[str, Any]] | None = None,
            inspections: list[dict[str, Any]] | None = None, **product: Any) -> ChainNetwork:
    records = {
        "regions": [{"code": "QN", "name": "QN", "level": "province"},
                    {"code": "BC", "name": "Ba Chẽ", "level": "district", "parent_code": "QN"},
                    {"code": "HL", "name": "Hạ Long", "level": "district", "parent_code": "QN"}],
        "organizations": [{"code": c, "name": c, "role": r, "kind": k, "region_code": g}
                          for c, (r, k, g) in ORGS.items()],
        "products": [{"code": "SP", "name": "Ba kích", "group": "herbal", "producer_code": "P", "region_code": "BC",
                      "chain_tier": tier, **product}],
        "links": [{"from_code": f, "to_code": t, "product_code": "SP", "capacity": c, "volume": v}
                  for f, t, c, v in links],
        "demand": [{"retailer_code": r, "product_code": "SP", "annual_demand": a} for r, a in (demand or {}).items()],
        "channel_requirements": [{"retailer_code": r, "requires": q} for r, q in (requires or {}).items()],
        "plans": plans or [],
        "inspections": inspections or [],
    }
    return ChainNetwork.from_dataset(Dataset.from_records(records))


def inspection(code: str, organization: str, result: str = "violation", resolved_on: str | None = None,
               **more: Any) -> dict[str, Any]:
    return {"code": code, "organization_code": organization, "inspected_on": "2020-03-02", "kind": "facility",
            "result": result, "resolved_on": resolved_on, **more}


def gaps_of(net: ChainNetwork, **options: Any) -> list[Gap]:
    return find_gaps(net.product_graph("SP"), **options)


def test_no_supermarket_path_names_the_channels_it_does_reach() -> None:
    gaps = gaps_of(network([("P", "SHOP", 10, 5)]))
    assert [g.type for g in gaps] == ["no_supermarket_path", "buyer_concentration"]  # one buyer takes 100 %
    gap = gaps[0]
    assert gap == Gap("SP", "no_supermarket_path", "medium",
                      "No path from P to any supermarket chain. It is sold only through SHOP.", ("P", "SHOP"), ())


def test_no_supermarket_path_is_high_for_a_key_chain_and_mentions_demand() -> None:
    gap = gaps_of(network([("P", "SHOP", 10, 5)], tier="provincial", demand={"GO": 3}))[0]
    assert gap.severity == "high"
    assert gap.detail.endswith("Demanded by GO.")


def test_missing_processing_when_every_path_skips_processors() -> None:
    gaps = gaps_of(network([("P", "D", 10, 5), ("D", "GO", 10, 5)], needs_processing=True))
    assert [g.type for g in gaps if g.type == "missing_processing"] == ["missing_processing"]
    [gap] = [g for g in gaps if g.type == "missing_processing"]
    assert (gap.severity, gap.nodes, gap.edges) == ("high", ("P",), (("P", "D"),))


def test_processing_on_one_path_is_enough() -> None:
    links = [("P", "D", 10, 5), ("D", "GO", 10, 5), ("P", "C1", 10, 5), ("C1", "MM", 10, 5)]
    assert "missing_processing" not in {g.type for g in gaps_of(network(links, needs_processing=True))}


def test_capacity_shortfall_names_the_min_cut() -> None:
    # P -(10)-> D -(4)-> GO, GO wants 8: 4 deliverable, half unmet -> high; the cut is D -> GO.
    [gap] = [g for g in gaps_of(network([("P", "D", 10, 1), ("D", "GO", 4, 1)], demand={"GO": 8}))
             if g.type == "capacity_shortfall"]
    assert gap.severity == "high"
    assert gap.edges == (("D", "GO"),)
    assert gap.measures == {"demand": 8.0, "max_flow": 4.0, "unmet_share": 0.5}


def test_capacity_shortfall_counts_every_chain_and_the_producer_output() -> None:
    links = [("P", "D", 100, 1), ("D", "GO", 50, 1), ("D", "MM", 50, 1)]
    # Demand 30 + 30 = 60, links could carry it, but the producer only makes 45: 25 % unmet -> medium.
    [gap] = [g for g in gaps_of(network(links, demand={"GO": 30, "MM": 30}, annual_output=45))
             if g.type == "capacity_shortfall"]
    assert gap.severity == "medium"
    assert gap.measures["max_flow"] == 45.0
    assert "output" in gap.detail
    enough = network(links, demand={"GO": 30, "MM": 30}, annual_output=60)
    assert "capacity_shortfall" not in {g.type for g in gaps_of(enough)}


def test_single_point_of_failure_node() -> None:
    links = [("P", "D", 10, 5), ("D", "GO", 10, 5), ("D", "MM", 10, 5)]
    spof = [g for g in gaps_of(network(links)) if g.type == "single_point_of_failure"]
    assert [(g.nodes, g.edges) for g in spof] == [(("D",), ())]


def test_two_parallel_processors_are_no_single_point_of_failure() -> None:
    links = [("P", "C1", 10, 5), ("P", "C2", 10, 5), ("C1", "GO", 10, 5), ("C2", "GO", 10, 5)]
    assert [g for g in gaps_of(network(links)) if g.type == "single_point_of_failure"] == []


def test_single_link_to_the_only_chain_is_a_single_point_of_failure() -> None:
    spof = [g for g in gaps_of(network([("P", "GO", 10, 5)])) if g.type == "single_point_of_failure"]
    assert [(g.nodes, g.edges) for g in spof] == [((), (("P", "GO"),))]


def test_chain_of_two_intermediaries_reports_both_and_no_redundant_links() -> None:
    links = [("P", "C1", 10, 5), ("C1", "D", 10, 5), ("D", "GO", 10, 5), ("D", "MM", 10, 5)]
    spof = [g for g in gaps_of(network(links, tier="national")) if g.type == "single_point_of_failure"]
    assert [(g.nodes, g.edges, g.severity) for g in spof] == [(("C1",), (), "high"), (("D",), (), "high")]


def test_buyer_concentration_with_herfindahl() -> None:
    # Shares 0.8 and 0.2: HHI = 0.64 + 0.04 = 0.68.
    [gap] = [g for g in gaps_of(network([("P", "D", 100, 80), ("P", "D2", 100, 20)]))
             if g.type == "buyer_concentration"]
    assert (gap.nodes, gap.edges, gap.severity) == (("D",), (("P", "D"),), "medium")
    assert gap.measures == pytest.approx({"share": 0.8, "herfindahl": 0.68})
    assert "80%" in gap.detail


def test_buyer_concentration_threshold_is_a_parameter() -> None:
    net = network([("P", "D", 100, 60), ("P", "D2", 100, 40)])
    assert "buyer_concentration" not in {g.type for g in gaps_of(net)}
    assert "buyer_concentration" in {g.type for g in gaps_of(net, concentration_threshold=0.6)}


def test_compliance_gap_lists_what_the_product_lacks() -> None:
    net = network([("P", "D", 10, 5), ("D", "GO", 10, 5)], demand={"GO": 5},
                  requires={"GO": ["barcode", "e_stamp", "min_stars:3"], "MM": ["barcode"]}, stars=2, e_stamp=True)
    [gap] = [g for g in gaps_of(net) if g.type == "compliance_gap"]
    assert gap == Gap("SP", "compliance_gap", "high",
                      "GO requires a barcode, at least 3 OCOP stars, which the product lacks (the channel demands it).",
                      ("GO",), (("D", "GO"),))


def test_compliance_met_is_not_reported() -> None:
    net = network([("P", "GO", 10, 5)], requires={"GO": ["barcode", "min_stars:3"]}, stars=3, barcode=True)
    assert "compliance_gap" not in {g.type for g in gaps_of(net)}


def test_unlinked_producer_only_for_key_chain_products() -> None:
    assert [g.type for g in gaps_of(network([], tier="district"))] == ["no_supermarket_path", "unlinked_producer"]
    assert [g.type for g in gaps_of(network([]))] == ["no_supermarket_path"]


def test_trace_lists_every_path_with_bottlenecks_and_flows() -> None:
    links = [("P", "C1", 6, 0), ("P", "C2", 5, 0), ("C1", "GO", 4, 0), ("C2", "GO", 5, 0), ("C1", "MM", 3, 0),
             ("P", "SHOP", 2, 0)]
    trace = trace_product(network(links, demand={"GO": 10}).product_graph("SP"))
    assert [(p.nodes, p.bottleneck, p.weakest_link) for p in trace.paths] == [
        (["P", "C1", "GO"], 4.0, ("C1", "GO")),
        (["P", "C2", "GO"], 5.0, ("C2", "GO")),
        (["P", "C1", "MM"], 3.0, ("C1", "MM")),
    ]
    assert [p.nodes for p in trace.other_paths] == [["P", "SHOP"]]
    # To all chains: C1 carries 6 (4 to GO + 2 to MM... at most 6 in), C2 carries 5: 11 in total.
    assert trace.max_flow == 11.0
    # Against GO's demand of 10: 4 via C1 and 5 via C2 = 9.
    assert (trace.flow_to_demand, trace.demand) == (9.0, 10.0)
    assert trace.chains_reached == ["GO", "MM"]


def test_unknown_product_and_empty_dataset() -> None:
    empty = ChainNetwork.from_dataset(Dataset.empty())
    assert gap_report(empty) == []
    with pytest.raises(UnknownProduct, match="unknown product code 'X'"):
        empty.product_graph("X")


def test_plans_close_gaps_with_their_new_links() -> None:
    plans = [
        {"code": "LINK", "product_code": "SP", "organization_code": "P", "purpose": "linkage", "new_links": ["D>GO"]},
        {"code": "SAME", "product_code": "SP", "organization_code": "P", "purpose": "linkage", "new_links": ["P>D"]},
        {"code": "NONE", "product_code": "SP", "organization_code": "P", "purpose": "upgrade"},
    ]
    net = network([("P", "D", 10, 5), ("D", "SHOP", 10, 5)], tier="district", plans=plans)
    ds_plans = Dataset.from_records({"plans": plans}).plans
    closed = gaps_closed_by_plan(net, ds_plans)
    assert [g.type for g in closed["LINK"]] == ["no_supermarket_path"]
    assert closed["SAME"] == [] and closed["NONE"] == []


def test_candidates_prefer_the_same_region_and_skip_existing_links() -> None:
    net = network([("P", "D", 10, 9), ("D", "GO", 10, 9)], needs_processing=True)
    [gap] = [g for g in gaps_of(net) if g.type == "missing_processing"]
    found = linkage_candidates(net, [gap])
    assert [(c.from_code, c.to_code, c.proximity) for c in found] == [
        ("P", "C1", "same_region"), ("P", "C2", "neighbouring_region")]
    compliance = Gap("SP", "compliance_gap", "high", "", ("GO",), ())
    assert linkage_candidates(net, [compliance]) == []


def test_demo_has_every_gap_type_and_traces_chain_products(demo: Dataset) -> None:
    net = ChainNetwork.from_dataset(demo)
    gaps = gap_report(net)
    # An unresolved violation needs inspections: a demo without them cannot show one (the years work adds them).
    expected = set(GAP_TYPES) - ({"unresolved_violation"} if demo.inspections.empty else set())
    assert {g.type for g in gaps} == expected
    assert all(g.detail and g.detail_vi for g in gaps), "every gap is explained in English and Vietnamese"
    national = net.product_codes("national")
    traced = [trace_product(net.product_graph(code)) for code in national]
    assert any(t.paths for t in traced)
    for t in traced:
        for path in t.paths:
            assert path.nodes[0] == t.producer and path.retailer in t.chains_reached
    indicators = chain_indicators(net, gaps)
    assert indicators["by_tier"]["key_chains"]["products"] == 49
    reaching = sum(1 for code in net.products if "no_supermarket_path" not in
                   {g.type for g in gaps if g.product_code == code})
    assert indicators["products_reaching_supermarket"] == reaching


def test_province_graph_keeps_parallel_links_per_product(demo: Dataset) -> None:
    net = ChainNetwork.from_dataset(demo)
    G = net.province_graph()
    assert G.number_of_edges() == len(demo.links)
    assert G.number_of_nodes() == len(demo.organizations)
    parallel = demo.links.groupby(["from_code", "to_code"]).size()
    (source, target), count = next((k, v) for k, v in parallel.items() if v > 1)
    assert G.number_of_edges(source, target) == count
    assert set(G[source][target]) == set(demo.links[(demo.links["from_code"] == source)
                                                    & (demo.links["to_code"] == target)]["product_code"])
    assert G.nodes["RT-GO"]["kind"] == "supermarket_chain"


def test_a_producer_without_links_that_must_process_gets_both_gaps() -> None:
    gaps = gaps_of(network([], tier="district", needs_processing=True))
    assert [g.type for g in gaps] == ["no_supermarket_path", "missing_processing", "unlinked_producer"]
    [gap] = [g for g in gaps if g.type == "missing_processing"]
    assert (gap.severity, gap.nodes, gap.edges) == ("high", ("P",), ())
    assert "no processor is linked" in gap.detail


#: One tiny chain per detector, with the one gap it must find there, worked out by hand:
#: (detector, links (from, to, capacity, volume), network options, detector options, (severity, nodes, edges)).
DETECTOR_CASES: list[tuple[str, list[tuple[str, str, float, float]], dict[str, Any], dict[str, Any],
                           tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]]] = [
    ("unlinked_producer", [], {"tier": "district"}, {}, ("high", ("P",), ())),
    ("no_supermarket_path", [("P", "SHOP", 10, 5)], {}, {}, ("medium", ("P", "SHOP"), ())),
    ("missing_processing", [("P", "D", 10, 5), ("D", "GO", 10, 5)], {"needs_processing": True}, {},
     ("high", ("P",), (("P", "D"),))),
    # 10 demanded, 4 deliverable: 60 % unmet, high; the one link is the cut.
    ("capacity_shortfall", [("P", "GO", 4, 1)], {"demand": {"GO": 10}}, {"capacity": "capacity"},
     ("high", ("GO", "P"), (("P", "GO"),))),
    # D is on the only path; the links at D are not reported again.
    ("single_point_of_failure", [("P", "D", 10, 5), ("D", "GO", 10, 5)], {}, {}, ("medium", ("D",), ())),
    # D takes 8 of 10: 80 % ≥ 70 %, below 90 %: medium.
    ("buyer_concentration", [("P", "D", 10, 8), ("P", "D2", 10, 2), ("D", "GO", 10, 8), ("D2", "GO", 10, 2)], {},
     {"volume": "volume", "concentration_threshold": 0.7}, ("medium", ("D",), (("P", "D"),))),
    ("compliance_gap", [("P", "D", 10, 5), ("P", "D2", 10, 5), ("D", "GO", 10, 5), ("D2", "GO", 10, 5)],
     {"requires": {"GO": ["e_stamp"]}}, {}, ("medium", ("GO",), (("D", "GO"), ("D2", "GO")))),
    # D, on one of two parallel paths, has a violation still open: marked on the chain, high.
    ("unresolved_violation", [("P", "D", 10, 5), ("P", "D2", 10, 5), ("D", "GO", 10, 5), ("D2", "GO", 10, 5)],
     {"inspections": [inspection("KT1", "D")]}, {}, ("high", ("D",), ())),
]


@pytest.mark.parametrize(("kind", "links", "options", "detector_options", "expected"), DETECTOR_CASES,
                         ids=[case[0] for case in DETECTOR_CASES])
def test_each_detector_finds_its_gap_on_a_tiny_chain(
    kind: str, links: list[tuple[str, str, float, float]], options: dict[str, Any], detector_options: dict[str, Any],
    expected: tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]],
) -> None:
    from chainplan.chains import gaps as detectors

    G = network(links, **options).product_graph("SP")
    [gap] = getattr(detectors, f"_{kind}")(detectors._ChainFacts.of(G), **detector_options)
    assert (gap.type, gap.severity, gap.nodes, gap.edges) == (kind, *expected)
    assert gap.detail and gap.detail_vi
    assert gap in [g for g in find_gaps(G) if g.type == kind]  # find_gaps reports what its detector finds


def test_no_detector_finds_a_gap_in_a_sound_chain() -> None:
    """Two distributors in parallel to a chain that wants what they carry: nothing to report."""
    from chainplan.chains import gaps as detectors

    links = [("P", "D", 10, 5), ("P", "D2", 10, 5), ("D", "GO", 10, 5), ("D2", "GO", 10, 5)]
    # Inspections that leave nothing open: compliant, resolved, and a violation of someone off the chain.
    checked = [inspection("KT1", "D", "compliant"), inspection("KT2", "D2", resolved_on="2020-04-01"),
               inspection("KT3", "SHOP")]
    G = network(links, demand={"GO": 10}, requires={"GO": ["barcode"]}, barcode=True,
                inspections=checked).product_graph("SP")
    chain = detectors._ChainFacts.of(G)
    found = [*detectors._unlinked_producer(chain), *detectors._no_supermarket_path(chain),
             *detectors._missing_processing(chain), *detectors._capacity_shortfall(chain, capacity="capacity"),
             *detectors._single_point_of_failure(chain),
             *detectors._buyer_concentration(chain, volume="volume", concentration_threshold=0.7),
             *detectors._compliance_gap(chain), *detectors._unresolved_violation(chain)]
    assert found == [] and find_gaps(G) == []
    assert {case[0] for case in DETECTOR_CASES} == set(GAP_TYPES)


def test_unresolved_violation_names_the_organization_and_each_open_inspection_in_both_languages() -> None:
    links = [("P", "D", 10, 5), ("D", "GO", 10, 5)]
    open_checks = [inspection("KT9", "P", kind="label_use", finding="Dùng nhãn OCOP khi chưa được công nhận"),
                   inspection("KT8", "P", resolved_on="2020-05-01")]
    [gap] = [g for g in gaps_of(network(links, inspections=open_checks)) if g.type == "unresolved_violation"]
    assert gap.nodes == ("P",) and gap.severity == "high"
    assert "KT9" in gap.detail and "KT8" not in gap.detail and "label use" in gap.detail
    assert "sử dụng nhãn" in gap.detail_vi and "Dùng nhãn OCOP" in gap.detail_vi


def test_a_link_of_capacity_zero_is_a_bottleneck_not_a_crash() -> None:
    # The contract allows capacity >= 0; networkx leaves such links out of its residual network.
    import networkx as nx

    from chainplan.chains.flow import max_flow_to

    G = nx.MultiDiGraph(producer="P", product={"annual_output": 0.0})
    G.add_edge("P", "GO", capacity=0.0)
    result = max_flow_to(G, {"GO": 5.0})
    assert result.value == 0.0
    assert result.flow == {}
    assert result.cut_edges == [("P", "GO")]
