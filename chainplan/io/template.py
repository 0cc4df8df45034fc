"""The README sheet of the template: what every sheet and column means, in Vietnamese and English."""

from __future__ import annotations

from collections.abc import Iterator

from chainplan.schema import SHEETS, VIETNAMESE_HEADERS, Column

__all__ = ["EXAMPLE_ROWS", "readme_rows"]

#: One example record per sheet, shown in the README sheet (the data sheets of the template stay empty).
EXAMPLE_ROWS: dict[str, dict[str, str]] = {
    "regions": {"code": "BC", "name": "Huyện Ba Chẽ", "level": "district", "parent_code": "QN"},
    "organizations": {"code": "HTX-BC-01", "name": "HTX Ba kích Ba Chẽ", "role": "producer",
                      "kind": "cooperative", "region_code": "BC", "is_new": "false",
                      "certifications": "vietgap;organic"},
    "products": {"code": "SP-BAKICH", "name": "Ba kích tím Ba Chẽ", "group": "herbal",
                 "producer_code": "HTX-BC-01", "region_code": "BC", "chain_tier": "provincial", "stars": "4",
                 "ocop_score": "78", "e_stamp": "true", "barcode": "true", "safe_food_chain": "false",
                 "needs_processing": "true", "annual_output": "12000", "unit": "kg"},
    "links": {"from_code": "HTX-BC-01", "to_code": "CB-HL-01", "product_code": "SP-BAKICH",
              "capacity": "8000", "volume": "5000", "contract": "true"},
    "demand": {"retailer_code": "ST-GO-HL", "product_code": "SP-BAKICH", "annual_demand": "3000"},
    "channel_requirements": {"retailer_code": "ST-GO-HL", "requires": "barcode;e_stamp;min_stars:3"},
    "budget_lines": {"code": "NTM-DTPT", "name": "Vốn đầu tư phát triển NTM", "source": "ntm_central",
                     "amount_vnd": "30.000.000.000", "region_code": "", "year": "2020"},
    "plans": {"code": "KH-2020-001", "product_code": "SP-BAKICH", "organization_code": "HTX-BC-01",
              "purpose": "upgrade", "expected_score": "86", "creates_new_product": "false",
              "creates_organization": "false", "enters_supermarket": "true", "adds_e_stamp": "false",
              "joins_safe_food_chain": "true", "new_links": "HTX-BC-01>CB-HL-01",
              "success_probability": "0.8", "priority_points": "2", "requires_plan": "",
              "excludes_plans": "", "year": "2020"},
    "plan_requests": {"plan_code": "KH-2020-001", "budget_line_code": "NTM-DTPT", "amount_vnd": "450.000.000"},
    "appraisals": {"plan_code": "KH-2020-001", "stage": "district", "status": "passed", "score": "74",
                   "appraised_on": "2020-04-15", "appraiser": "Phòng NN&PTNT Ba Chẽ"},
    "outcomes": {"plan_code": "KH-2020-001", "reported_on": "2021-03-31", "status": "completed",
                 "disbursed_vnd": "450.000.000", "ocop_score": "87", "new_product": "false",
                 "new_organization": "false", "entered_supermarket": "true", "e_stamp": "false",
                 "safe_food_chain": "true", "note": "Đã vào hệ thống WinMart"},
    "inspections": {"code": "KT-2020-001", "organization_code": "HTX-BC-01", "inspected_on": "2020-09-10",
                    "kind": "label_use", "result": "violation", "finding": "Dùng nhãn OCOP cho sản phẩm chưa công nhận",
                    "resolved_on": "2020-10-05"},
}

_KIND_EN = {
    "code": "code (text)", "text": "text", "enum": "one of", "bool": "true/false, 1/0, yes/no, có/không, x",
    "money": "whole VND (1.500.000.000 or 1500000000)", "number": "number", "integer": "whole number",
    "list": "list separated by ;", "date": "date YYYY-MM-DD",
}


def _kind(column: Column) -> str:
    text = _KIND_EN[column.kind]
    if column.choices:
        text += ": " + " | ".join(column.choices)
    bounds = []
    if column.minimum is not None:
        bounds.append(f"{'>' if column.minimum_exclusive else '≥'} {column.minimum:g}")
    if column.maximum is not None:
        bounds.append(f"≤ {column.maximum:g}")
    if bounds:
        text += f" ({', '.join(bounds)})"
    if column.default not in (None, (), ""):
        text += f"; default {column.default}"
    return text


def readme_rows() -> Iterator[list[object]]:
    """Rows of the README sheet: one per sheet, then one per column with its kind and an example."""
    yield ["chainplan", "", "", "",
           "Mẫu nhập liệu. Mỗi sheet là một bảng; dòng 1 là tiêu đề; * = bắt buộc. Danh sách cách nhau bởi ;",
           "Input template. Each sheet is a table; row 1 is the header; * = required. Lists are separated by ;", ""]
    for sheet in SHEETS.values():
        optional = " (optional / không bắt buộc)" if sheet.optional else ""
        yield [sheet.name, "", "", "", sheet.help_vi + optional, sheet.help_en + optional, ""]
        example = EXAMPLE_ROWS.get(sheet.name, {})
        for column in sheet.columns:
            vietnamese = VIETNAMESE_HEADERS.get(sheet.name, {}).get(column.name)
            help_vi = f"{column.help_vi} (tiêu đề tiếng Việt: \"{vietnamese}\")" if vietnamese else column.help_vi
            yield [sheet.name, column.name, "*" if column.required else "", _kind(column),
                   help_vi, column.help_en, example.get(column.name, "")]
