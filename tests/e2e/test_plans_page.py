"""Plans and appraisals in the browser: the register, recording an appraisal, and a workbook upload that is
refused with every problem listed and nothing written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chainplan import services
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import forge, signed_in

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
    register = services.plans_register(SqlAlchemyUnitOfWork(live_db), services.scenario_for(
        SqlAlchemyUnitOfWork(live_db), "file:baseline-2020.yaml", "scenarios"))
    assert page.inner_text("#plans-count") == (f"{len(data.plans)} plans, {int(register['eligible'].sum())} eligible "
                                               "for support under this scenario.")
    first_product = data.products.set_index("code").loc[data.plans["product_code"].iloc[0], "name"]
    assert first_product in page.inner_text("#plans-table")
    # A viewer reads but cannot record or import.
    assert page.is_disabled("#appraisal-save") and "Only planners" in page.inner_text("#appraise-not-allowed")
    assert page.errors == []


def test_a_planner_records_an_appraisal_and_a_refused_one_says_why(browser: Any, live_url: str, live_db: str
                                                                    ) -> None:
    with signed_in(browser, live_url, "planner") as page:
        _record_appraisals(page, live_url, live_db)


def _record_appraisals(page: Any, live_url: str, live_db: str) -> None:
    page.goto(live_url + "/plans?lang=en")
    _ready(page)
    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    appraisals = data.appraisals
    district = appraisals[appraisals["stage"] == "district"]
    passed = set(district.loc[district["status"] == "passed", "plan_code"])
    blocked = next(code for code in data.plans["code"] if code not in passed)
    target = sorted(passed)[0]

    def choose(dropdown: str, text: str) -> None:
        page.click(dropdown)
        search = page.get_by_placeholder("Search")
        if search.count():
            search.fill(text)  # the dropdown's own search narrows a long list
        page.get_by_role("option").filter(has_text=text).first.click()
        page.keyboard.press("Escape")

    choose("#appraisal-plan", blocked)
    choose("#appraisal-stage", "Province")
    page.click("#appraisal-save")
    page.wait_for_selector("#appraisal-refused")
    assert "district appraisal must be passed" in page.inner_text("#appraisal-refused")

    # Clicking the plan's row in the register picks it for the form.
    page.locator("#plans-table .ag-center-cols-container .ag-row").first.locator("[col-id=plan_code]").click()
    first = str(data.plans["code"].iloc[0])
    page.wait_for_function(f"document.querySelector('#appraisal-plan').innerText.includes('{first} —')")
    choose("#appraisal-plan", target)
    choose("#appraisal-status", "Failed")
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
