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
    page.wait_for_function("document.querySelector('#region-table').innerText.includes('Vân Đồn')")
    assert page.errors == []


def test_chains_page_grid_graph_and_selection_in_the_url(page: Any, live_url: str) -> None:
    page.goto(live_url + "/chains?lang=en&tier=national")
    page.wait_for_selector("#gap-table .ag-row")
    assert "Supply chains" in page.inner_text("body")
    page.wait_for_function("/^[0-9]+$/.test(document.querySelector('#gap-count-single_point_of_failure').innerText)")
    national = int(page.inner_text("#gap-count-single_point_of_failure"))
    # All tiers: hundreds of gaps in a virtualised grid (an HTML table of 436 rows froze the browser).
    page.click("#tier-filter")
    page.get_by_role("option", name="All").click()
    page.wait_for_function(f"Number(document.querySelector('#gap-count-single_point_of_failure').innerText) > "
                           f"{national}")
    assert page.locator("#gap-table .ag-row").count() > 0
    # The product list follows the tier; choosing a product draws its chain and keeps it in the URL.
    page.click("#tier-filter")
    page.get_by_role("option", name="Provincial", exact=True).click()
    page.click("#product-filter")
    page.get_by_role("option", name="Gốm mỹ nghệ Đông Triều (SP002)").click()
    page.wait_for_selector("#chain-graph canvas")
    page.wait_for_function("location.search.includes('product=SP002') && location.search.includes('tier=provincial')")
    assert "Hộ KD Gốm mỹ nghệ Đông Triều" in page.inner_text("#trace-rows")  # names, not codes
    assert "Max flow to the chains" in page.inner_text("#trace-flow")
    assert page.locator("#candidate-rows tbody tr").count() > 0
    page.wait_for_function("document.querySelector('#gap-table').innerText.includes('(SP002)')")
    page.reload()
    page.wait_for_selector("#chain-graph canvas")
    assert "Gốm mỹ nghệ Đông Triều (SP002)" in page.inner_text("#product-filter")
    page.click("#language-switch")
    page.wait_for_function("document.body.innerText.includes('Chuỗi cung ứng')")
    page.wait_for_selector("#chain-graph canvas")
    assert "product=SP002" in page.url and "lang=vi" in page.url
    assert "Lưu lượng tối đa" in page.inner_text("#trace-flow")
    page.click("#nav-overview")
    page.wait_for_selector("#card-districts")
    assert page.errors == []


def test_chains_page_filters_by_region(page: Any, live_url: str, live_db: str) -> None:
    from chainplan import services
    from chainplan.dataset import region_at_level
    from models.uow import SqlAlchemyUnitOfWork

    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    district = region_at_level(data.regions, "district")
    in_region = {str(code) for code, region in zip(data.products["code"], data.products["region_code"], strict=True)
                 if district.get(region) == "HL"}
    gaps = [g for g in services.chain_gaps(SqlAlchemyUnitOfWork(live_db)) if g.product_code in in_region]
    page.goto(live_url + "/chains?lang=en&tier=all&region=HL")
    page.wait_for_function("location.search.includes('region=HL')")
    expected = sum(g.type == "single_point_of_failure" for g in gaps)
    page.wait_for_function("document.querySelector('#gap-count-single_point_of_failure')?.innerText === "
                           f"'{expected}'")
    page.click("#product-filter")
    offered = page.get_by_role("option").all_inner_texts()
    assert offered and all(text.rsplit("(", 1)[1].rstrip(")") in in_region for text in offered)
    assert page.errors == []


def test_chains_page_answers_in_one_click(browser: Any, live_url: str, live_db: str) -> None:
    """All tiers by default; a card filters the table to its type; a chosen product clears a column filter that
    would hide its own gaps; the grid shows more than four rows on a 900 px high screen."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    from tests.e2e.conftest import sign_in

    sign_in(page, live_url, "viewer")
    page.goto(live_url + "/chains?lang=en")
    page.wait_for_selector("#gap-table .ag-row")
    assert "All" in page.inner_text("#tier-filter")
    page.wait_for_timeout(500)
    shown = page.evaluate("""() => { const box = document.querySelector('#gap-table .ag-body-viewport')
                                                          .getBoundingClientRect();
        return [...document.querySelectorAll('#gap-table .ag-center-cols-container .ag-row')].filter(r => {
            const b = r.getBoundingClientRect(); return b.top >= box.top && b.bottom <= Math.min(box.bottom, 900); })
            .length; }""")
    assert shown > 4, shown
    page.click("#gap-cards button:has(#gap-count-capacity_shortfall)")
    page.wait_for_function("[...document.querySelectorAll('#gap-table .ag-row [col-id=type]')].every("
                           "c => c.innerText === 'Capacity below demand') && location.search.includes("
                           "'gap=capacity_shortfall')")
    assert page.get_attribute("#gap-cards button:has(#gap-count-capacity_shortfall)", "aria-pressed") == "true"
    product = page.inner_text("#gap-table .ag-row[row-index='0'] [col-id=product]").rsplit("(", 1)[1].rstrip(")")
    page.click("#gap-table .ag-row[row-index='0'] .ag-cell")
    page.wait_for_selector("#chain-graph canvas")
    # The product's own gaps of every type are back: the card's filter is cleared.
    from chainplan import services
    from models.uow import SqlAlchemyUnitOfWork

    own = len(services.chain_gaps(SqlAlchemyUnitOfWork(live_db), product=product))
    page.wait_for_function(f"document.querySelectorAll('#gap-table .ag-center-cols-container .ag-row').length === "
                           f"{own} && !location.search.includes('gap=') && location.search.includes('{product}')")
    context.close()
