"""Plans and appraisals in the browser: the register, recording an appraisal, and a workbook upload that is
refused with every problem listed and nothing written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from chainplan import services
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import choose_option, forge, signed_in

pytestmark = pytest.mark.browser


def _ready(page: Any) -> None:
    page.wait_for_selector("#plans-table")
    page.wait_for_function("document.querySelector('#plans-table').innerText.includes('KH0')")


def test_the_register_shows_every_plan_with_names_and_eligibility(viewer_page: Any, live_url: str, live_db: str
                                                                   ) -> None:
    page = viewer_page
    page.goto(live_url + "/plans?lang=en&scenario=file:baseline-2020.yaml")
    _ready(page)
    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    # The page shows the year chosen in the header: with none asked for, the latest year with plans.
    year = services.plan_years(SqlAlchemyUnitOfWork(live_db))[-1]
    view = services.register_view(SqlAlchemyUnitOfWork(live_db), "file:baseline-2020.yaml", "scenarios", year=year)
    assert page.inner_text("#plans-count") == (f"{len(view.register)} plans, {view.eligible} eligible "
                                               "for support under this scenario.")
    first_plan = view.register["plan_code"].iloc[0]
    first_product = data.products.set_index("code").loc[
        data.plans.set_index("code").loc[first_plan, "product_code"], "name"]
    assert first_product in page.inner_text("#plans-table")
    # A viewer reads but cannot record or import.
    assert page.is_disabled("#appraisal-save") and "Only planners" in page.inner_text("#appraise-not-allowed")
    assert page.errors == []


def test_a_planner_records_an_appraisal_and_a_refused_one_says_why(browser: Any, live_url: str, live_db: str
                                                                    ) -> None:
    with signed_in(browser, live_url, "planner") as page:
        _record_appraisals(page, live_url, live_db)


def _current_year(live_db: str) -> Any:
    from chainplan.years import dataset_for_year, latest_year

    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    return dataset_for_year(data, latest_year(data))


def test_an_upload_is_previewed_names_what_it_overwrites_and_is_written_on_confirm(
        browser: Any, live_url: str, live_db: str, tmp_path: Path) -> None:
    import datetime as dt

    from chainplan.appraisal import Appraisal
    from chainplan.names import name_book

    workbook = services.export_dataset(tmp_path / "ke-hoach.xlsx", SqlAlchemyUnitOfWork(live_db))
    data = _current_year(live_db)
    district = data.appraisals[(data.appraisals["stage"] == "district") & (data.appraisals["status"] == "passed")]
    plan = str(district["plan_code"].iloc[0])
    # Recorded in the tool after the export: the file would overwrite it.
    services.record_appraisal(SqlAlchemyUnitOfWork(live_db), Appraisal(plan, "province", "failed", "40", dt.date(
        2020, 6, 1), "lan"))
    recorded = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint()
    with signed_in(browser, live_url, "planner") as page:
        page.goto(live_url + "/plans?lang=en")
        _ready(page)
        page.set_input_files("#plans-upload input[type=file]", str(workbook))
        page.wait_for_selector("#upload-preview")
        assert services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint() == recorded  # nothing written
        assert "Appraisals" in page.inner_text("#upload-preview-table")
        named = page.inner_text("#upload-overwritten")
        assert name_book(data)["plan"][plan] in named and "province appraisal" in named and "lan" in named
        assert plan not in named.replace(name_book(data)["plan"][plan], "")  # the plan by name, not its code
        page.click("#upload-confirm")
        page.wait_for_selector("#upload-done")
        assert page.errors == []
    exported = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    rows = exported.appraisals[(exported.appraisals["plan_code"] == plan) & (exported.appraisals["stage"] ==
                                                                            "province")]
    assert "lan" not in set(rows["appraiser"])  # the file's row (or none) replaced the recorded one


def _record_appraisals(page: Any, live_url: str, live_db: str) -> None:
    page.goto(live_url + "/plans?lang=en")
    _ready(page)
    data = _current_year(live_db)
    appraisals = data.appraisals
    district = appraisals[appraisals["stage"] == "district"]
    passed = set(district.loc[district["status"] == "passed", "plan_code"])
    blocked = next(code for code in data.plans["code"] if code not in passed)
    target = sorted(passed)[0]

    choose_option(page, "#appraisal-plan", blocked)
    choose_option(page, "#appraisal-stage", "Province")
    page.click("#appraisal-save")
    page.wait_for_selector("#appraisal-refused")
    assert "district appraisal must be passed" in page.inner_text("#appraisal-refused")

    # Clicking the plan's row in the register picks it for the form.
    page.locator("#plans-table .ag-center-cols-container .ag-row").first.locator("[col-id=plan_code]").click()
    year = services.plan_years(SqlAlchemyUnitOfWork(live_db))[-1]
    first = str(services.register_view(SqlAlchemyUnitOfWork(live_db), None, "scenarios", year=year)
                .register["plan_code"].iloc[0])
    page.wait_for_function(f"document.querySelector('#appraisal-plan').innerText.includes('{first} —')")
    choose_option(page, "#appraisal-plan", target)
    choose_option(page, "#appraisal-status", "Failed")
    page.fill("#appraisal-score", "42.5")
    page.fill("#appraisal-note", "Thiếu hồ sơ an toàn thực phẩm")
    page.click("#appraisal-save")
    page.wait_for_selector("#appraisal-saved")
    stored = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).appraisals
    row = stored[(stored["plan_code"] == target) & (stored["stage"] == "province")].iloc[0]
    assert (row["status"], row["score"], row["appraiser"], row["note"]) == (
        "failed", 42.5, "planner", "Thiếu hồ sơ an toàn thực phẩm")


def test_a_bad_workbook_shows_its_problems_and_writes_nothing(browser: Any, live_url: str, live_db: str,
                                                              tmp_path: Path) -> None:
    from openpyxl import load_workbook

    workbook = services.write_demo_workbook(tmp_path / "demo.xlsx")
    book = load_workbook(workbook)
    sheet = book["plan_requests"]
    sheet.cell(row=2, column=3).value = "nhiều tiền"
    sheet.cell(row=3, column=2).value = "NO-SUCH-LINE"
    bad = tmp_path / "ke-hoach-loi.xlsx"
    book.save(bad)
    before = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint()
    with signed_in(browser, live_url, "planner") as page:
        page.goto(live_url + "/plans?lang=en")
        _ready(page)
        _upload_a_bad_workbook(page, bad)
    assert services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint() == before


def _upload_a_bad_workbook(page: Any, bad: Path) -> None:
    page.set_input_files("#plans-upload input[type=file]", str(bad))
    page.wait_for_selector("#upload-refused")
    assert "ke-hoach-loi.xlsx" in page.inner_text("#upload-refused")
    assert "nothing was written" in page.inner_text("#upload-refused")
    page.wait_for_function("document.querySelector('#upload-problems').innerText.includes('NO-SUCH-LINE')")
    page.wait_for_function("document.querySelector('#upload-problems').innerText.includes('nhiều tiền')")


def test_a_viewer_cannot_import_or_appraise_by_a_forged_request(viewer_page: Any, live_url: str) -> None:
    viewer_page.goto(live_url + "/plans")
    _ready(viewer_page)
    for output, message in (("appraisal-feedback.children", "may not appraise"),
                            ("upload-report.children", "may not import")):
        response = forge(viewer_page, live_url, output)
        assert response.status == 403 and message in response.text()


def test_a_score_out_of_range_is_refused_and_a_comma_decimal_is_kept(browser: Any, live_url: str,
                                                                     live_db: str) -> None:
    """150 turned the box red, the page said "saved" and stored the province decision with no score (the plan
    became eligible); 72,5 must be 72.5."""
    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    rows = data.appraisals
    passed = set(rows.loc[(rows["stage"] == "district") & (rows["status"] == "passed"), "plan_code"])
    decided = set(rows.loc[(rows["stage"] == "province") & (rows["status"] != "pending"), "plan_code"])
    plan = sorted(passed - decided)[-1]
    with signed_in(browser, live_url, "planner") as page:
        page.goto(live_url + "/plans?lang=vi&scenario=file:baseline-2020.yaml")
        _ready(page)
        counted = page.inner_text("#plans-count")
        choose_option(page, "#appraisal-plan", plan, "Tìm kiếm")
        choose_option(page, "#appraisal-stage", "Tỉnh", "Tìm kiếm")
        for typed in ("150", "-1", "abc"):
            before = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint()
            page.fill("#appraisal-score", typed)
            with page.expect_response(lambda r: "_dash-update-component" in r.url and "appraisal-feedback" in (
                    r.request.post_data or "")):
                page.click("#appraisal-save")
            page.wait_for_selector("#appraisal-refused")
            assert page.inner_text("#appraisal-refused") == "Điểm phải từ 0 đến 100."
            assert services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint() == before
        assert page.inner_text("#plans-count") == counted
        page.fill("#appraisal-score", "72,5")
        page.click("#appraisal-save")
        page.wait_for_selector("#appraisal-saved")
        stored = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).appraisals
        row = stored[(stored["plan_code"] == plan) & (stored["stage"] == "province")].iloc[0]
        assert (row["status"], row["score"]) == ("passed", 72.5)
        assert page.errors == []


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_file_that_is_not_a_workbook_gets_a_sentence_in_the_pages_language(browser: Any, live_url: str,
                                                                            live_db: str, tmp_path: Path,
                                                                            lang: str) -> None:
    """A .txt did nothing at all (no request, no message); renamed .xlsx it was refused with "BadZipFile"."""
    text = tmp_path / "ghi-chu.txt"
    text.write_text("KH001;KH002\n", encoding="utf-8")
    renamed = tmp_path / "ghi-chu.xlsx"
    renamed.write_bytes(text.read_bytes())
    expected = {"vi": ("chỉ nhận tệp Excel .xlsx", "không phải là tệp Excel"),
                "en": ("only .xlsx workbooks are accepted", "is not an Excel workbook")}[lang]
    before = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint()
    with signed_in(browser, live_url, "planner") as page:
        page.goto(live_url + f"/plans?lang={lang}")
        _ready(page)
        for upload, sentence in zip((text, renamed), expected, strict=True):
            page.set_input_files("#plans-upload input[type=file]", str(upload))
            page.wait_for_function("document.querySelector('#upload-refused')?.innerText.includes("
                                   f"{json.dumps(sentence)})")
            refused = page.inner_text("#upload-refused")
            assert upload.name in refused and "BadZipFile" not in refused and "zip" not in refused
        assert page.errors == []
    assert services.load_dataset(SqlAlchemyUnitOfWork(live_db)).fingerprint() == before
