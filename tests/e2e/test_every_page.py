"""Every built page, in both languages, on a desktop and a 390 px phone: no console error, no sideways scrolling.
Screenshots go to test-output/screenshots/ for a person to look at."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PAGES, RUNS, sign_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_in_both_languages_fits_the_screen(browser: Any, live_url: str, lang: str, width: int) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # The app's Content-Security-Policy enforced: a script it blocks is a console error, and fails the test.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=False)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_url, "admin")
    separator = {True: "&", False: "?"}
    for name, (path, ready) in PAGES.items():
        page.goto(f"{live_url}{path}{separator['?' in path]}lang={lang}")
        page.wait_for_selector(ready, state="attached")
        # AG Grid draws rows only for grids in view: a window as tall as the page shows every grid in the picture.
        page.set_viewport_size({"width": width, "height": min(page.evaluate("document.body.scrollHeight"), 12000)})
        page.wait_for_timeout(500)  # let the grids and the graph settle before the picture
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{lang}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width, f"{name} ({lang}) is {overflow} px wide on a {width} px screen"
    assert errors == []
    context.close()


def test_an_unknown_address_gets_a_page_in_its_language_and_html_lang_follows(browser: Any, live_url: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_url, "viewer")
    page.goto(live_url + "/no-such-page?lang=EN")
    page.wait_for_selector("#not-found")
    assert page.inner_text("#not-found") == "There is no such page"
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.is_visible("#nav-overview")
    page.goto(live_url + "/no-such-page")
    page.wait_for_selector("#not-found")
    assert page.inner_text("#not-found") == "Không có trang này"
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.click("#language-switch")  # a switch inside the app, without a reload
    page.wait_for_function("document.documentElement.lang === 'en'")
    # The dropdowns' own texts are in the page's language.
    page.goto(live_url + "/compare?lang=vi")
    page.click("#compare-runs")
    page.get_by_placeholder("Tìm kiếm").wait_for()
    assert errors == []
    context.close()


def test_the_language_switch_keeps_what_was_just_chosen_on_the_page(page: Any, live_url: str) -> None:
    """Every page writes its address and its language switch together (dash_app.urlstate): a choice made on the
    page survives the switch without a reload (only the chains page kept it before)."""
    page.goto(live_url + "/allocation?lang=en&scenario=file:baseline-2020.yaml")
    page.wait_for_selector("#scenario-form")
    page.click("#scenario-select")
    page.get_by_role("option").filter(has_text="equity").first.click()
    page.wait_for_function("location.search.includes('scenario=file:equity.yaml')")
    page.wait_for_function("document.querySelector('#language-switch').getAttribute('href')"
                           ".includes('scenario=file:equity.yaml')")
    page.click("#language-switch")
    page.wait_for_function("location.search.includes('lang=vi') && "
                           "document.querySelector('#scenario-select').innerText.includes('Cân đối giữa các địa bàn')")
    page.goto(live_url + "/compare?lang=vi")
    page.wait_for_selector("#compare-empty")
    page.click("#compare-runs")
    first, second = RUNS["baseline-2020"], RUNS["concentrate"]
    page.get_by_role("option").filter(has_text=f"Phương án {first} —").click()
    page.get_by_role("option").filter(has_text=f"Phương án {second} —").click()
    page.keyboard.press("Escape")
    page.wait_for_selector("#compare-summary")
    # The programme year chosen in the header is part of every page's address (the latest year with plans here).
    year = page.evaluate("new URLSearchParams(location.search).get('year')")
    switch = page.get_attribute("#language-switch", "href")
    assert year and switch == f"/compare?lang=en&year={year}&runs={first},{second}"
    page.click("#language-switch")
    page.wait_for_function("document.querySelector('#compare-targets')?.innerText.includes('New products')")
    assert page.errors == []
