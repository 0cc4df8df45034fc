"""The data contract of ``DATA_FORMAT.md`` as data: sheets, columns, kinds, ranges and help texts.

One description serves the importer (how to parse and check a cell), the exporter and the template (which
sheets and headers to write), the README sheet (what each column means, in Vietnamese and English) and the
storage tests (the ORM tables must carry the same columns).

Examples
--------
>>> SHEETS["plan_requests"].key
('plan_code', 'budget_line_code')
>>> [c.name for c in SHEETS["regions"].columns]
['code', 'name', 'level', 'parent_code']
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "INSPECTION_KINDS",
    "INSPECTION_RESULTS",
    "ORGANIZATION_KINDS",
    "OUTCOME_STATUSES",
    "PRODUCT_GROUPS",
    "REGION_LEVELS",
    "REQUIREMENT_FLAGS",
    "SHEETS",
    "SUPERMARKET_KINDS",
    "VIETNAMESE_HEADERS",
    "YEAR_RANGE",
    "Column",
    "ColumnKind",
    "Sheet",
]

ColumnKind = Literal["code", "text", "enum", "bool", "money", "number", "integer", "list", "date"]

#: Region levels from the top of the hierarchy down. A parent must sit at a higher level than its child, which
#: lets data from before July 2025 (province > district > commune) and after (province > commune) both load.
REGION_LEVELS: tuple[str, ...] = ("province", "district", "commune")
ROLES = ("producer", "processor", "distributor", "retailer")
ORGANIZATION_KINDS = (
    "cooperative", "company", "household", "supermarket_chain", "trade_centre", "ocop_shop",
    "e_commerce", "exporter", "wholesaler", "other",
)
#: Retailer kinds that count as "supermarket chains" for gap tracing.
SUPERMARKET_KINDS: tuple[str, ...] = ("supermarket_chain", "trade_centre")
PRODUCT_GROUPS = ("food", "beverage", "herbal", "handicraft", "ornamental", "tourism")
CHAIN_TIERS = ("district", "provincial", "national", "none")
BUDGET_SOURCES = ("ntm_central", "ntm_provincial", "local", "other")
PLAN_PURPOSES = (
    "new_product", "upgrade", "linkage", "certification", "trade_promotion", "e_commerce", "other",
)
APPRAISAL_STAGES = ("commune", "district", "province")
APPRAISAL_STATUSES = ("pending", "passed", "failed")
OUTCOME_STATUSES = ("completed", "in_progress", "abandoned")
INSPECTION_KINDS = ("facility", "point_of_sale", "label_use")
INSPECTION_RESULTS = ("compliant", "violation")
#: Years a plan or a budget line may belong to (``DATA_FORMAT.md``, "Programme years").
YEAR_RANGE: tuple[int, int] = (2000, 2100)
#: Flags a channel may require besides ``min_stars:N``.
REQUIREMENT_FLAGS: tuple[str, ...] = ("e_stamp", "barcode", "safe_food_chain")


@dataclass(frozen=True)
class Column:
    """One column of a sheet: how to read a cell and what it means."""

    name: str
    kind: ColumnKind
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    minimum_exclusive: bool = False
    default: object = None
    help_en: str = ""
    help_vi: str = ""


@dataclass(frozen=True)
class Sheet:
    """One sheet of the workbook (or one CSV file of the folder)."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    optional: bool = False
    help_en: str = ""
    help_vi: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)


def _c(name: str, kind: ColumnKind, en: str, vi: str, **options: object) -> Column:
    return Column(name=name, kind=kind, help_en=en, help_vi=vi, **options)  # type: ignore[arg-type]


_SHEET_LIST: tuple[Sheet, ...] = (
    Sheet(
        "regions",
        (
            _c("code", "code", "Unique region code", "Mã địa bàn (duy nhất)", required=True),
            _c("name", "text", "Region name", "Tên địa bàn", required=True),
            _c("level", "enum", "province, district or commune", "Cấp: province (tỉnh), district (huyện), "
               "commune (xã)", required=True, choices=REGION_LEVELS),
            _c("parent_code", "code", "Code of the region above (blank for a province)",
               "Mã địa bàn cấp trên (để trống nếu là tỉnh)"),
        ),
        key=("code",),
        help_en="Administrative regions; the hierarchy is data, so pre-2025 (with districts) and post-2025 "
        "(province and commune) data both load.",
        help_vi="Địa bàn hành chính; phân cấp là dữ liệu nên dữ liệu trước và sau 7/2025 đều nạp được.",
    ),
    Sheet(
        "organizations",
        (
            _c("code", "code", "Unique organization code", "Mã tổ chức (duy nhất)", required=True),
            _c("name", "text", "Organization name", "Tên tổ chức", required=True),
            _c("role", "enum", "producer, processor, distributor or retailer",
               "Vai trò: sản xuất, chế biến, phân phối, bán lẻ", required=True, choices=ROLES),
            _c("kind", "enum", "cooperative, company, household, supermarket_chain, trade_centre, ocop_shop, "
               "e_commerce, exporter, wholesaler or other", "Loại hình: HTX, công ty, hộ kinh doanh, chuỗi siêu "
               "thị, trung tâm thương mại, điểm bán OCOP, sàn TMĐT, xuất khẩu, bán buôn, khác",
               choices=ORGANIZATION_KINDS, default="other"),
            _c("region_code", "code", "Region where the organization is located", "Mã địa bàn của tổ chức",
               required=True),
            _c("is_new", "bool", "A newly founded economic organization", "Tổ chức kinh tế mới thành lập",
               default=False),
            _c("certifications", "list", "Certifications, separated by ; (vietgap, haccp, iso22000, organic, ...)",
               "Chứng nhận, cách nhau bởi dấu ; (vietgap, haccp, iso22000, organic, ...)", default=()),
        ),
        key=("code",),
        help_en="Producers, processors, distributors and retailers.",
        help_vi="Các chủ thể sản xuất, chế biến, phân phối và bán lẻ.",
    ),
    Sheet(
        "products",
        (
            _c("code", "code", "Unique product code", "Mã sản phẩm (duy nhất)", required=True),
            _c("name", "text", "Product name", "Tên sản phẩm", required=True),
            _c("group", "enum", "food, beverage, herbal, handicraft, ornamental or tourism",
               "Nhóm: thực phẩm, đồ uống, thảo dược, thủ công mỹ nghệ, sinh vật cảnh, du lịch",
               required=True, choices=PRODUCT_GROUPS),
            _c("producer_code", "code", "Organization that produces it", "Mã chủ thể sản xuất", required=True),
            _c("region_code", "code", "Region of the product", "Mã địa bàn của sản phẩm", required=True),
            _c("chain_tier", "enum", "Key-chain tier: district, provincial, national or none",
               "Cấp chuỗi chủ lực: huyện, tỉnh, quốc gia hoặc none", choices=CHAIN_TIERS, default="none"),
            _c("stars", "integer", "OCOP stars today, 0 = not rated", "Số sao OCOP hiện tại, 0 = chưa xếp hạng",
               minimum=0, maximum=5, default=0),
            _c("ocop_score", "number", "OCOP score today (0-100)", "Điểm OCOP hiện tại (0-100)",
               minimum=0, maximum=100),
            _c("e_stamp", "bool", "Carries an electronic traceability stamp", "Có tem điện tử truy xuất nguồn gốc",
               default=False),
            _c("barcode", "bool", "Carries a barcode", "Có mã số, mã vạch", default=False),
            _c("safe_food_chain", "bool", "Produced in a safe-food supply chain",
               "Sản xuất theo chuỗi cung ứng thực phẩm an toàn", default=False),
            _c("needs_processing", "bool", "Must pass a processor before retail", "Cần qua khâu chế biến",
               default=False),
            _c("annual_output", "number", "Output per year, in the product's unit", "Sản lượng năm",
               minimum=0, default=0.0),
            _c("unit", "text", "Unit of output (kg, litre, piece, visitor...)", "Đơn vị tính", default=""),
        ),
        key=("code",),
        help_en="OCOP products and key-chain products.",
        help_vi="Sản phẩm OCOP và sản phẩm chuỗi chủ lực.",
    ),
    Sheet(
        "links",
        (
            _c("from_code", "code", "Supplying organization", "Mã tổ chức cung cấp", required=True),
            _c("to_code", "code", "Receiving organization", "Mã tổ chức tiếp nhận", required=True),
            _c("product_code", "code", "Product that flows on this link", "Mã sản phẩm", required=True),
            _c("capacity", "number", "Capacity per year, in the product's unit", "Năng lực/năm",
               required=True, minimum=0),
            _c("volume", "number", "Volume traded per year", "Khối lượng giao dịch/năm", minimum=0, default=0.0),
            _c("contract", "bool", "Backed by a written contract", "Có hợp đồng liên kết", default=False),
        ),
        key=("from_code", "to_code", "product_code"),
        help_en="Supply-chain links between organizations, per product.",
        help_vi="Liên kết chuỗi giữa các tổ chức, theo sản phẩm.",
    ),
    Sheet(
        "demand",
        (
            _c("retailer_code", "code", "Retailer", "Mã nhà bán lẻ", required=True),
            _c("product_code", "code", "Product", "Mã sản phẩm", required=True),
            _c("annual_demand", "number", "Demand per year", "Nhu cầu/năm", required=True, minimum=0),
        ),
        key=("retailer_code", "product_code"),
        optional=True,
        help_en="What retailers would buy per year.",
        help_vi="Nhu cầu tiêu thụ hằng năm của nhà bán lẻ.",
    ),
    Sheet(
        "channel_requirements",
        (
            _c("retailer_code", "code", "Retailer", "Mã nhà bán lẻ", required=True),
            _c("requires", "list", "Required: e_stamp; barcode; safe_food_chain; min_stars:N",
               "Yêu cầu: e_stamp; barcode; safe_food_chain; min_stars:N", required=True),
        ),
        key=("retailer_code",),
        optional=True,
        help_en="What a retail channel demands of a product before listing it.",
        help_vi="Điều kiện của kênh bán lẻ đối với sản phẩm.",
    ),
    Sheet(
        "budget_lines",
        (
            _c("code", "code", "Unique budget line code", "Mã nguồn vốn (duy nhất)", required=True),
            _c("name", "text", "Budget line name", "Tên nguồn vốn", required=True),
            _c("source", "enum", "ntm_central, ntm_provincial, local or other",
               "Nguồn: NTM trung ương, NTM tỉnh, địa phương, khác", required=True, choices=BUDGET_SOURCES),
            _c("amount_vnd", "money", "Amount available, whole VND", "Số tiền (đồng)", required=True, minimum=0),
            _c("region_code", "code", "Blank = any region; else only plans in that region or below",
               "Để trống = mọi địa bàn; nếu có, chỉ cho kế hoạch thuộc địa bàn đó"),
            _c("year", "integer", "Programme year (2000-2100); blank = the year given to the import",
               "Năm kế hoạch (2000-2100); để trống = năm ghi khi nhập dữ liệu", minimum=YEAR_RANGE[0],
               maximum=YEAR_RANGE[1]),
        ),
        key=("code",),
        help_en="Funding sources for the year.",
        help_vi="Các nguồn kinh phí trong năm.",
    ),
    Sheet(
        "plans",
        (
            _c("code", "code", "Unique plan code", "Mã kế hoạch (duy nhất)", required=True),
            _c("product_code", "code", "Product of the plan", "Mã sản phẩm", required=True),
            _c("organization_code", "code", "Organization that carries out the plan", "Mã tổ chức thực hiện",
               required=True),
            _c("purpose", "enum", "new_product, upgrade, linkage, certification, trade_promotion, e_commerce "
               "or other", "Mục đích của kế hoạch", required=True, choices=PLAN_PURPOSES),
            _c("expected_score", "number", "OCOP score expected after the plan", "Điểm OCOP dự kiến",
               minimum=0, maximum=100),
            _c("creates_new_product", "bool", "Develops a new OCOP product", "Phát triển sản phẩm mới",
               default=False),
            _c("creates_organization", "bool", "Founds a new economic organization", "Thành lập tổ chức kinh tế mới",
               default=False),
            _c("enters_supermarket", "bool", "Brings the product into a supermarket chain",
               "Đưa sản phẩm vào chuỗi siêu thị", default=False),
            _c("adds_e_stamp", "bool", "Adds an electronic traceability stamp", "Bổ sung tem điện tử",
               default=False),
            _c("joins_safe_food_chain", "bool", "Joins a safe-food supply chain", "Tham gia chuỗi thực phẩm an toàn",
               default=False),
            _c("new_links", "list", "New links FROM>TO (organization codes) for the plan's product",
               "Liên kết mới dạng TỪ>ĐẾN (mã tổ chức)", default=()),
            _c("success_probability", "number", "Chance the plan succeeds (0-1)", "Xác suất thành công (0-1)",
               minimum=0, maximum=1, default=1.0),
            _c("priority_points", "number", "Extra priority points", "Điểm ưu tiên", minimum=0, default=0.0),
            _c("requires_plan", "code", "Plan that must also be funded", "Kế hoạch phải được hỗ trợ kèm theo"),
            _c("excludes_plans", "list", "Plans that cannot be funded together with this one",
               "Các kế hoạch loại trừ nhau", default=()),
            _c("year", "integer", "Programme year (2000-2100); blank = the year given to the import",
               "Năm kế hoạch (2000-2100); để trống = năm ghi khi nhập dữ liệu", minimum=YEAR_RANGE[0],
               maximum=YEAR_RANGE[1]),
        ),
        key=("code",),
        help_en="Production plans submitted by OCOP units.",
        help_vi="Kế hoạch sản xuất của các chủ thể OCOP.",
    ),
    Sheet(
        "plan_requests",
        (
            _c("plan_code", "code", "Plan", "Mã kế hoạch", required=True),
            _c("budget_line_code", "code", "Budget line asked for", "Mã nguồn vốn đề nghị", required=True),
            _c("amount_vnd", "money", "Amount requested, whole VND (> 0)", "Số tiền đề nghị (đồng, > 0)",
               required=True, minimum=0, minimum_exclusive=True),
        ),
        key=("plan_code", "budget_line_code"),
        help_en="Support requested per plan and budget line; a funded plan receives all of it.",
        help_vi="Nhu cầu hỗ trợ theo kế hoạch và nguồn vốn; kế hoạch được chọn nhận đủ.",
    ),
    Sheet(
        "appraisals",
        (
            _c("plan_code", "code", "Plan", "Mã kế hoạch", required=True),
            _c("stage", "enum", "commune, district or province", "Cấp thẩm định: xã, huyện, tỉnh", required=True,
               choices=APPRAISAL_STAGES),
            _c("status", "enum", "pending, passed or failed", "Kết quả: chờ, đạt, không đạt", required=True,
               choices=APPRAISAL_STATUSES),
            _c("score", "number", "Appraisal score (0-100)", "Điểm thẩm định (0-100)", minimum=0, maximum=100),
            _c("appraised_on", "date", "Date of the appraisal (YYYY-MM-DD)", "Ngày thẩm định (YYYY-MM-DD)"),
            _c("appraiser", "text", "Who appraised", "Người/cơ quan thẩm định", default=""),
            _c("note", "text", "Remarks of the appraisal (optional; an addition to the contract)",
               "Nhận xét thẩm định (không bắt buộc)", default=""),
        ),
        key=("plan_code", "stage"),
        help_en="Appraisals of plans, one per plan and stage.",
        help_vi="Kết quả thẩm định kế hoạch, mỗi cấp một dòng.",
    ),
    Sheet(
        "outcomes",
        (
            _c("plan_code", "code", "Funded plan", "Mã kế hoạch được hỗ trợ", required=True),
            _c("reported_on", "date", "Date of the report (YYYY-MM-DD)", "Ngày báo cáo (YYYY-MM-DD)", required=True),
            _c("status", "enum", "completed, in_progress or abandoned",
               "Tình trạng: completed (hoàn thành), in_progress (đang thực hiện), abandoned (dừng thực hiện)",
               required=True, choices=OUTCOME_STATUSES),
            _c("disbursed_vnd", "money", "Money disbursed so far, whole VND", "Số tiền đã giải ngân (đồng)",
               minimum=0),
            _c("ocop_score", "number", "OCOP score awarded (0-100)", "Điểm OCOP được công nhận (0-100)",
               minimum=0, maximum=100),
            _c("new_product", "bool", "Delivered a new OCOP product", "Đã có sản phẩm OCOP mới", default=False),
            _c("new_organization", "bool", "Founded a new economic organization", "Đã thành lập tổ chức kinh tế mới",
               default=False),
            _c("entered_supermarket", "bool", "The product entered a supermarket chain",
               "Sản phẩm đã vào chuỗi siêu thị", default=False),
            _c("e_stamp", "bool", "The product carries an electronic stamp", "Sản phẩm đã có tem điện tử",
               default=False),
            _c("safe_food_chain", "bool", "Joined a safe-food supply chain", "Đã tham gia chuỗi thực phẩm an toàn",
               default=False),
            _c("note", "text", "Remarks", "Ghi chú", default=""),
        ),
        key=("plan_code",),
        optional=True,
        help_en="What each funded plan delivered: one row per plan, the latest report.",
        help_vi="Kết quả thực hiện của kế hoạch được hỗ trợ: mỗi kế hoạch một dòng, theo báo cáo mới nhất.",
    ),
    Sheet(
        "inspections",
        (
            _c("code", "code", "Unique inspection code", "Mã đợt kiểm tra (duy nhất)", required=True),
            _c("organization_code", "code", "Organization inspected", "Mã tổ chức được kiểm tra", required=True),
            _c("inspected_on", "date", "Date of the inspection (YYYY-MM-DD)", "Ngày kiểm tra (YYYY-MM-DD)",
               required=True),
            _c("kind", "enum", "facility, point_of_sale or label_use",
               "Loại: facility (cơ sở sản xuất), point_of_sale (điểm bán), label_use (sử dụng nhãn, tem)",
               required=True, choices=INSPECTION_KINDS),
            _c("result", "enum", "compliant or violation", "Kết quả: compliant (đạt), violation (vi phạm)",
               required=True, choices=INSPECTION_RESULTS),
            _c("finding", "text", "What was found", "Nội dung phát hiện", default=""),
            _c("resolved_on", "date", "Date the violation was resolved; blank = unresolved",
               "Ngày khắc phục vi phạm; để trống = chưa khắc phục"),
        ),
        key=("code",),
        optional=True,
        help_en="Inspections of production sites, points of sale and label use.",
        help_vi="Kiểm tra cơ sở sản xuất, điểm bán và việc sử dụng nhãn, tem OCOP.",
    ),
)

#: Every sheet of the contract, in workbook order.
SHEETS: dict[str, Sheet] = {sheet.name: sheet for sheet in _SHEET_LIST}

#: Vietnamese headers accepted besides the contract's (matched case-insensitively, Unicode-normalised).
VIETNAMESE_HEADERS: dict[str, dict[str, str]] = {
    "regions": {"code": "mã địa bàn", "name": "tên địa bàn", "level": "cấp", "parent_code": "mã cấp trên"},
    "organizations": {"code": "mã tổ chức", "name": "tên tổ chức", "role": "vai trò", "kind": "loại hình",
                      "region_code": "mã địa bàn", "is_new": "tổ chức mới", "certifications": "chứng nhận"},
    "products": {"code": "mã sản phẩm", "name": "tên sản phẩm", "group": "nhóm", "producer_code": "mã chủ thể",
                 "region_code": "mã địa bàn", "chain_tier": "cấp chuỗi", "stars": "số sao", "ocop_score": "điểm ocop",
                 "e_stamp": "tem điện tử", "barcode": "mã vạch", "safe_food_chain": "chuỗi thực phẩm an toàn",
                 "needs_processing": "cần chế biến", "annual_output": "sản lượng năm", "unit": "đơn vị tính"},
    "links": {"from_code": "từ mã", "to_code": "đến mã", "product_code": "mã sản phẩm", "capacity": "năng lực",
              "volume": "khối lượng", "contract": "hợp đồng"},
    "demand": {"retailer_code": "mã nhà bán lẻ", "product_code": "mã sản phẩm", "annual_demand": "nhu cầu năm"},
    "channel_requirements": {"retailer_code": "mã nhà bán lẻ", "requires": "yêu cầu"},
    "budget_lines": {"code": "mã nguồn vốn", "name": "tên nguồn vốn", "source": "nguồn", "amount_vnd": "số tiền",
                     "region_code": "mã địa bàn", "year": "năm"},
    "plans": {"code": "mã kế hoạch", "product_code": "mã sản phẩm", "organization_code": "mã tổ chức",
              "purpose": "mục đích", "expected_score": "điểm dự kiến", "creates_new_product": "sản phẩm mới",
              "creates_organization": "thành lập tổ chức", "enters_supermarket": "vào siêu thị",
              "adds_e_stamp": "bổ sung tem điện tử", "joins_safe_food_chain": "tham gia chuỗi an toàn",
              "new_links": "liên kết mới", "success_probability": "xác suất thành công",
              "priority_points": "điểm ưu tiên", "requires_plan": "kế hoạch tiên quyết",
              "excludes_plans": "kế hoạch loại trừ", "year": "năm"},
    "plan_requests": {"plan_code": "mã kế hoạch", "budget_line_code": "mã nguồn vốn", "amount_vnd": "số tiền"},
    "appraisals": {"plan_code": "mã kế hoạch", "stage": "cấp thẩm định", "status": "kết quả", "score": "điểm",
                   "appraised_on": "ngày thẩm định", "appraiser": "người thẩm định",
                   "note": "nhận xét"},
    "outcomes": {"plan_code": "mã kế hoạch", "reported_on": "ngày báo cáo", "status": "tình trạng",
                 "disbursed_vnd": "đã giải ngân", "ocop_score": "điểm ocop", "new_product": "sản phẩm mới",
                 "new_organization": "tổ chức mới", "entered_supermarket": "đã vào siêu thị",
                 "e_stamp": "tem điện tử", "safe_food_chain": "chuỗi thực phẩm an toàn", "note": "ghi chú"},
    "inspections": {"code": "mã kiểm tra", "organization_code": "mã tổ chức", "inspected_on": "ngày kiểm tra",
                    "kind": "loại kiểm tra", "result": "kết quả kiểm tra", "finding": "nội dung phát hiện",
                    "resolved_on": "ngày khắc phục"},
}
