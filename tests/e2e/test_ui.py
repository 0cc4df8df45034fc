"""The web interface in a real browser: the overview shows the stored data, in Vietnamese and English."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_overview_shows_the_demo_in_vietnamese_then_english(page: Any, live_url: str) -> None:
    page.goto(live_url + "/")
    page.wait_for_selector("#card-districts")
    assert page.inner_text("#card-districts") == "13"
    assert "Tổng quan" in page.title() or "chainplan" in page.title()
    assert "Đơn vị cấp huyện" in page.inner_text("body")
    assert "₫" in page.inner_text("#card-budget")
    page.click("#language-switch")
    page.wait_for_function("document.body.innerText.includes('District-level units')")
    assert "Vân Đồn" in page.inner_text("#region-table")
    assert page.errors == []
