"""Frontier and risk in the browser: a planner computes a small frontier whose points equal the service's; the
risk of a stored run matches the service with the same seed; a viewer cannot start a frontier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainplan import services
from chainplan.money import format_number
from dash_app.figures import risk_rows
from dash_app.i18n import t
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import forge, signed_in

pytestmark = pytest.mark.browser


def test_a_planner_computes_a_frontier(browser: Any, live_url: str, live_db: str) -> None:
    with signed_in(browser, live_url, "planner") as page:
        _compute_a_frontier(page, live_url, live_db)


def _compute_a_frontier(page: Any, live_url: str, live_db: str) -> None:
    page.goto(live_url + "/frontier?lang=en&scenario=file:baseline-2020.yaml")
    page.wait_for_selector("#frontier-empty")
    page.fill("#frontier-from", "160")  # above the "to" (150): refused in words before any solve
    page.click("#frontier-button")
    page.wait_for_function("document.querySelector('#frontier-message').innerText.includes('no larger than')")
    page.fill("#frontier-from", "80")
    page.fill("#frontier-to", "120")
    page.fill("#frontier-steps", "3")
    page.click("#frontier-button")
    page.wait_for_selector("#frontier-done", timeout=90_000)
    page.wait_for_selector("#frontier-graph .main-svg")
    expected = services.budget_frontier(SqlAlchemyUnitOfWork(live_db), "scenarios/baseline-2020.yaml", start=0.8,
                                        stop=1.2, steps=3, workers=1)
    page.locator("#frontier-table").scroll_into_view_if_needed()
    for point in expected.points:
        money = f"{point['budget_vnd']:,} VND"
        page.wait_for_function(f"document.querySelector('#frontier-table').innerText.includes({json.dumps(money)})")
    assert page.errors == []


def test_risk_of_a_stored_run_matches_the_service(viewer_page: Any, live_url: str, live_db: str) -> None:
    viewer_page.goto(live_url + "/frontier?lang=vi&run=1")
    viewer_page.wait_for_selector("#risk-benefit")
    risk = services.run_risk(SqlAlchemyUnitOfWork(live_db), 1, draws=10_000, seed=0, workers=1)
    assert f"P50 {format_number(risk['benefit']['p50'], 'vi', 1)}" in viewer_page.inner_text("#risk-benefit")
    # The demo's 2017 run set no target: a sentence says so, not a table of headers alone.
    assert risk_rows(risk, "vi") == []
    assert viewer_page.inner_text("#risk-table") == t("no_targets", "vi")
    assert viewer_page.is_disabled("#frontier-button")
    response = forge(viewer_page, live_url, "..frontier-result.data...frontier-message.children..")
    assert response.status == 403 and "may not run" in response.text()
    assert viewer_page.errors == []
