"""Each consistency check in isolation, on a small valid dataset that one edit breaks."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from chainplan.dataset import Dataset, DatasetError, check_dataset, region_ancestors, validated

BASE: dict[str, list[dict[str, Any]]] = {
    "regions": [
        {"code": "QN", "name": "Quảng Ninh", "level": "province"},
        {"code": "BC", "name": "Ba Chẽ", "level": "district", "parent_code": "QN"},
        {"code": "HL", "name": "Hạ Long", "level": "district", "parent_code": "QN"},
    ],
    "organizations": [
        {"code": "P", "name": "HTX", "role": "producer", "region_code": "BC"},
        {"code": "D", "name": "Distributor", "role": "distributor", "region_code": "HL"},
        {"code": "R", "name": "GO!", "role": "retailer", "kind": "supermarket_chain", "region_code": "HL"},
    ],
    "products": [{"code": "SP", "name": "Ba kích", "group": "herbal", "producer_code": "P", "region_code": "BC"}],
    "links": [{"from_code": "P", "to_code": "D", "product_code": "SP", "capacity": 10, "volume": 5},
              {"from_code": "D", "to_code": "R", "product_code": "SP", "capacity": 10}],
    "demand": [{"retailer_code": "R", "product_code": "SP", "annual_demand": 5}],
    "channel_requirements": [{"retailer_code": "R", "requires": ["barcode", "min_stars:3"]}],
    "budget_lines": [{"code": "NTM", "name": "NTM", "source": "ntm_central", "amount_vnd": 100},
                     {"code": "NS-BC", "name": "Ba Chẽ", "source": "local", "amount_vnd": 50, "region_code": "BC"}],
    "plans": [{"code": "A", "product_code": "SP", "organization_code": "P", "purpose": "upgrade"},
              {"code": "B", "product_code": "SP", "organization_code": "P", "purpose": "linkage",
               "requires_plan": "A", "new_links": ["P>R"]}],
    "plan_requests": [{"plan_code": "A", "budget_line_code": "NTM", "amount_vnd": 10},
                      {"plan_code": "B", "budget_line_code": "NS-BC", "amount_vnd": 10}],
    "appraisals": [{"plan_code": "A", "stage": "district", "status": "passed"}],
}


def broken(sheet: str, index: int, **changes: Any) -> list[tuple[str | None, int | None, str | None, str]]:
    records = copy.deepcopy(BASE)
    if index >= len(records[sheet]):
        records[sheet].append(changes)
    else:
        records[sheet][index].update(changes)
    return [(p.sheet, p.row, p.column, p.reason) for p in check_dataset(Dataset.from_records(records))]


def test_base_is_consistent() -> None:
    assert check_dataset(Dataset.from_records(BASE)) == []


def test_duplicate_code_names_both_rows() -> None:
    problems = broken("organizations", 3, code="P", name="again", role="producer", region_code="BC")
    assert problems == [("organizations", 5, "code", "duplicate code: already used on row 2")]


def test_duplicate_composite_key() -> None:
    problems = broken("links", 2, from_code="P", to_code="D", product_code="SP", capacity=1)
    assert [p[3] for p in problems] == ["duplicate from_code + to_code + product_code: already used on row 2"]


@pytest.mark.parametrize(("sheet", "index", "changes", "column"), [
    ("organizations", 0, {"region_code": "XX"}, "region_code"),
    ("products", 0, {"region_code": "XX"}, "region_code"),
    ("links", 0, {"to_code": "XX"}, "to_code"),
    ("links", 0, {"product_code": "XX"}, "product_code"),
    ("demand", 0, {"product_code": "XX"}, "product_code"),
    ("budget_lines", 0, {"region_code": "XX"}, "region_code"),
    ("plans", 0, {"product_code": "XX"}, "product_code"),
    ("plans", 0, {"organization_code": "XX"}, "organization_code"),
    ("plans", 1, {"requires_plan": "XX"}, "requires_plan"),
    ("plans", 1, {"excludes_plans": ["XX"]}, "excludes_plans"),
    ("plan_requests", 0, {"budget_line_code": "XX"}, "budget_line_code"),
    ("plan_requests", 0, {"plan_code": "XX"}, "plan_code"),
    ("appraisals", 0, {"plan_code": "XX"}, "plan_code"),
])
def test_unknown_codes(sheet: str, index: int, changes: dict[str, Any], column: str) -> None:
    problems = broken(sheet, index, **changes)
    assert [(p[0], p[1], p[2]) for p in problems] == [(sheet, index + 2, column)]
    assert "unknown" in problems[0][3]


def test_region_hierarchy_rules() -> None:
    assert broken("regions", 1, parent_code=None)[0][3].startswith("a district needs a parent")
    assert "not above" in broken("regions", 1, level="province", parent_code="QN")[0][3]
    assert "own parent" in broken("regions", 1, parent_code="BC")[0][3]


def test_post_2025_hierarchy_without_districts_loads() -> None:
    records = copy.deepcopy(BASE)
    records["regions"] = [{"code": "QN", "name": "Quảng Ninh", "level": "province"},
                          {"code": "BC", "name": "Xã Ba Chẽ", "level": "commune", "parent_code": "QN"},
                          {"code": "HL", "name": "Phường Hạ Long", "level": "commune", "parent_code": "QN"}]
    dataset = validated(Dataset.from_records(records))
    assert region_ancestors(dataset.regions)["BC"] == ("BC", "QN")


def test_roles_are_checked() -> None:
    assert "not a producer" in broken("products", 0, producer_code="D")[0][3]
    assert "not a retailer" in broken("demand", 0, retailer_code="D")[0][3]


def test_link_to_itself_and_volume_above_capacity() -> None:
    assert "itself" in broken("links", 0, to_code="P")[0][3]
    assert "above the link's capacity" in broken("links", 0, volume=11)[0][3]
    assert broken("links", 0, volume=10) == []  # a link used to its capacity is consistent
    assert "above the link's capacity" in broken("links", 0, volume=10.01)[0][3]


def test_requirement_syntax() -> None:
    assert "unknown requirement" in broken("channel_requirements", 0, requires=["halal"])[0][3]
    assert "min_stars" in broken("channel_requirements", 0, requires=["min_stars:7"])[0][3]


def test_new_link_syntax() -> None:
    assert "FROM>TO" in broken("plans", 1, new_links=["P-R"])[0][3]
    assert "unknown organization" in broken("plans", 1, new_links=["P>ZZ"])[0][3]


def test_request_on_a_line_restricted_to_another_region() -> None:
    problems = broken("organizations", 0, region_code="HL")
    assert problems == [("plan_requests", 3, "budget_line_code",
                         "budget line is restricted to region BC, but plan B's organization P is in HL")]


def test_requires_cycle_and_self_reference() -> None:
    assert "cycle" in broken("plans", 0, requires_plan="B")[0][3]
    assert "itself" in broken("plans", 0, requires_plan="A")[0][3]
    assert "itself" in broken("plans", 0, excludes_plans=["A"])[0][3]


def test_every_problem_is_collected() -> None:
    records = copy.deepcopy(BASE)
    records["organizations"][0]["region_code"] = "XX"
    records["links"][0]["to_code"] = "YY"
    records["plans"][1]["requires_plan"] = "ZZ"
    with pytest.raises(DatasetError) as caught:
        validated(Dataset.from_records(records))
    assert len(caught.value.problems) == 3
    assert "3 problem(s)" in str(caught.value)
