"""Interface text in Vietnamese (default) and English. Pages take ``?lang=en`` to switch."""

from __future__ import annotations

__all__ = ["LANGUAGES", "format_vnd", "language", "t"]

LANGUAGES = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"vi": "chainplan — Kế hoạch chuỗi OCOP", "en": "chainplan — OCOP chain planning"},
    "overview": {"vi": "Tổng quan", "en": "Overview"},
    "switch": {"vi": "English", "en": "Tiếng Việt"},
    "districts": {"vi": "Đơn vị cấp huyện", "en": "District-level units"},
    "organizations": {"vi": "Tổ chức", "en": "Organizations"},
    "products": {"vi": "Sản phẩm", "en": "Products"},
    "plans": {"vi": "Kế hoạch sản xuất", "en": "Production plans"},
    "budget": {"vi": "Kinh phí hiện có", "en": "Budget available"},
    "requested": {"vi": "Kinh phí đề nghị", "en": "Support requested"},
    "tiers": {"vi": "Sản phẩm chuỗi chủ lực theo cấp", "en": "Key-chain products by tier"},
    "tier_district": {"vi": "Cấp huyện", "en": "District"},
    "tier_provincial": {"vi": "Cấp tỉnh", "en": "Provincial"},
    "tier_national": {"vi": "Hướng quốc gia", "en": "National-oriented"},
    "stars": {"vi": "Sản phẩm theo số sao OCOP", "en": "Products by OCOP stars"},
    "appraisals": {"vi": "Thẩm định kế hoạch", "en": "Plan appraisals"},
    "stage": {"vi": "Cấp", "en": "Stage"},
    "pending": {"vi": "Chờ", "en": "Pending"},
    "passed": {"vi": "Đạt", "en": "Passed"},
    "failed": {"vi": "Không đạt", "en": "Failed"},
    "by_region": {"vi": "Theo địa bàn", "en": "By region"},
    "region": {"vi": "Địa bàn", "en": "Region"},
    "empty": {"vi": "Chưa có dữ liệu. Chạy: chainplan demo load hoặc chainplan import TỆP.xlsx",
              "en": "No data yet. Run: chainplan demo load, or chainplan import FILE.xlsx"},
    "db_error": {"vi": "Không mở được cơ sở dữ liệu", "en": "Cannot open the database"},
}


def language(value: object) -> str:
    return value if isinstance(value, str) and value in LANGUAGES else "vi"


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``; the key itself if it is missing (visible, never a crash).

    Examples
    --------
    >>> t("overview", "en")
    'Overview'
    """
    return TEXT.get(key, {}).get(lang, key)


def format_vnd(amount: float) -> str:
    """VND the Vietnamese way: dots between thousands.

    Examples
    --------
    >>> format_vnd(1500000000)
    '1.500.000.000 ₫'
    """
    return f"{round(amount):,}".replace(",", ".") + " ₫"
