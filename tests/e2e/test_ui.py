"""The web interface in a real browser: the overview shows the stored data, in Vietnamese and English."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_overview_shows_the_demo_in_vietnamese_then_english(page: Any, live_url: str) -> None:
    page.goto(live_url + "/")
    page.wait_for_selector("#card-districts")
    assert page.inner_text("#card-districts") == "13"
    assert page.title() == "chainplan"
    assert "Tổng quan" in page.inner_text("body")
    assert "Đơn vị cấp huyện" in page.inner_text("body")
    assert "₫" in page.inner_text("#card-budget")
    page.click("#language-switch")
    page.wait_for_function("document.body.innerText.includes('District-level units')")
    assert "Vân Đồn" in page.inner_text("#region-table")
    assert page.errors == []


def test_chains_page_lists_gaps_and_traces_a_product(page: Any, live_url: str) -> None:
    page.goto(live_url + "/chains?lang=en")
    page.wait_for_selector("#gap-rows")
    national_rows = page.locator("#gap-rows tbody tr").count()
    assert national_rows > 0
    assert "Supply chains" in page.inner_text("body")
    page.click("#product-filter")
    page.get_by_role("option", name="SP002 — Gốm mỹ nghệ Đông Triều").click()
    page.wait_for_selector("#trace-rows")
    assert "SX-DT-002" in page.inner_text("#trace-rows")
    assert "Max flow to the chains" in page.inner_text("#trace-flow")
    assert page.locator("#gap-rows tbody tr").count() >= 1
    page.click("#nav-overview")
    page.wait_for_selector("#card-districts")
    assert page.errors == []
