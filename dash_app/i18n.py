"""Interface text in Vietnamese (default) and English. Pages take ``?lang=en`` to switch."""

from __future__ import annotations

from chainplan.money import format_money

__all__ = ["LANGUAGES", "format_vnd", "grid_locale", "language", "t"]

LANGUAGES = ("vi", "en")

TEXT: dict[str, dict[str, str]] = {
    "app_title": {"vi": "chainplan — Kế hoạch chuỗi OCOP", "en": "chainplan — OCOP chain planning"},
    "role_producer_org": {"vi": "Chủ thể sản xuất", "en": "Producer"},
    "role_processor_org": {"vi": "Cơ sở chế biến", "en": "Processor"},
    "role_distributor_org": {"vi": "Nhà phân phối", "en": "Distributor"},
    "role_retailer_org": {"vi": "Kênh bán lẻ", "en": "Retailer"},
    "legend_gap": {"vi": "Điểm nghẽn", "en": "Gap"},
    "export_csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "unknown_product": {"vi": "Không có sản phẩm này.", "en": "No such product."},
    "from": {"vi": "Từ", "en": "From"},
    "to": {"vi": "Đến", "en": "To"},
    "proximity": {"vi": "Khoảng cách", "en": "Proximity"},
    "proximity_same_region": {"vi": "Cùng địa bàn", "en": "Same region"},
    "proximity_neighbouring_region": {"vi": "Địa bàn khác trong tỉnh", "en": "Elsewhere in the province"},
    "proximity_other_region": {"vi": "Ngoài tỉnh", "en": "Outside the province"},
    "spare_capacity": {"vi": "Năng lực còn trống", "en": "Spare capacity"},
    "candidates": {"vi": "Liên kết đề xuất để khắc phục điểm nghẽn", "en": "Links that would close a gap"},
    "no_candidates": {"vi": "Không có điểm nghẽn cần khắc phục.", "en": "No gap to close."},
    "decisions": {"vi": "Quyết định", "en": "Decisions"},
    "compare": {"vi": "So sánh phương án", "en": "Compare"},
    "yes": {"vi": "có", "en": "yes"},
    "no": {"vi": "không", "en": "no"},
    "compare_pick": {"vi": "Chọn từ 2 đến 5 phương án đã chạy để so sánh.",
                     "en": "Choose 2 to 5 stored runs to compare."},
    "compare_too_many": {"vi": "Chỉ so sánh tối đa 5 phương án.", "en": "Compare at most 5 runs."},
    "download_pack": {"vi": "Tải bộ hồ sơ (Excel)", "en": "Download the committee pack (Excel)"},
    "download_report": {"vi": "Tải báo cáo để in (HTML)", "en": "Download the printable report (HTML)"},
    "plans_differ": {"vi": "Kế hoạch được hỗ trợ ở phương án này mà không ở phương án khác",
                     "en": "Plans funded in one option and not another"},
    "runs": {"vi": "Các phương án đã chạy", "en": "Stored runs"},
    "run": {"vi": "Phương án", "en": "Run"},
    "scenario": {"vi": "Kịch bản", "en": "Scenario"},
    "run_by": {"vi": "Người chạy", "en": "Run by"},
    "status": {"vi": "Trạng thái", "en": "Status"},
    "objective": {"vi": "Giá trị mục tiêu", "en": "Objective"},
    "funded_plans": {"vi": "Kế hoạch được hỗ trợ", "en": "Plans funded"},
    "data": {"vi": "Dữ liệu", "en": "Data"},
    "decision": {"vi": "Quyết định", "en": "Decision"},
    "decision_adopted": {"vi": "Đã thông qua", "en": "Adopted"},
    "decision_superseded": {"vi": "Đã được thay thế", "en": "Superseded"},
    "status_optimal": {"vi": "Tối ưu", "en": "Optimal"},
    "status_feasible": {"vi": "Khả thi", "en": "Feasible"},
    "status_time_limit": {"vi": "Dừng do hết thời gian", "en": "Stopped at the time limit"},
    "status_infeasible": {"vi": "Không khả thi", "en": "Infeasible"},
    "status_error": {"vi": "Lỗi bộ giải", "en": "Solver error"},
    "adopt": {"vi": "Thông qua phương án", "en": "Adopt a run"},
    "adopt_button": {"vi": "Thông qua", "en": "Adopt"},
    "year": {"vi": "Năm", "en": "Year"},
    "note": {"vi": "Số quyết định hoặc ghi chú", "en": "Decision reference or note"},
    "adopted_ok": {"vi": "Đã thông qua phương án {run} cho năm {year}.", "en": "Run {run} adopted for {year}."},
    "adopt_only_committee": {"vi": "Chỉ Ban Chỉ đạo được thông qua phương án; bạn chỉ xem được.",
                             "en": "Only the committee adopts a run; you can look."},
    "refused_already_adopted": {"vi": "Phương án này đã được thông qua cho năm đó.",
                                "en": "This run is already the adopted decision for that year."},
    "refused_other_data": {"vi": "Phương án được tính trên dữ liệu khác với dữ liệu hiện tại: hãy chạy lại "
                           "kịch bản trên dữ liệu hiện tại rồi thông qua.",
                           "en": "This run was computed on other data than what is stored now: run the scenario "
                           "again and adopt the new run."},
    "refused_nothing_funded": {"vi": "Phương án này không phân bổ được vốn nên không thể thông qua.",
                               "en": "This run funds nothing, so it cannot be adopted."},
    "refused_no_name": {"vi": "Cần ghi rõ người quyết định.", "en": "Say who decides."},
    "pick_run": {"vi": "Chọn một phương án.", "en": "Pick a run."},
    "audit": {"vi": "Nhật ký quyết định", "en": "Decision log"},
    "at": {"vi": "Thời điểm", "en": "At"},
    "action": {"vi": "Hành động", "en": "Action"},
    "action_adopt": {"vi": "Thông qua", "en": "Adopted"},
    "action_supersede": {"vi": "Thay thế", "en": "Superseded"},
    "by": {"vi": "Người quyết định", "en": "By"},
    "sign_in": {"vi": "Đăng nhập", "en": "Sign in"},
    "sign_in_intro": {"vi": "Đăng nhập để lập kế hoạch chuỗi và phân bổ vốn OCOP.",
                      "en": "Sign in to plan OCOP chains and allocate support."},
    "sign_in_failed": {"vi": "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khóa.",
                       "en": "Wrong user name or password, or the account is disabled."},
    "sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "user_name": {"vi": "Tên đăng nhập", "en": "User name"},
    "password": {"vi": "Mật khẩu", "en": "Password"},
    "users": {"vi": "Người dùng", "en": "Users"},
    "role": {"vi": "Vai trò", "en": "Role"},
    "role_viewer": {"vi": "Xem", "en": "Viewer"},
    "role_planner": {"vi": "Cán bộ kế hoạch", "en": "Planner"},
    "role_committee": {"vi": "Ban Chỉ đạo", "en": "Committee"},
    "role_admin": {"vi": "Quản trị", "en": "Administrator"},
    "active": {"vi": "Đang hoạt động", "en": "Active"},
    "disabled": {"vi": "Đã khóa", "en": "Disabled"},
    "created_at": {"vi": "Ngày tạo", "en": "Created"},
    "add_user": {"vi": "Thêm người dùng", "en": "Add a user"},
    "change_user": {"vi": "Đổi vai trò hoặc khóa tài khoản", "en": "Change a role or disable an account"},
    "may_sign_in": {"vi": "Được đăng nhập", "en": "May sign in"},
    "save": {"vi": "Lưu", "en": "Save"},
    "user_added": {"vi": "Đã thêm người dùng", "en": "User added"},
    "user_changed": {"vi": "Đã cập nhật người dùng", "en": "User updated"},
    "admins_only": {"vi": "Chỉ quản trị viên được quản lý người dùng; bạn chỉ xem được danh sách.",
                    "en": "Only administrators manage users; you can see the list."},
    "signed_in_as": {"vi": "Đăng nhập:", "en": "Signed in:"},
    "overview": {"vi": "Tổng quan", "en": "Overview"},
    "chains": {"vi": "Chuỗi cung ứng", "en": "Supply chains"},
    "tier": {"vi": "Cấp chuỗi", "en": "Chain tier"},
    "all": {"vi": "Tất cả", "en": "All"},
    "tier_none": {"vi": "Ngoài chuỗi chủ lực", "en": "Not a key chain"},
    "product": {"vi": "Sản phẩm", "en": "Product"},
    "gap_type": {"vi": "Loại điểm nghẽn", "en": "Gap"},
    "severity": {"vi": "Mức độ", "en": "Severity"},
    "detail": {"vi": "Chi tiết", "en": "Detail"},
    "gaps_found": {"vi": "Điểm nghẽn", "en": "Gaps"},
    "trace": {"vi": "Đường đến chuỗi siêu thị", "en": "Paths to the supermarket chains"},
    "path": {"vi": "Đường đi", "en": "Path"},
    "bottleneck": {"vi": "Năng lực nút thắt", "en": "Bottleneck"},
    "weakest_link": {"vi": "Mắt xích yếu nhất", "en": "Weakest link"},
    "no_paths": {"vi": "Không có đường nào đến chuỗi siêu thị.", "en": "No path reaches a supermarket chain."},
    "flow": {"vi": "Lưu lượng tối đa đến chuỗi / nhu cầu", "en": "Max flow to the chains / demand"},
    "pick_product": {"vi": "Chọn một sản phẩm để xem đường đi.", "en": "Pick a product to see its paths."},
    "no_supermarket_path": {"vi": "Không có đường đến siêu thị", "en": "No path to a supermarket"},
    "missing_processing": {"vi": "Thiếu khâu chế biến", "en": "Missing processing"},
    "capacity_shortfall": {"vi": "Thiếu năng lực so với nhu cầu", "en": "Capacity below demand"},
    "single_point_of_failure": {"vi": "Điểm lỗi đơn", "en": "Single point of failure"},
    "buyer_concentration": {"vi": "Phụ thuộc một người mua", "en": "One-buyer dependence"},
    "compliance_gap": {"vi": "Thiếu điều kiện của kênh", "en": "Channel requirement missing"},
    "unlinked_producer": {"vi": "Chủ thể chưa liên kết", "en": "Producer not linked"},
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
    "stage_commune": {"vi": "Cấp xã", "en": "Commune"},
    "stage_district": {"vi": "Cấp huyện", "en": "District"},
    "stage_province": {"vi": "Cấp tỉnh", "en": "Province"},
    "severity_high": {"vi": "Cao", "en": "High"},
    "severity_medium": {"vi": "Trung bình", "en": "Medium"},
    "severity_low": {"vi": "Thấp", "en": "Low"},
    "passed": {"vi": "Đạt", "en": "Passed"},
    "failed": {"vi": "Không đạt", "en": "Failed"},
    "by_region": {"vi": "Theo địa bàn", "en": "By region"},
    "region": {"vi": "Địa bàn", "en": "Region"},
    "empty": {"vi": "Chưa có dữ liệu. Chạy: chainplan demo load hoặc chainplan import TỆP.xlsx",
              "en": "No data yet. Run: chainplan demo load, or chainplan import FILE.xlsx"},
    "db_error": {"vi": "Không mở được cơ sở dữ liệu", "en": "Cannot open the database"},
}


def language(value: object) -> str:
    """``vi`` or ``en`` from ``?lang=`` (case-insensitive); Vietnamese by default.

    Examples
    --------
    >>> language("EN"), language(None), language("fr")
    ('en', 'vi', 'vi')
    """
    lowered = value.strip().lower() if isinstance(value, str) else ""
    return lowered if lowered in LANGUAGES else "vi"


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
    }
