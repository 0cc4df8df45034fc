"""The overview's year targets: before a decision the seed document's targets; after one, what the adopted run
adds, as the run itself reports it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chainplan import services
from chainplan.money import format_number
from models.uow import SqlAlchemyUnitOfWork

pytestmark = pytest.mark.browser
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_targets_today_with_the_adopted_decision_and_the_target(viewer_page: Any, live_url: str, live_db: str
                                                                 ) -> None:
    page = viewer_page
    page.goto(live_url + "/?lang=en&year=2040")
    page.wait_for_selector("#year-targets")
    assert "No run is adopted for 2040" in page.inner_text("#year-targets-intro")
    assert "baseline-2020" in page.inner_text("#year-targets-intro")

    run = services.run_allocation(SqlAlchemyUnitOfWork(live_db), SCENARIOS / "baseline-2020.yaml", by="committee")
    services.adopt_run(SqlAlchemyUnitOfWork(live_db), run.run_id or 0, by="committee", year=2031)
    page.goto(live_url + "/?lang=en&year=2031")
    page.wait_for_selector("#year-targets")
    assert f"run {run.run_id}" in page.inner_text("#year-targets-intro")
    added = format_number(run.document["targets"]["new_products"]["achieved"], "en", 2)
    page.wait_for_function(f"document.querySelector('#year-targets').innerText.includes('{added}')")
    assert "add ≥ 50" in page.inner_text("#year-targets") and "—" not in page.inner_text("#year-targets")
    assert page.errors == []
