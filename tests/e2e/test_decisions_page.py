"""Decisions in the browser: the committee adopts a run; anyone else sees a disabled button and is refused."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import RUNS, forge, sign_in

pytestmark = pytest.mark.browser


def test_the_committee_adopts_a_run_and_the_log_shows_it(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_url, "committee")
    confirmations: list[str] = []
    page.on("dialog", lambda dialog: (confirmations.append(dialog.message), dialog.accept()))
    page.goto(live_url + "/decisions?lang=en")
    page.wait_for_selector("#runs-table .ag-row")
    assert not page.is_disabled("#adopt-button")
    page.click("#adopt-run")
    page.get_by_role("option").filter(has_text="concentrate").click()
    page.fill("#adopt-year", "2026")
    page.fill("#adopt-note", "Quyết định 123/QĐ-BCĐ")
    page.click("#adopt-button")
    page.wait_for_function("document.querySelector('#adopt-feedback').innerText.includes('adopted for 2026')")
    assert confirmations and f"Adopt run {RUNS['concentrate']}" in confirmations[0] and "for 2026" in confirmations[0]
    page.wait_for_function("document.querySelector('#audit-table').innerText.includes('Quyết định 123/QĐ-BCĐ')")
    assert "Adopted" in page.inner_text("#runs-table")
    page.click("#adopt-button")  # the same run again, the same year: refused, in words
    page.wait_for_function("document.querySelector('#adopt-feedback').innerText.includes('already the adopted')")
    page.click("#language-switch")
    page.wait_for_function("document.body.innerText.includes('Nhật ký quyết định')")
    page.wait_for_function("document.querySelector('#audit-table').innerText.includes('Thông qua')")
    assert errors == []
    context.close()


def test_a_planner_cannot_adopt_even_by_a_forged_request(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_url, "planner")
    page.goto(live_url + "/decisions")
    page.wait_for_selector("#runs-table .ag-row")
    assert page.is_disabled("#adopt-button") and "Chỉ Ban Chỉ đạo" in page.inner_text("#adopt-not-allowed")
    response = forge(page, live_url, "..adopt-feedback.children...runs-table.rowData...audit-panel.children..",
                     changedPropIds=["adopt-button.n_clicks"],
                     inputs=[{"id": "adopt-button", "property": "n_clicks", "value": 1}],
                     state=[{"id": "adopt-run", "property": "value", "value": 1},
                            {"id": "adopt-year", "property": "value", "value": 2030},
                            {"id": "adopt-note", "property": "value", "value": "forged"},
                            {"id": "decisions-lang", "property": "data", "value": "vi"},
                            {"id": "decisions-year", "property": "data", "value": 2020}])
    assert response.status == 403 and "may not adopt" in response.text()
    page.reload()
    page.wait_for_selector("#audit-panel")
    assert "forged" not in page.inner_text("#audit-panel")
    context.close()


def test_a_year_outside_the_programme_is_refused_in_the_pages_language(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_url, "committee")
    page.goto(live_url + "/decisions")
    page.wait_for_selector("#runs-table .ag-row")
    before = page.inner_text("#audit-panel")
    page.click("#adopt-run")
    page.get_by_role("option").first.click()
    for typed in ("1999", "", "2101", "20,26"):
        page.fill("#adopt-year", typed)
        with page.expect_response(lambda response: "_dash-update-component" in response.url) as answer:
            page.click("#adopt-button")
        assert answer.value.status == 200
        # Each answer is read on its own: the message of the previous refusal is still on the page.
        assert "từ 2000 đến 2100" in json.dumps(answer.value.json(), ensure_ascii=False), typed
        page.wait_for_function("document.querySelector('#adopt-feedback').innerText.includes('từ 2000 đến 2100')")
    assert page.inner_text("#audit-panel") == before  # nothing was recorded
    context.close()


def test_the_header_year_chooses_the_runs_shown_and_the_year_adopted_for(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_url, "committee")
    # The demo's 2018 decision: its run alone, adopted for 2018, in Vietnamese (the default language).
    page.goto(live_url + "/decisions?year=2018")
    page.wait_for_selector("#runs-table .ag-row")
    runs = page.inner_text("#runs-table")
    assert "Kế hoạch hỗ trợ OCOP năm 2018" in runs and "năm 2019" not in runs
    assert "Phương án cơ sở 2020" not in runs
    assert page.input_value("#adopt-year") == "2018"
    # 2020 in English: this year's runs, none of the past years'.
    page.goto(live_url + "/decisions?year=2020&lang=en")
    page.wait_for_selector("#runs-table .ag-row")
    runs = page.inner_text("#runs-table")
    assert "Phương án cơ sở 2020" not in runs and "baseline-2020" in runs and "ke-hoach-" not in runs
    assert page.input_value("#adopt-year") == "2020"
    page.click("#adopt-run")
    assert not page.get_by_role("option").filter(has_text="2018").count()
    context.close()
