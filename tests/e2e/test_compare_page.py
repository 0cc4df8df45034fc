"""Comparing funding options in the browser, and the committee pack downloaded from the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import RUNS

pytestmark = pytest.mark.browser


def test_compare_two_runs_and_download_the_pack(page: Any, live_url: str, live_db: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from chainplan import services
    from models.uow import SqlAlchemyUnitOfWork

    page.goto(live_url + "/compare?lang=en")
    page.wait_for_selector("#compare-empty")
    page.click("#compare-runs")
    # The session's server stores a run of baseline-2020 and one of concentrate after the demo's history.
    page.get_by_role("option").filter(has_text=f"Run {RUNS['baseline-2020']} — baseline-2020").click()
    # A multi-select stays open.
    page.get_by_role("option").filter(has_text=f"Run {RUNS['concentrate']} — concentrate").click()
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelector('#compare-summary') && "
                           "document.querySelector('#compare-summary').innerText.includes('concentrate')")
    page.wait_for_function("document.querySelector('#compare-targets').innerText.includes('New products')")
    assert "runs=" in page.url
    # Plans funded in one option and not the other, by name: the first such plan's product as people know it.
    ids = [int(i) for i in page.url.split("runs=")[1].split("&")[0].split(",")]
    comparison = services.compare(SqlAlchemyUnitOfWork(live_db), ids)
    differing = comparison.plans[comparison.plans["funded_in"].map(len) < 2]
    products = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).products.set_index("code")["name"]
    name = products[differing.iloc[0]["product_code"]]  # the grid keeps the comparison's order
    page.locator("#compare-plans").scroll_into_view_if_needed()
    page.get_by_text(name).first.wait_for()
    with page.expect_download() as download:
        page.click("#download-pack")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    workbook = load_workbook(saved)
    assert workbook.sheetnames[:2] == ["Summary", "Targets"]
    summary = workbook["Summary"]
    header = int(summary.print_title_rows.split(":")[-1].strip("$"))
    titles = [c.value for c in summary[header]]
    assert len(titles) == 3 and "baseline-2020" in titles[1] and "concentrate" in titles[2]  # a column per run
    assert "expected benefit" in page.inner_text("#compare-objective-note")
    page.reload()
    page.wait_for_function("document.querySelector('#compare-summary') && "
                           "document.querySelector('#compare-summary').innerText.includes('concentrate')")
    page.click("#language-switch")
    page.wait_for_function("document.querySelector('#compare-targets') && "
                           "document.querySelector('#compare-targets').innerText.includes('Sản phẩm mới')")
    assert page.errors == []
