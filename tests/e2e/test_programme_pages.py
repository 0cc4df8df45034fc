"""The programme's years in the browser: the year chosen once in the header and kept across pages, the results
page in both languages (a recorded outcome appears and changes the results), inspections recorded and marked
unresolved, and a viewer refused on the server."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from chainplan import services
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import choose_option, forge, grid_ready, signed_in

pytestmark = pytest.mark.browser

SHOTS = "/tmp/web15-{}.png"


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_the_year_is_chosen_once_and_kept_across_pages_and_languages(viewer_page: Any, live_url: str,
                                                                      live_db: str) -> None:
    page = viewer_page
    years = services.plan_years(SqlAlchemyUnitOfWork(live_db))
    assert len(years) >= 2, "the demo has a history of years"
    latest, earlier = years[-1], years[-2]
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_url + "/plans?lang=en")
    page.wait_for_selector("#plans-count")
    # No year asked for: the latest year with plans, written into the address.
    page.wait_for_function(f"window.location.search.includes('year={latest}')")
    assert str(latest) in page.inner_text("#year-select")
    register = services.register_view(SqlAlchemyUnitOfWork(live_db), None, "scenarios", year=earlier)
    # Choosing another year reloads the page on it, the page's own selection kept.
    choose_option(page, "#year-select", str(earlier))
    page.wait_for_function(f"window.location.search.includes('year={earlier}')")
    page.wait_for_selector("#plans-count")
    assert page.inner_text("#plans-count").startswith(f"{len(register.register)} plans")
    # Every link of the navigation and the language switch keep the year.
    for link in ("#nav-overview", "#nav-results", "#nav-decisions", "#language-switch"):
        assert _query(page.get_attribute(link, "href"))["year"] == [str(earlier)], link
    page.click("#nav-results")
    page.wait_for_selector("#results-intro, #results-empty")
    assert _query(page.url)["year"] == [str(earlier)] and str(earlier) in page.inner_text("#year-select")
    page.click("#nav-allocation")
    page.wait_for_selector("#scenario-select")
    page.wait_for_function(f"window.location.search.includes('year={earlier}')")
    page.click("#language-switch")
    page.wait_for_function("window.location.search.includes('lang=vi')")
    assert _query(page.url)["year"] == [str(earlier)]
    page.screenshot(path=SHOTS.format("year-header"))
    assert page.errors == []


def _in_progress_plan(live_db: str, year: int) -> dict[str, Any]:
    found = services.year_results(SqlAlchemyUnitOfWork(live_db), year).document
    return next(p for p in found["plans"] if p["status"] == "in_progress")


def test_the_results_page_reads_in_both_languages_and_a_recorded_outcome_changes_it(browser: Any, live_url: str,
                                                                                      live_db: str) -> None:
    years = services.plan_years(SqlAlchemyUnitOfWork(live_db))
    year = years[-2]  # the demo's last year with an adopted decision and reports still in progress
    plan = _in_progress_plan(live_db, year)
    before = services.year_results(SqlAlchemyUnitOfWork(live_db), year).document
    finished_before = sum(1 for p in before["plans"] if p["succeeded"] is not None)
    with signed_in(browser, live_url, "planner") as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_url + f"/results?lang=vi&year={year}")
        page.wait_for_selector("#results-intro")
        assert f"năm {year}" in page.inner_text("h2")
        assert "Độ tin cậy" in page.inner_text("body") and page.locator("#reliability-chart .cp-dot").count() >= 1
        grid_ready(page, "#results-table")
        page.screenshot(path=SHOTS.format("results-vi"), full_page=True)
        page.goto(live_url + f"/results?lang=en&year={year}")
        page.wait_for_selector("#results-intro")
        assert page.inner_text("#results-finished") == str(finished_before)
        body = page.inner_text("body")
        assert "Results" in body and "Stated chance against realised rate" in body and "Kết quả" not in body
        # A report that cannot be read is refused in the page's language, and nothing is written.
        choose_option(page, "#outcome-plan", plan["plan_code"])
        # The form opens on the plan's stored report first: typing before it is drawn would be written over.
        page.wait_for_function("document.querySelector('#outcome-opened-note').innerText.length > 0")
        page.fill("#outcome-disbursed", "1,5")
        page.click("#outcome-save")
        page.wait_for_selector("#outcome-refused")
        assert "whole number of đồng" in page.inner_text("#outcome-refused")
        assert services.year_results(SqlAlchemyUnitOfWork(live_db), year).document == before
        # The plan completed (the form opened on its stored report, in progress), everything it promised
        # delivered, with the money disbursed.
        assert "In progress" in page.inner_text("#outcome-status")
        choose_option(page, "#outcome-status", "Completed")
        page.fill("#outcome-disbursed", f"{plan['allocated_vnd']:,}".replace(",", "."))
        page.fill("#outcome-score", "" if plan["expected_score"] is None else str(plan["expected_score"]))
        for flag in plan["promised"]:
            page.locator(f"#outcome-delivered input[value={flag}]").check()
        page.click("#outcome-save")
        page.wait_for_selector("#outcome-saved")
        page.wait_for_function(f"document.querySelector('#results-finished').innerText === '{finished_before + 1}'")
        grid_ready(page, "#results-table")
        row = page.locator(f"#results-table .ag-row[row-id='{plan['plan_code']}']").first
        assert "Completed" in row.inner_text() and "Yes" in row.inner_text()
        page.screenshot(path=SHOTS.format("results-en"), full_page=True)
        after = {p["plan_code"]: p for p in services.year_results(SqlAlchemyUnitOfWork(live_db), year)
                 .document["plans"]}[plan["plan_code"]]
        assert (after["status"], after["succeeded"], after["disbursed_vnd"]) == ("completed", True,
                                                                                 plan["allocated_vnd"])
        assert page.errors == []


def test_a_planner_records_an_inspection_and_an_unresolved_violation_is_marked(browser: Any, live_url: str,
                                                                                live_db: str) -> None:
    view = services.inspections_view(SqlAlchemyUnitOfWork(live_db))
    open_before = set(view.organizations.loc[view.organizations["unresolved"] > 0, "organization_code"])
    code, name = next((c, n) for c, n in services.organization_choices(SqlAlchemyUnitOfWork(live_db))
                      if c not in open_before)
    with signed_in(browser, live_url, "planner") as page:
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(live_url + "/plans?lang=en")
        page.wait_for_selector("#inspections-unresolved")
        assert name not in page.inner_text("#inspections-unresolved")
        page.locator("#inspection-save").scroll_into_view_if_needed()
        choose_option(page, "#inspection-org", name)
        choose_option(page, "#inspection-result", "Violation")
        page.click("#inspection-save")  # a violation without what was found is refused
        page.wait_for_selector("#inspection-refused")
        assert "needs what was found" in page.inner_text("#inspection-refused")
        page.fill("#inspection-finding", "Nhãn OCOP dùng cho sản phẩm chưa được công nhận")
        page.click("#inspection-save")
        page.wait_for_selector("#inspection-saved")
        page.wait_for_function(f"document.querySelector('#inspections-unresolved').innerText.includes({name!r})")
        grid_ready(page, "#inspections-table")
        marked = page.locator("#inspections-table .ag-row.cp-unresolved").filter(has_text=name)
        assert marked.count() >= 1 and "Not resolved" in marked.first.inner_text()
        page.locator("#inspections").scroll_into_view_if_needed()
        page.screenshot(path=SHOTS.format("inspections"), full_page=True)
        assert page.errors == []
    stored = services.inspections_view(SqlAlchemyUnitOfWork(live_db)).inspections
    assert stored.loc[stored["organization_code"] == code, "unresolved"].any()


def test_a_planner_edits_the_stored_report_and_a_form_someone_saved_since_is_refused(browser: Any, live_url: str,
                                                                                      live_db: str) -> None:
    from chainplan.recording import Outcome
    from chainplan.wording import format_integer

    year = services.plan_years(SqlAlchemyUnitOfWork(live_db))[-2]
    plan = next(p for p in services.year_results(SqlAlchemyUnitOfWork(live_db), year).document["plans"]
                if p["status"] == "completed" and p["disbursed_vnd"])
    code = plan["plan_code"]
    stored = services.opened_outcome(SqlAlchemyUnitOfWork(live_db), code)
    assert stored.outcome is not None
    with signed_in(browser, live_url, "planner") as page:
        page.goto(live_url + f"/results?lang=vi&year={year}")
        page.wait_for_selector("#results-intro")
        page.locator("#outcome-save").scroll_into_view_if_needed()
        choose_option(page, "#outcome-plan", code)
        # The form shows the report as stored, numbers as Vietnamese write them.
        page.wait_for_function("document.querySelector('#outcome-opened-note').innerText.includes('Đang hiện')")
        assert page.input_value("#outcome-disbursed") == format_integer(plan["disbursed_vnd"], "vi")
        assert "hoàn thành" in page.inner_text("#outcome-status").lower()
        ticked = {box.get_attribute("value") for box in page.locator("#outcome-delivered input:checked").all()}
        assert ticked == {flag for flag in ("new_product", "new_organization", "entered_supermarket", "e_stamp",
                                            "safe_food_chain") if getattr(stored.outcome, flag)}
        # Someone saves the report after the form was opened: this planner's save is refused, naming them.
        services.record_outcome(SqlAlchemyUnitOfWork(live_db), Outcome(
            code, "completed", stored.outcome.reported_on, stored.outcome.disbursed_vnd, 95), by="other",
            opened_version=stored.version)
        page.fill("#outcome-note", "Đã nghiệm thu đợt cuối")
        page.click("#outcome-save")
        page.wait_for_selector("#outcome-conflict")
        assert "other đã lưu kết quả thực hiện" in page.inner_text("#outcome-conflict")
        assert services.opened_outcome(SqlAlchemyUnitOfWork(live_db), code).outcome.note == ""  # type: ignore[union-attr]
        # Saving again, knowingly, replaces their report.
        page.click("#outcome-save")
        page.wait_for_selector("#outcome-saved")
        assert services.opened_outcome(SqlAlchemyUnitOfWork(live_db), code).outcome.note == (  # type: ignore[union-attr]
            "Đã nghiệm thu đợt cuối")
        assert page.errors == []


def test_a_viewer_reads_but_the_server_refuses_their_outcome_and_inspection(viewer_page: Any, live_url: str,
                                                                             live_db: str) -> None:
    page = viewer_page
    year = services.plan_years(SqlAlchemyUnitOfWork(live_db))[-2]
    page.goto(live_url + f"/results?lang=en&year={year}")
    page.wait_for_selector("#results-intro")
    assert page.is_disabled("#outcome-save") and "Only planners" in page.inner_text("#outcome-not-allowed")
    page.goto(live_url + "/plans?lang=vi")
    page.wait_for_selector("#inspect-not-allowed")
    assert page.is_disabled("#inspection-save")
    before = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    plan = _in_progress_plan(live_db, year)
    org = str(before.organizations["code"].iloc[0])
    outcome = forge(page, live_url, "..outcome-feedback.children...results-version.data..",
                    inputs=[{"id": "outcome-save", "property": "n_clicks", "value": 1}],
                    state=[{"id": "outcome-plan", "property": "value", "value": plan["plan_code"]},
                           {"id": "outcome-status", "property": "value", "value": "abandoned"}])
    inspection = forge(page, live_url, "..inspection-feedback.children...inspections-version.data..",
                       inputs=[{"id": "inspection-save", "property": "n_clicks", "value": 1}],
                       state=[{"id": "inspection-org", "property": "value", "value": org}])
    assert (outcome.status, inspection.status) == (403, 403)
    after = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    assert len(after.outcomes) == len(before.outcomes) and len(after.inspections) == len(before.inspections)
    assert page.errors == []
