"""The four journeys of issue 16, replayed in Vietnamese on a server that starts with an empty database, each answer
asserted on screen and each click counted (the README states the counts):

1. a planner, from an empty database to a stored run (uploading the demo workbook);
2. the committee, from comparing runs to adopting one;
3. a chain manager, from "which products reach no supermarket" to the links that would close a gap;
4. a viewer, refused a run (and a forged request refused by the server).

Screenshots of each answer go to test-output/screenshots/journey-*.png.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, USERS, forge, grid_ready, sign_in

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "scenarios" / "data" / "quang-ninh-demo.xlsx"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
#: The clicks each journey takes, as the README states them.
CLICKS = {"planner": 5, "committee": 7, "manager": 2, "viewer": 1}


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The UI over a database with users and no data at all: its address and its database."""
    from werkzeug.serving import make_server

    from chainplan import services
    from dash_app.app import create_app
    from models.uow import SqlAlchemyUnitOfWork

    db = f"sqlite:///{tmp_path_factory.mktemp('journeys') / 'empty.db'}"
    for name, role in USERS.items():
        services.add_user(SqlAlchemyUnitOfWork(db), name, role=role, password=PASSWORD)
    server = make_server("127.0.0.1", 0, create_app(db).server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", db
    server.shutdown()


class Clicks:
    """A tab whose clicks are counted."""

    def __init__(self, tab: Any):
        self.tab = tab
        self.count = 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.tab.click(selector)

    def click_locator(self, locator: Any) -> None:
        self.count += 1
        locator.click()


def _tab(browser: Any, url: str, name: str) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.errors = errors
    sign_in(tab, url, name)
    return context, tab


def _picture(tab: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"journey-{name}.png"), full_page=True)


def test_the_four_journeys_in_vietnamese(browser: Any, empty_server: tuple[str, str]) -> None:
    from openpyxl import load_workbook

    from chainplan import services
    from models.uow import SqlAlchemyUnitOfWork

    empty_url, db = empty_server
    # The administrator's first-run path also offers the demo; a planner's request to load it is refused.
    context, tab = _tab(browser, empty_url, "admin")
    tab.goto(empty_url + "/")
    tab.wait_for_selector("#load-demo")
    _picture(tab, "empty-overview")
    context.close()

    # 1. The planner: the empty overview leads to the upload; the upload fills the page; a run is stored.
    context, tab = _tab(browser, empty_url, "planner")
    planner = Clicks(tab)
    tab.goto(empty_url + "/")
    tab.wait_for_selector("#overview-empty")
    assert "chainplan demo load" not in tab.inner_text("body")  # no terminal commands for a web user
    assert tab.locator("#load-demo").count() == 0  # the demo is an administrator's
    refused = forge(tab, empty_url, "..load-demo-feedback.children...overview-reload.href..",
                    changedPropIds=["load-demo.n_clicks"], inputs=[{"id": "load-demo", "property": "n_clicks",
                                                                     "value": 1}])
    assert refused.status == 403
    with tab.expect_download() as download:  # the template, as `chainplan template` writes it
        tab.click("#download-template")
    sheets = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).sheetnames
    template = load_workbook(io.BytesIO(services.template_workbook()), read_only=True).sheetnames
    assert sheets == template and sheets[0] == "README"
    planner.click("#first-run-upload")
    tab.wait_for_selector("#upload-first")
    # The upload comes before the (empty) register and the appraisal form.
    assert tab.evaluate("document.querySelector('#plans-upload').compareDocumentPosition("
                        "document.querySelector('#appraisal-save')) & Node.DOCUMENT_POSITION_FOLLOWING")
    planner.count += 1  # choosing the file in the upload's file dialog
    tab.set_input_files("#plans-upload input[type=file]", str(WORKBOOK))
    # The file is previewed first (per sheet and year); nothing is written until the planner confirms.
    tab.wait_for_selector("#upload-preview", timeout=60000)
    planner.click("#upload-confirm")
    tab.wait_for_selector("#upload-done", timeout=60000)
    from chainplan.io import read_dataset
    from chainplan.wording import format_number

    plans = len(read_dataset(WORKBOOK).plans)
    assert f"Kế hoạch sản xuất: {format_number(plans, 'vi', 0)}" in tab.inner_text("#upload-done")
    grid_ready(tab, "#plans-table")
    # The appraisal form's plan list follows the upload: a clicked row is chosen (it was blank before the fix).
    tab.click("#plans-table .ag-row[row-index='0'] .ag-cell")
    tab.wait_for_function("document.querySelector('#appraisal-plan').innerText.includes('KH001')")
    planner.click("#nav-allocation")
    tab.wait_for_selector("#run-button:not([disabled])")
    planner.click("#run-button")
    tab.wait_for_selector("#run-done", timeout=120000)
    assert "Đã lưu phương án 1" in tab.inner_text("#run-done")
    grid_ready(tab, "#funded-table")
    _picture(tab, "planner")
    assert planner.count == CLICKS["planner"] and tab.errors == []
    context.close()

    # A second option for the committee to weigh (as a planner would run it).
    services.run_allocation(SqlAlchemyUnitOfWork(db), ROOT / "scenarios" / "concentrate.yaml", by="planner")

    # 2. The committee: compare two runs, then adopt one, confirming the run and the year.
    context, tab = _tab(browser, empty_url, "committee")
    committee = Clicks(tab)
    tab.goto(empty_url + "/compare")
    tab.wait_for_selector("#compare-runs")
    committee.click("#compare-runs")
    committee.click_locator(tab.get_by_role("option").filter(has_text="Phương án 1 —"))
    committee.click_locator(tab.get_by_role("option").filter(has_text="Phương án 2 —"))
    tab.keyboard.press("Escape")
    tab.wait_for_selector("#compare-summary")
    assert "Hỗ trợ tập trung, không dàn trải" in tab.inner_text("#compare-summary")
    committee.click("#nav-decisions")
    grid_ready(tab, "#runs-table")
    runs = tab.inner_text("#runs-table")
    assert "planner" in runs and "₫" in runs and " trên " in runs  # who ran it, money funded, targets met
    committee.click("#runs-table .ag-row[row-id='2'] .ag-cell")
    tab.wait_for_function("document.querySelector('#adopt-run').innerText.includes('Phương án 2')")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        committee.count += 1  # the confirmation's OK
        dialog.accept()

    tab.on("dialog", answer)
    year = tab.input_value("#adopt-year")
    committee.click("#adopt-button")
    tab.wait_for_function("document.querySelector('#adopt-feedback').innerText.includes('Đã thông qua phương án 2')")
    assert asked and "phương án 2" in asked[0] and year in asked[0]
    tab.wait_for_function("document.querySelector('#runs-table').innerText.includes('Đã thông qua')")
    _picture(tab, "committee")
    assert committee.count == CLICKS["committee"] and tab.errors == []
    context.close()

    # 3. The chain manager: which products reach no supermarket, then the links that would close the gap.
    context, tab = _tab(browser, empty_url, "viewer")
    manager = Clicks(tab)
    tab.goto(empty_url + "/chains")
    grid_ready(tab, "#gap-table")
    manager.click("#gap-cards button:has(#gap-count-no_supermarket_path)")
    count = int(tab.inner_text("#gap-count-no_supermarket_path"))
    tab.wait_for_function(f"document.querySelectorAll('#gap-table .ag-row').length === Math.min({count}, "
                          "document.querySelectorAll('#gap-table .ag-row').length) && "
                          "[...document.querySelectorAll('#gap-table .ag-row [col-id=type]')].every("
                          "c => c.innerText === 'Không có đường đến siêu thị')")
    product = tab.inner_text("#gap-table .ag-row[row-index='0'] [col-id=product]")
    manager.click("#gap-table .ag-row[row-index='0'] .ag-cell")
    tab.wait_for_selector("#candidate-rows")
    assert product.split("(")[0].strip() in tab.inner_text("#product-panel h2")
    assert "Không có đường đến siêu thị" in tab.inner_text("#candidate-rows")
    assert "từ địa bàn của cơ sở sản xuất" in tab.inner_text("#proximity-note")
    _picture(tab, "manager")
    assert manager.count == CLICKS["manager"] and tab.errors == []

    # 4. The viewer: refused a run, in words on the page and by the server.
    viewer = Clicks(tab)
    viewer.click("#nav-allocation")
    tab.wait_for_selector("#run-not-allowed")
    assert "Chỉ cán bộ kế hoạch được chạy kịch bản" in tab.inner_text("#run-not-allowed")
    assert tab.is_disabled("#run-button")
    response = forge(tab, empty_url, "..allocation-run.data...run-message.children..",
                     changedPropIds=["run-button.n_clicks"],
                     inputs=[{"id": "run-button", "property": "n_clicks", "value": 1}])
    assert response.status == 403
    _picture(tab, "viewer")
    assert viewer.count == CLICKS["viewer"] and tab.errors == []
    context.close()

