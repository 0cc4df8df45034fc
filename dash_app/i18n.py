"""Interface labels (buttons, headings, hints) in Vietnamese (default) and English. Pages take ``?lang=en``.

The labels are a gettext catalogue (``dash_app/locale/<lang>/LC_MESSAGES/interface.po``) read by the same
loader as the domain's catalogue (:mod:`chainplan.wording`), which holds every term, column title and sentence
that the command line, the pack and the report share; :func:`t` falls back to the domain's column titles, so a
title has one home.
"""

from __future__ import annotations

import functools
from pathlib import Path

from chainplan.wording import LANGUAGES, Catalogue, catalogue, format_money, language

__all__ = ["LANGUAGES", "format_vnd", "grid_locale", "interface", "language", "t"]


@functools.cache
def interface() -> Catalogue:
    """The interface labels' catalogue."""
    return Catalogue(Path(__file__).resolve().parent / "locale", "interface")


def t(key: str, lang: str) -> str:
    """The text for ``key`` in ``lang``; the key itself if it is missing (visible, never a crash).

    Examples
    --------
    >>> t("overview", "en")
    'Overview'
    """
    found = interface().get(key, lang)
    if found is None:
        found = catalogue().get(f"column.{key}", lang)
    return key if found is None else found


def format_vnd(amount: float) -> str:
    """VND the Vietnamese way: dots between thousands.

    Examples
    --------
    >>> format_vnd(1500000000)
    '1.500.000.000 ₫'
    """
    return format_money(amount, "vi")


def grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's own texts (filters, empty grid) in the page's language; English is the grid's default."""
    if lang != "vi":
        return {}
    return {
        "noRowsToShow": "Không có dòng nào", "loadingOoo": "Đang tải...", "filterOoo": "Lọc...",
        "contains": "Có chứa", "notContains": "Không chứa", "equals": "Bằng", "notEqual": "Khác",
        "startsWith": "Bắt đầu bằng", "endsWith": "Kết thúc bằng", "blank": "Trống", "notBlank": "Không trống",
        "andCondition": "VÀ", "orCondition": "HOẶC", "applyFilter": "Áp dụng", "resetFilter": "Đặt lại",
        "clearFilter": "Xóa lọc", "cancelFilter": "Hủy", "page": "Trang", "of": "trên", "to": "đến",
        # The number filter of the money and count columns, and the choice no operator is picked in yet.
        "lessThan": "Nhỏ hơn", "greaterThan": "Lớn hơn", "lessThanOrEqual": "Nhỏ hơn hoặc bằng",
        "greaterThanOrEqual": "Lớn hơn hoặc bằng", "inRange": "Trong khoảng", "inRangeStart": "Từ",
        "inRangeEnd": "Đến", "empty": "Chọn một", "before": "Trước", "after": "Sau",
        "searchOoo": "Tìm...", "selectAll": "(Chọn tất cả)", "noMatches": "Không có kết quả",
        "first": "Đầu", "previous": "Trước", "next": "Sau", "last": "Cuối", "more": "thêm",
        "pageSizeSelectorLabel": "Số dòng mỗi trang:", "sortAscending": "Sắp xếp tăng dần",
        "sortDescending": "Sắp xếp giảm dần", "sortUnSort": "Bỏ sắp xếp", "columns": "Cột", "filters": "Bộ lọc",
    }
