"""Frontier and risk in the browser: a planner computes a small frontier whose points equal the service's; the
risk of a stored run matches the service with the same seed; a viewer cannot start a frontier."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainplan import services
from chainplan.money import format_number
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.browser


def test_a_planner_computes_a_frontier(browser: Any, live_url: str, live_db: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_url, "planner")
    page.goto(live_url + "/frontier?lang=en&scenario=file:baseline-2020.yaml")
    page.wait_for_selector("#frontier-empty")
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
    assert errors == []
    context.close()


def test_risk_of_a_stored_run_matches_the_service(browser: Any, live_url: str, live_db: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    sign_in(page, live_url, "viewer")
    page.goto(live_url + "/frontier?lang=vi&run=1")
    page.wait_for_selector("#risk-benefit")
    risk = services.run_risk(SqlAlchemyUnitOfWork(live_db), 1, draws=10_000, seed=0, workers=1)
    assert f"P50 {format_number(risk['benefit']['p50'], 'vi', 1)}" in page.inner_text("#risk-benefit")
    assert page.is_disabled("#frontier-button")
    body = {"output": "..frontier-result.data...frontier-message.children..", "outputs": [],
            "changedPropIds": ["frontier-button.n_clicks"], "inputs": [], "state": []}
    response = page.request.post(live_url + "/_dash-update-component", data=json.dumps(body),
                                 headers={"Content-Type": "application/json"})
    assert response.status == 403 and "may not run" in response.text()
    context.close()
