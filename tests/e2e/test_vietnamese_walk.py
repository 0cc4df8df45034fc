"""The Vietnamese walk: every page in Vietnamese, as each role, and after each refusal a person can meet (a bad knob,
a bad score, a file that is not a workbook, a bad frontier range or number of draws, an adoption without a run, a
user that cannot be added, a viewer's forbidden run) shows no English sentence.

English is found two ways in the page's visible text, after the data's own names (products, organisations,
regions, lines, plans, scenario keys, user names: what people wrote) are taken out:

- any English text of the two catalogues (``chainplan.po`` and ``interface.po``) longer than 12 characters that
  differs from its Vietnamese text, cut at its parameters;
- common English words (``the``, ``is``, ``not``, ``which``, ...).

Screenshots go to ``test-output/screenshots/walk-*.png``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chainplan import services
from chainplan.scenario import load_scenario
from chainplan.wording import catalogue
from dash_app.i18n import interface
from models.uow import SqlAlchemyUnitOfWork
from tests.e2e.conftest import PAGES as ALL_PAGES
from tests.e2e.conftest import signed_in

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
#: Words no Vietnamese sentence has (checked with word boundaries, any case).
ENGLISH_WORDS = ("the", "is", "not", "which", "must", "cannot", "should", "only", "this", "that", "with", "from",
                 "and", "are", "was", "been", "have", "has", "will", "there", "would", "please", "failed", "passed",
                 "pending", "error", "traceback", "none", "null", "undefined", "run", "plan", "plans",
                 "scenario", "budget", "target", "targets", "funded", "problem", "problems", "value", "invalid",
                 "than", "between", "greater", "less", "choose")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_IDENTIFIER = re.compile(r"\b[a-z0-9]+(?:[._][a-z0-9]+)+\b")


def _english_fragments() -> list[str]:
    """Every piece of English catalogue text longer than 12 characters that is not also the Vietnamese text."""
    fragments: set[str] = set()
    for book in (catalogue(), interface()):
        for code in book.codes():
            english, vietnamese = book.get(code, "en") or "", book.get(code, "vi") or ""
            if english == vietnamese:
                continue
            for piece in _PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;()–—-")
                if len(piece) > 12 and piece not in vietnamese:
                    fragments.add(piece)
    return sorted(fragments, key=len, reverse=True)


FRAGMENTS = _english_fragments()


@pytest.fixture(scope="module")
def data_names(live_db: str) -> list[str]:
    """What people wrote in the data (shown as it is in either language), longest first."""
    data = services.load_dataset(SqlAlchemyUnitOfWork(live_db))
    names = {str(v) for frame, columns in (
        (data.products, ("code", "name")), (data.organizations, ("code", "name")), (data.regions, ("code", "name")),
        (data.budget_lines, ("code", "name")), (data.plans, ("code",)), (data.appraisals, ("note", "appraiser")),
    ) for column in columns if column in frame for v in frame[column].dropna()}
    names |= {u.name for u in services.list_users(SqlAlchemyUnitOfWork(live_db))}
    names |= {"chainplan"}
    return sorted((n for n in names if n.strip()), key=len, reverse=True)


#: The shipped scenarios that have a Vietnamese name: a Vietnamese page shows that, never the key.
KEYED = {scenario.name: scenario.name_vi for scenario in (load_scenario(path) for path in sorted(
    (Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))) if scenario.name_vi}


def english_in(text: str, names: list[str]) -> list[str]:
    """The English found in ``text`` (a page's visible text), data names taken out first."""
    found = [f"scenario {key!r} not by its name {title!r}" for key, title in KEYED.items()
             if re.search(rf"(?<![\w:/.-]){re.escape(key)}(?![\w.-])", text)]
    for name in names:
        text = text.replace(name, " ")
    text = _IDENTIFIER.sub(" ", text)  # a scenario key a refusal names (budget_scale, targets.new_products.min)
    found += [fragment for fragment in FRAGMENTS if fragment in text]
    found += [f"word {word!r}: …{text[max(0, m.start() - 40):m.end() + 40]}…" for word in ENGLISH_WORDS
              for m in [re.search(rf"(?<![\w-]){word}(?![\w-])", text, flags=re.IGNORECASE)] if m]
    return found


class Walk:
    """Checks each page state it is shown and keeps every finding, so one run reports every English text."""

    def __init__(self, page: Any, role: str, names: list[str], base: str) -> None:
        self.page, self.role, self.names, self.base = page, role, names, base
        self.findings: list[str] = []

    def check(self, name: str, *, screenshot: bool = True) -> None:
        self.page.wait_for_timeout(300)  # let grids and late callbacks draw
        text = self.page.evaluate("document.body.innerText")
        self.findings += [f"{self.role} {name}: {found}" for found in english_in(text, self.names)]
        if screenshot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"walk-{self.role}-{name}.png"), full_page=True)

    def visit(self, name: str, path: str, ready: str) -> None:
        self.page.goto(self.base + path)
        self.page.wait_for_selector(ready, state="attached")
        self.check(name)


@pytest.fixture
def walker(browser: Any, live_url: str, data_names: list[str]) -> Iterator[Any]:
    walks: list[Walk] = []

    def start(role: str) -> Walk:
        context = signed_in(browser, live_url, role)
        page = context.__enter__()
        walk = Walk(page, role, data_names, live_url)
        walk.context = context  # type: ignore[attr-defined]
        walks.append(walk)
        return walk

    yield start
    for walk in walks:
        walk.context.__exit__(None, None, None)  # type: ignore[attr-defined]


def test_the_detector_finds_english_and_leaves_vietnamese_and_data_alone(data_names: list[str]) -> None:
    assert len(FRAGMENTS) > 100, "the catalogues did not load: the walk would prove nothing"
    assert english_in("Kế hoạch phải đạt thẩm định cấp huyện trước khi tỉnh thẩm định.", data_names) == []
    assert english_in("Điểm phải từ 0 đến 100. Chè Đường Hoa, HTX Du lịch cộng đồng", data_names) == []
    assert english_in("The district appraisal must be passed first", data_names)
    assert english_in("Kế hoạch: passed", data_names)
    assert english_in("only .xlsx workbooks are accepted", data_names)
    assert english_in("Phương án 2 — concentrate (01/12/2026)", data_names)
    assert english_in("Phương án 2 — Hỗ trợ tập trung, không dàn trải", data_names) == []
    assert english_in("Sản phẩm mới – Tối thiểu (targets.new_products.min): Cần một số", data_names) == []


#: Every page of the e2e conftest's list, in Vietnamese. A viewer's users page has no rows to wait for.
PAGES = {name: (path + ("&" if "?" in path else "?") + "lang=vi", "#users-table" if name == "users" else ready)
         for name, (path, ready) in ALL_PAGES.items()}


def _open_tabs_and_lists(walk: Walk) -> None:
    """The allocation page's other tabs, and the scenario list opened (its options are in the page only then)."""
    page = walk.page
    for tab, grid in (("#tab-unfunded", "#unfunded-table .ag-row"), ("#tab-money", "#result-lines .ag-row")):
        page.click(tab)
        page.wait_for_selector(grid)
        walk.check(f"allocation-{tab[5:]}")
    page.click("#scenario-select")
    page.get_by_role("option").first.wait_for()
    walk.check("allocation-scenarios", screenshot=False)
    page.keyboard.press("Escape")
    # A money column's filter with its list of operators (the grid's own texts, given in the page's language).
    page.click("#tab-funded")
    header = page.locator("#funded-table .ag-header-cell[col-id='total_vnd']")
    header.hover()
    header.locator(".ag-header-cell-filter-button, .ag-header-icon, .ag-icon-filter, .ag-icon-menu").first.click()
    page.locator(".ag-filter .ag-picker-field-wrapper").first.click()
    page.locator(".ag-select-list").first.wait_for()
    walk.check("allocation-filter", screenshot=False)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def test_every_page_in_vietnamese_as_a_viewer(walker: Any) -> None:
    walk = walker("viewer")
    for name, (path, ready) in PAGES.items():
        walk.visit(name, path, ready)
        if name == "allocation":
            _open_tabs_and_lists(walk)
    # A forbidden action: the run button is disabled; forced on, the server refuses the run and the page says
    # nothing in English.
    walk.visit("allocation-forced", "/allocation?lang=vi&run=1", "#run-not-allowed")
    walk.page.evaluate("document.querySelector('#run-button').disabled = false")
    walk.page.click("#run-button")
    walk.page.wait_for_timeout(1500)
    walk.check("allocation-forced-run")
    assert not walk.findings, "\n".join(walk.findings)
    assert walk.page.errors == [] or all("403" in e for e in walk.page.errors)


def test_refusals_in_vietnamese_as_a_planner(walker: Any, tmp_path: Path, live_db: str) -> None:
    walk = walker("planner")
    page = walk.page
    before = len(services.runs_overview(SqlAlchemyUnitOfWork(live_db)))
    walk.visit("allocation", "/allocation?lang=vi&scenario=file:baseline-2020.yaml", "#scenario-form")
    page.fill("#scenario-form input[id*='\"max_plans_per_region\"']", "2,5")
    page.fill("#scenario-form input[id*='\"targets.new_products.min\"']", "-5")
    page.fill("#scenario-form input[id*='\"budget_scale\"']", "")
    page.click("#run-button")
    page.wait_for_selector("#scenario-problems")
    walk.check("allocation-bad-knobs")
    problems = page.inner_text("#scenario-problems")
    assert "max_plans_per_region" in problems and "2,5" in problems and "budget_scale" in problems
    assert len(services.runs_overview(SqlAlchemyUnitOfWork(live_db))) == before

    walk.visit("plans", "/plans?lang=vi", "#plans-table .ag-row")
    page.click("#appraisal-save")  # no plan chosen
    page.wait_for_selector("#appraisal-feedback span")
    walk.check("plans-no-plan")
    page.click("#appraisal-plan")
    page.get_by_role("option").first.click()
    page.fill("#appraisal-score", "150")
    page.click("#appraisal-save")
    page.wait_for_selector("#appraisal-refused")
    walk.check("plans-bad-score")
    text = tmp_path / "ghi-chu.txt"
    text.write_text("KH001;KH002\n", encoding="utf-8")
    renamed = tmp_path / "ghi-chu.xlsx"
    renamed.write_bytes(text.read_bytes())
    for upload in (text, renamed):
        page.set_input_files("#plans-upload input[type=file]", str(upload))
        page.wait_for_function("document.querySelector('#upload-refused')?.innerText.includes("
                               f"'{upload.name}')")
        walk.check(f"plans-upload-{upload.suffix[1:]}")

    walk.visit("frontier", "/frontier?lang=vi&run=1", "#risk-benefit")
    page.fill("#frontier-from", "160")
    page.click("#frontier-button")
    page.wait_for_selector("#frontier-message span")
    walk.check("frontier-bad-range")
    page.fill("#risk-draws", "5")
    page.press("#risk-draws", "Enter")
    page.wait_for_selector("#risk-empty")
    walk.check("frontier-bad-draws")
    assert not walk.findings, "\n".join(walk.findings)
    assert page.errors == []


def test_decisions_and_users_in_vietnamese_as_the_committee_and_the_admin(walker: Any) -> None:
    committee = walker("committee")
    committee.visit("decisions", "/decisions?lang=vi", "#runs-table .ag-row")
    committee.page.click("#adopt-button")  # no run chosen
    committee.page.wait_for_selector("#adopt-feedback span")
    committee.check("decisions-no-run")
    admin = walker("admin")
    admin.visit("users", "/users?lang=vi", "#users-table")
    admin.page.fill("#user-name", "lan")
    admin.page.fill("#user-password", "ngan")  # too short
    admin.page.click("#user-add")
    admin.page.wait_for_selector("#users-feedback span")
    admin.check("users-refused")
    admin.page.fill("#user-name", "hai tu")  # a space in a user name
    admin.page.fill("#user-password", "mat-khau-du-dai")
    admin.page.click("#user-add")
    admin.page.wait_for_timeout(500)
    admin.check("users-refused-name")
    for name, (path, ready) in PAGES.items():
        admin.visit(f"admin-{name}", path, ready)
    assert not committee.findings + admin.findings, "\n".join(committee.findings + admin.findings)
    assert committee.page.errors == [] and admin.page.errors == []
