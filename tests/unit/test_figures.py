"""The pure figure functions the pages draw from."""

from __future__ import annotations

import itertools

from chainplan.chains import Gap
from dash_app.figures import ROLE_COLUMNS, chain_elements, format_number, gap_rows
from dash_app.i18n import grid_locale, language

ORGANIZATIONS = [
    {"code": "P", "name": "HTX Chè", "role": "producer", "kind": "cooperative"},
    {"code": "C", "name": "Cơ sở chế biến", "role": "processor", "kind": "company"},
    {"code": "D2", "name": "Nhà phân phối B", "role": "distributor", "kind": "wholesaler"},
    {"code": "D1", "name": "Nhà phân phối A", "role": "distributor", "kind": "wholesaler"},
    {"code": "GO", "name": "GO! Hạ Long", "role": "retailer", "kind": "supermarket_chain"},
]
LINKS = [{"from_code": "P", "to_code": "C", "capacity": 12500.0},
         {"from_code": "C", "to_code": "D1", "capacity": 800.0},
         {"from_code": "D1", "to_code": "GO", "capacity": 300.0}]
GAP = Gap("SP1", "single_point_of_failure", "high", "All paths pass C", nodes=("C",), edges=(("D1", "GO"),))


def test_the_chain_is_laid_out_in_tiers_with_gaps_marked() -> None:
    elements = chain_elements(ORGANIZATIONS, LINKS, [GAP], unit="kg", lang="vi")
    nodes = {e["data"]["id"]: e for e in elements if "source" not in e["data"]}
    edges = {e["data"]["id"]: e for e in elements if "source" in e["data"]}
    for code, node in nodes.items():
        role = next(o["role"] for o in ORGANIZATIONS if o["code"] == code)
        assert node["position"]["x"] == 60 + 260 * ROLE_COLUMNS.index(role)  # one column per tier, left to right
    assert nodes["D1"]["position"]["y"] < nodes["D2"]["position"]["y"]  # within a tier, by name
    assert nodes["C"]["classes"] == "processor gap" and "supermarket" in nodes["GO"]["classes"]
    assert nodes["P"]["data"]["label"] == "HTX Chè" and nodes["GO"]["data"]["role"] == "Kênh bán lẻ"
    assert edges["D1>GO"]["classes"] == "gap" and edges["P>C"]["classes"] == ""
    assert edges["P>C"]["data"]["label"] == "12.500 kg"


def test_gap_rows_name_products_and_translate() -> None:
    [row] = gap_rows([GAP], {"SP1": "Chè Ba Chẽ"}, "en")
    assert row["product"] == "Chè Ba Chẽ (SP1)" and row["type"] == "Single point of failure"
    assert row["severity"] == "High" and row["detail"] == "All paths pass C"


def test_numbers_and_language() -> None:
    assert format_number(18360.4, "vi", 0) == "18.360" and format_number(0.5, "en") == "0.5"
    assert language("En") == "en" and language("xx") == "vi"
    assert grid_locale("vi")["noRowsToShow"] == "Không có dòng nào" and grid_locale("en") == {}


def test_the_frontier_figure_plots_each_targets_attainment_of_its_minimum() -> None:
    from dash_app.figures import frontier_figure

    points = [{"budget_vnd": 10_000_000_000, "total_benefit": 100.0,
               "targets": {"new_products": 20, "e_stamp_share": 0.5}},
              {"budget_vnd": 20_000_000_000, "total_benefit": 150.0,
               "targets": {"new_products": 40, "e_stamp_share": 0.9}}]
    figure = frontier_figure(points, {"new_products": 40, "e_stamp_share": 0.9, "national_5_star": None}, "vi")
    by_name = {trace.name: trace for trace in figure.data}
    assert list(by_name["Sản phẩm mới"].x) == [10.0, 20.0]  # billions of VND
    assert list(by_name["Sản phẩm mới"].y) == [50.0, 100.0]
    assert [round(v, 6) for v in by_name["Tỷ lệ sản phẩm có tem điện tử"].y] == [55.555556, 100.0]
    assert "Sản phẩm 5 sao quốc gia" not in by_name  # no minimum: nothing to attain
    assert figure.layout.separators == ",."


def test_risk_bands_are_each_targets_p10_p50_p90_as_a_share_of_its_minimum() -> None:
    from dash_app.figures import risk_bands, risk_rows

    risk = {"targets": [
        {"target": "new_products", "mean": 24.0, "p10": 20.0, "p50": 25.0, "p90": 30.0, "prob_met": 0.0, "min": 50.0,
         "max": None},
        {"target": "gaps_closed", "mean": 1.0, "p10": 0.0, "p50": 1.0, "p90": 2.0, "prob_met": 1.0, "min": None,
         "max": None}]}
    [band] = risk_bands(risk, "en")  # no minimum: nothing to attain, no band
    assert band == {"label": "New products", "low": 40.0, "mid": 50.0, "high": 60.0, "prob_met": 0.0}
    assert [row["target"] for row in risk_rows(risk, "vi")] == ["Sản phẩm mới", "Điểm nghẽn chuỗi được khắc phục"]


def test_overview_bars_count_products_by_tier_and_star_in_the_pages_language() -> None:
    from dash_app.figures import star_bars, tier_bars

    summary = {"products_by_tier": {"district": 31, "provincial": 12, "national": 6, "none": 40},
               "products_by_stars": {"0": 5, "3": 20, "4": 7, "5": 1}}
    tiers = tier_bars(summary, "vi")
    assert [(r["label"], r["value"]) for r in tiers] == [("Cấp huyện", 31), ("Cấp tỉnh", 12), ("Hướng quốc gia", 6)]
    assert tiers[0]["share"] == 1.0 and abs(tiers[2]["share"] - 6 / 31) < 1e-12
    assert [(r["label"], r["value"]) for r in star_bars(summary)] == [("0★", 5), ("3★", 20), ("4★", 7), ("5★", 1)]


def _segments(element: dict, nodes: dict) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """The straight parts an edge is drawn with: source centre, its route's points, target centre."""
    source, target = nodes[element["data"]["source"]], nodes[element["data"]["target"]]
    points = [(source.x, source.y), *[tuple(p) for p in element["data"]["route"]], (target.x, target.y)]
    return list(itertools.pairwise(points))


def test_no_edge_of_any_demo_product_passes_through_a_node_it_does_not_join() -> None:
    """Ba kích Ba Chẽ's producer -> OCOP shop link was drawn straight through the processor and the distributor, and
    read as a path through them. Every demo product's graph, as the page draws it: no straight part of an edge
    crosses the box (shape and wrapped name) of a node other than its own two."""
    from chainplan.chains import ChainNetwork, gap_report
    from chainplan.demo import build_demo_dataset
    from dash_app.figures import chain_layout

    network = ChainNetwork.from_dataset(build_demo_dataset())
    checked_edges = skipping = 0
    for product in network.products:
        graph = network.product_graph(product)
        organizations = [{"code": c, "name": d.get("name") or c, "role": d.get("role"), "kind": d.get("kind")}
                         for c, d in graph.nodes(data=True)]
        links = [{"from_code": u, "to_code": v, "capacity": float(d.get("capacity", 0.0))}
                 for u, v, d in graph.edges(data=True)]
        boxes = chain_layout(organizations)
        elements = chain_elements(organizations, links, gap_report(network, products=[product]), unit="kg",
                                  lang="vi")
        for element in elements:
            if "source" not in element["data"]:
                continue
            ends = {element["data"]["source"], element["data"]["target"]}
            for start, end in _segments(element, boxes):
                crossed = [b.code for b in boxes.values() if b.code not in ends and b.crossed_by(start, end)]
                assert crossed == [], f"{product}: {element['data']['id']} {start}->{end} crosses {crossed}"
            checked_edges += 1
            columns = {round((boxes[c].x - 60) / 260) for c in ends}
            skipping += max(columns) - min(columns) > 1
    assert checked_edges > 400 and skipping > 0  # the demo's links, including links that skip a tier


def test_a_link_that_skips_tiers_goes_around_the_nodes_between() -> None:
    """A producer -> shop link beside a processor and a distributor placed at the same height: the straight line
    would pass through both; the route does not, and a box test on the straight line says so."""
    from dash_app.figures import chain_layout

    organizations = [{"code": "P", "name": "HTX", "role": "producer"}, {"code": "C", "name": "Chế biến",
                                                                          "role": "processor"},
                     {"code": "D", "name": "Phân phối", "role": "distributor"},
                     {"code": "S", "name": "Cửa hàng OCOP", "role": "retailer"}]
    links = [{"from_code": "P", "to_code": "S", "capacity": 1.0}, {"from_code": "P", "to_code": "C", "capacity": 1.0}]
    boxes = chain_layout(organizations)
    assert boxes["C"].crossed_by((boxes["P"].x, boxes["P"].y), (boxes["S"].x, boxes["S"].y))  # the old drawing
    [edge] = [e for e in chain_elements(organizations, links, [], unit="kg", lang="vi") if e["data"]["id"] == "P>S"]
    for start, end in _segments(edge, boxes):
        assert not boxes["C"].crossed_by(start, end) and not boxes["D"].crossed_by(start, end)
