"""Allocation in the browser: a planner runs the baseline scenario in the background and reads its funded plans;
a viewer sees the run button disabled and the server refuses a forged run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from chainplan import services
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import forge, grid_ready, signed_in

pytestmark = pytest.mark.browser


def _funded_count(page: Any) -> int:
    return int(page.evaluate("document.querySelectorAll('#funded-table .ag-center-cols-container .ag-row').length"))


def test_a_planner_runs_the_baseline_and_sees_its_funded_plans(browser: Any, live_url: str,
                                                               live_db: str) -> None:
    with signed_in(browser, live_url, "planner") as page:
        _run_the_baseline(page, live_url, live_db)


def _run_the_baseline(page: Any, live_url: str, live_db: str) -> None:
    before = {r["run_id"] for r in services.runs_overview(SqlAlchemyUnitOfWork(live_db))}
    page.goto(live_url + "/allocation?lang=en&scenario=file:baseline-2020.yaml")
    page.wait_for_function("document.querySelector('#scenario-form input[type=text]')?.value === 'baseline-2020'")
    assert not page.is_disabled("#run-button")
    page.click("#run-button")
    page.wait_for_selector("#run-done", timeout=60_000)
    grid_ready(page, "#funded-table")
    after = services.runs_overview(SqlAlchemyUnitOfWork(live_db))
    new = [r for r in after if r["run_id"] not in before]
    assert len(new) == 1 and new[0]["created_by"] == "planner" and new[0]["scenario"] == "baseline-2020"
    stored = services.stored_run(SqlAlchemyUnitOfWork(live_db), new[0]["run_id"])
    assert f"run={new[0]['run_id']}" in page.url
    # The cards show the stored run's own figures: the number of funded plans and every funded VND.
    funded = stored.result["funded_plans"]
    assert page.inner_text("#result-funded-plans") == str(len(funded))
    total = sum(int(p["total_vnd"]) for p in funded)
    assert page.inner_text("#result-funded-vnd") == f"{total:,} VND"
    # Names, not codes: the first row's funded plan shows its product by name (explanations wrap, rows are tall,
    # and the grid draws only the rows near the view).
    first = page.inner_text("#funded-table .ag-center-cols-container .ag-row[row-index='0'] [col-id=plan_code]")
    product = next(p["product_code"] for p in funded if p["plan_code"] == first.strip())
    name = services.load_dataset(SqlAlchemyUnitOfWork(live_db)).products.set_index("code").loc[product, "name"]
    page.wait_for_function(f"document.querySelector('#funded-table').innerText.includes({json.dumps(name)})")
    assert "Ranked by appraisal score" in page.inner_text("#result-baselines")
    # Every plan not funded says why, in the page's language.
    unfunded = next(d for d in stored.result["decisions"] if not d["funded"])
    page.click("#tab-unfunded")
    grid_ready(page, "#unfunded-table")
    page.wait_for_function("document.querySelector('#unfunded-table').innerText.includes("
                           f"{json.dumps(unfunded['explanation'][:40])})")
    page.click("#tab-funded")
    # A reload shows the same stored run from the URL.
    page.reload()
    grid_ready(page, "#funded-table")
    assert page.inner_text("#result-funded-plans") == str(len(funded))
    assert page.errors == []


def test_a_bad_knob_is_reported_by_key_and_nothing_is_stored(browser: Any, live_url: str, live_db: str) -> None:
    with signed_in(browser, live_url, "planner") as page:
        _refuse_a_bad_knob(page, live_url, live_db)


def _refuse_a_bad_knob(page: Any, live_url: str, live_db: str) -> None:
    before = len(services.runs_overview(SqlAlchemyUnitOfWork(live_db)))
    page.goto(live_url + "/allocation?lang=en&scenario=file:baseline-2020.yaml")
    page.wait_for_function("document.querySelector('#scenario-form input[type=text]')?.value === 'baseline-2020'")
    page.fill("input[id*='min_grant_vnd']", "lots")
    page.click("#run-button")
    page.wait_for_selector("#scenario-problems")
    assert "min_grant_vnd" in page.inner_text("#scenario-problems")
    assert len(services.runs_overview(SqlAlchemyUnitOfWork(live_db))) == before


def test_a_viewer_cannot_run_even_by_a_forged_request(viewer_page: Any, live_url: str, live_db: str) -> None:
    viewer_page.goto(live_url + "/allocation")
    viewer_page.wait_for_selector("#scenario-form")
    assert viewer_page.is_disabled("#run-button")
    assert "Chỉ cán bộ kế hoạch" in viewer_page.inner_text("#run-not-allowed")
    before = len(services.runs_overview(SqlAlchemyUnitOfWork(live_db)))
    response = forge(viewer_page, live_url, "..allocation-run.data...run-message.children..",
                     changedPropIds=["run-button.n_clicks"],
                     inputs=[{"id": "run-button", "property": "n_clicks", "value": 1}],
                     state=[{"id": "scenario-select", "property": "value", "value": "file:baseline-2020.yaml"}])
    assert response.status == 403 and "may not run" in response.text()
    assert len(services.runs_overview(SqlAlchemyUnitOfWork(live_db))) == before


def _knob(key: str) -> str:
    return f"#scenario-form input[id*='\"{key}\"']"


def test_a_value_the_browser_would_have_dropped_is_refused_by_its_key(browser: Any, live_url: str,
                                                                      live_db: str) -> None:
    """2.5 or -1 plans per region, a target bound of -5: a number field sent nothing, which meant "no cap" or "no
    bound", and the run was stored. Now each is refused with its key, and nothing is stored."""
    with signed_in(browser, live_url, "planner") as page:
        before = len(services.runs_overview(SqlAlchemyUnitOfWork(live_db)))
        page.goto(live_url + "/allocation?lang=en&scenario=file:concentrate.yaml")
        page.wait_for_function("document.querySelector('#scenario-form input[type=text]')?.value === 'concentrate'")
        kept = page.input_value(_knob("max_plans_per_region"))
        for key, typed in (("max_plans_per_region", "2.5"), ("max_plans_per_region", "-1"),
                           ("targets.new_products.min", "-5"), ("budget_scale", "1.234,5")):
            page.fill(_knob(key), typed)
            page.click("#run-button")
            page.wait_for_function("document.querySelector('#scenario-problems')?.innerText.includes("
                                   f"{json.dumps(key)}) && document.querySelector('#scenario-problems')"
                                   f".innerText.includes({json.dumps(typed)})")
            assert len(services.runs_overview(SqlAlchemyUnitOfWork(live_db))) == before
            page.fill(_knob(key), kept if key == "max_plans_per_region" else ("1" if key == "budget_scale" else ""))
        assert page.errors == []


def test_a_decimal_with_a_comma_or_a_point_runs_at_that_scale(browser: Any, live_url: str, live_db: str) -> None:
    """0.93 was off the field's step (the run used 1.0); 0,93 became 93 times the money."""
    with signed_in(browser, live_url, "planner") as page:
        for lang, typed in (("en", "0.93"), ("vi", "0,93")):
            before = {r["run_id"] for r in services.runs_overview(SqlAlchemyUnitOfWork(live_db))}
            page.goto(live_url + f"/allocation?lang={lang}&scenario=file:baseline-2020.yaml")
            page.wait_for_function("document.querySelector('#scenario-form input[type=text]')?.value === "
                                   "'baseline-2020'")
            page.fill(_knob("budget_scale"), typed)
            page.click("#run-button")
            page.wait_for_selector("#run-done", timeout=60_000)
            new = [r for r in services.runs_overview(SqlAlchemyUnitOfWork(live_db)) if r["run_id"] not in before]
            assert len(new) == 1
            stored = services.stored_run(SqlAlchemyUnitOfWork(live_db), new[0]["run_id"])
            assert stored.scenario["budget_scale"] == 0.93
        assert page.errors == []
