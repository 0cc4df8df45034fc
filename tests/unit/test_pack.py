"""The committee pack as a committee receives it: names, sentences, print settings, text that stays text, and the
objective with its two parts, checked against what the runs themselves say."""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from chainplan import services
from chainplan.allocation import allocate
from chainplan.allocation.data import TARGET_OUTCOMES
from chainplan.dataset import Dataset
from chainplan.names import name_book
from chainplan.scenario import Scenario, load_scenario
from chainplan.wording import format_date, terms, text
from tests.allocation_helpers import instance, scenario
from tests.conftest import FakeUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: The demo's four options (README, "Comparing options").
DEMO_OPTIONS = ("baseline-2020", "concentrate", "equity", "chains-first")
HOSTILE_NAME = '=HYPERLINK("http://example.com/x","Bấm vào đây")'
HOSTILE_BY = "=1+2"
SCRIPT_NAME = "<script>alert(1)</script> & co"

# 70 VND on one line; a new-product target of 1 with the default penalty of 1,000 per product short.
# P1 (60 VND, benefit 10, the new product) alone: objective 10. P2 + P3 (70 VND, benefit 11, no new product):
# 11 − 1,000 = −989. Ranking by benefit per VND takes P2 (0.2), cannot fit P1 (0.17) and takes P3: more benefit
# than the optimiser and a far lower objective, which is what the committee must be able to read.
PLANS = [{"code": "P1", "benefit": 10, "requests": {"L1": 60}, "creates_new_product": True},
         {"code": "P2", "benefit": 6, "requests": {"L1": 30}},
         {"code": "P3", "benefit": 5, "requests": {"L1": 40}, "region": "B"}]
PRODUCTS = [{"code": "SP-P1", "name": "Chè Đường Hoa", "group": "food", "producer_code": "OA", "region_code": "A"},
            {"code": "SP-P2", "name": "Nước mắm Cái Rồng", "group": "food", "producer_code": "OA",
             "region_code": "A"},
            {"code": "SP-P3", "name": "Ba kích Ba Chẽ", "group": "food", "producer_code": "OB", "region_code": "B"}]


def _named_instance() -> Dataset:
    data = instance(PLANS, {"L1": 70}, products=[dict(p) for p in PRODUCTS])
    data.regions["name"] = data.regions["code"].map({"QN": "Tỉnh Quảng Ninh", "A": "Huyện Hải Hà",
                                                      "B": "Huyện Ba Chẽ"})
    data.organizations["name"] = data.organizations["code"].map({"OA": "HTX Hải Hà", "OB": "Hộ KD Ba Chẽ"})
    data.budget_lines["name"] = "Vốn sự nghiệp NTM tỉnh"
    return data


@pytest.fixture
def hostile_runs(fake_uow: FakeUnitOfWork) -> tuple[FakeUnitOfWork, list[int]]:
    """Two runs on named data whose scenario names and authors are what a careless or hostile user might type."""
    services._replace(fake_uow, _named_instance(), "hand-made")
    ids = []
    # The first funds P1 (60 VND); the second, with no penalty, P2 and P3 (70 VND, more benefit).
    for name, by, penalty in ((HOSTILE_NAME, HOSTILE_BY, 1000), (SCRIPT_NAME, "Phòng KH & ĐT", 0)):
        run = services.run_allocation(fake_uow, scenario(name=name, targets={"new_products": {"min": 1}},
                                                         shortfall_penalty=penalty), by=by)
        assert run.run_id is not None
        ids.append(run.run_id)
    return fake_uow, ids


def test_the_objective_is_expected_benefit_minus_the_penalty_on_a_hand_solved_case() -> None:
    result = allocate(_named_instance(), scenario(name="hand", targets={"new_products": {"min": 1}}))
    document = result.as_dict()
    assert result.funded_codes == ["P1"]
    assert (document["expected_benefit"], document["shortfall_penalty"], document["objective"]) == (10.0, 0.0, 10.0)
    greedy = document["comparison"]["greedy_benefit_per_vnd"]
    assert greedy["total_benefit"] == pytest.approx(11.0)
    assert greedy["shortfall_penalty"] == pytest.approx(1000.0)
    assert greedy["objective"] == pytest.approx(-989.0)


def _penalty_from_the_run(document: dict[str, Any], chosen: Scenario) -> float:
    """The penalty recomputed from what the run funded: each plan's chance of success and what it counts toward,
    the stamped and rated products before any plan, and the scenario's bounds and penalty per product."""
    if chosen.target_mode == "hard":
        return 0.0
    funded = document["funded_plans"]

    def expected(outcome: str) -> float:
        return sum(p["success_probability"] * p["counts"].get(outcome, 0.0) for p in funded)

    units = 0.0
    for name, bound in chosen.targets.items():
        if name == "e_stamp_share":
            stamped = document["stamp_base"][0] + expected("stamp_numerator")
            rated = document["stamp_base"][1] + expected("stamp_denominator")
            low = max(0.0, bound.min * rated - stamped) if bound.min is not None else 0.0
            high = max(0.0, stamped - bound.max * rated) if bound.max is not None else 0.0
        else:
            counted = expected(TARGET_OUTCOMES[name])
            low = max(0.0, bound.min - counted) if bound.min is not None else 0.0
            high = max(0.0, counted - bound.max) if bound.max is not None else 0.0
        units += low + high
    return chosen.shortfall_penalty * units


@pytest.mark.parametrize("name", ["baseline-2020", "equity", "reachable-2020", "robust", "hard"])
def test_the_objective_parts_add_up_and_match_the_run(demo: Dataset, name: str, tmp_path: Path) -> None:
    if name == "hard":  # every target hard and reachable: no penalty, objective = benefit
        path = tmp_path / "hard.yaml"
        path.write_text("name: hard\ntarget_mode: hard\ntargets: {new_organizations: {min: 5}}\n", encoding="utf-8")
    else:
        path = SCENARIOS / f"{name}.yaml"
    chosen = load_scenario(path)
    document = allocate(demo, chosen, compare_baselines=False).as_dict()
    assert document["status"] == "optimal"
    benefit = sum(p["benefit"] for p in document["funded_plans"])
    penalty = _penalty_from_the_run(document, chosen)
    assert document["expected_benefit"] == pytest.approx(benefit, abs=1e-4)
    assert document["expected_benefit"] - document["shortfall_penalty"] == pytest.approx(document["objective"],
                                                                                       abs=1e-5)
    if chosen.objective == "robust":
        # Each target must hold with 90 % probability: short of that bound is short of the mean, and more.
        assert document["shortfall_penalty"] >= penalty - 1e-6
    else:
        assert document["shortfall_penalty"] == pytest.approx(penalty, rel=1e-7, abs=1e-5)
        assert benefit - penalty == pytest.approx(document["objective"], rel=1e-7, abs=1e-5)
    if name == "baseline-2020":
        assert penalty > 1000  # the demo cannot reach the 2020 targets: the test would prove nothing otherwise


def _cells(workbook: Any) -> list[Any]:
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def test_text_from_users_stays_text_in_the_workbook(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                    tmp_path: Path) -> None:
    uow, ids = hostile_runs
    pack = tmp_path / "pack.xlsx"
    services.compare(uow, ids, out=pack, lang="vi")
    workbook = load_workbook(pack)
    assert [c.coordinate for c in _cells(workbook) if c.data_type == "f"] == []
    found = {c.value: c.data_type for c in _cells(workbook) if isinstance(c.value, str)}
    assert found[text("phrase.option_title", "vi", scenario=HOSTILE_NAME, run=ids[0])] == "s"
    assert found[HOSTILE_BY] == "s"
    with zipfile.ZipFile(pack) as archive:
        sheets = [archive.read(name).decode("utf-8") for name in archive.namelist()
                  if name.startswith("xl/worksheets/")]
    assert sheets and not any(re.search(r"<f[ >]", xml) for xml in sheets)


def test_text_from_users_is_escaped_in_the_report(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                  tmp_path: Path) -> None:
    uow, ids = hostile_runs
    report = tmp_path / "pack.html"
    services.compare(uow, ids, report=report, lang="en")
    written = report.read_text(encoding="utf-8")
    assert "<script" not in written  # neither the user's nor a charting library's: the charts are inline SVG
    assert html.escape(SCRIPT_NAME) in written and html.escape("Phòng KH & ĐT") in written
    assert "<svg" in written and report.stat().st_size < 60_000
    assert html.escape(text("phrase.objective_explained", "en")) in written


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_sheet_prints_landscape_one_page_wide_with_its_headers(
        hostile_runs: tuple[FakeUnitOfWork, list[int]], tmp_path: Path, lang: str) -> None:
    uow, ids = hostile_runs
    pack = tmp_path / "pack.xlsx"
    services.compare(uow, ids, out=pack, lang=lang)
    workbook = load_workbook(pack)
    titles = {text("phrase.option_title", lang, scenario=name, run=run)
              for name, run in zip((HOSTILE_NAME, SCRIPT_NAME), ids, strict=True)}
    today = format_date(dt.date.today(), lang)
    assert len(workbook.sheetnames) == 7
    for sheet in workbook:
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize), setup.fitToWidth, setup.fitToHeight) == \
            ("landscape", "9", 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        first, last = (int(n) for n in re.fullmatch(r"\$?(\d+):\$?(\d+)", sheet.print_title_rows).groups())
        header = {c.value for row in sheet.iter_rows(min_row=first, max_row=last) for c in row}
        assert titles & header, sheet.title  # the options, by their scenario names, head every page
        assert sheet.freeze_panes is not None and int(re.sub(r"\D", "", sheet.freeze_panes)) == last + 1
        assert sheet.oddHeader.center.text == text("sheet.title", lang)
        assert today in sheet.oddHeader.right.text and sheet.title in sheet.oddHeader.left.text
        assert "&P" in sheet.oddFooter.center.text and "&N" in sheet.oddFooter.center.text


def _sheet_rows(sheet: Any) -> tuple[list[Any], list[list[Any]]]:
    """(the header row, the body rows) of a view: the header is the last print-title row."""
    last = int(re.fullmatch(r"\$?\d+:\$?(\d+)", sheet.print_title_rows).group(1))
    rows = [list(row) for row in sheet.iter_rows(min_row=last, values_only=True)]
    return rows[0], rows[1:]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_names_numbers_and_the_objective_in_words(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                  tmp_path: Path, lang: str) -> None:
    uow, ids = hostile_runs
    pack = tmp_path / "pack.xlsx"
    comparison = services.compare(uow, ids, out=pack, lang=lang)
    workbook = load_workbook(pack)
    summary, plans, lines, regions = (workbook[workbook.sheetnames[i]] for i in (0, 2, 3, 4))
    _, body = _sheet_rows(summary)
    by_label = {row[0]: row[1:] for row in body}
    benefit = by_label[text("column.total_benefit", lang)]
    penalty = by_label[text("column.shortfall_penalty", lang)]
    objective = by_label[text("column.objective", lang)]
    for run, b, p, o in zip(comparison.runs.to_dict("records"), benefit, penalty, objective, strict=True):
        assert (b, p, o) == pytest.approx((run["total_benefit"], run["shortfall_penalty"], run["objective"]))
        assert b - p == pytest.approx(o)
    assert by_label[text("column.funded_vnd", lang)] == [60, 70]  # numbers, formatted, not text
    assert [c.number_format for c in summary[[r[0].value for r in summary.iter_rows()].index(
        text("column.funded_vnd", lang)) + 1][1:]] == ['#,##0 "₫"'] * 2
    assert any(text("phrase.objective_explained", lang) == c.value for c in summary["A"])
    # Plans as "product — organisation", regions and lines by name, codes kept beside them.
    book = name_book(uow.committed.dataset)
    _, body = _sheet_rows(plans)
    assert {(row[0], row[1], row[2]) for row in body} == {
        ("Chè Đường Hoa — HTX Hải Hà", "P1", "Huyện Hải Hà"), ("Nước mắm Cái Rồng — HTX Hải Hà", "P2", "Huyện Hải Hà"),
        ("Ba kích Ba Chẽ — Hộ KD Ba Chẽ", "P3", "Huyện Ba Chẽ")}
    assert all(row[0] == book["plan"][row[1]] for row in body)
    assert [row[0] for row in _sheet_rows(lines)[1]] == ["Vốn sự nghiệp NTM tỉnh"]
    # One row per region, one group of columns per option; each option's regions add up to what it funds.
    header, body = _sheet_rows(regions)
    assert sorted(row[0] for row in body) == ["Huyện Ba Chẽ", "Huyện Hải Hà"]
    money = [i for i, title in enumerate(header) if title == text("column.amount_vnd", lang)]
    assert [sum(row[i] for row in body) for i in money] == [60, 70]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_reasons_are_the_runs_sentences_in_the_packs_language(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                              tmp_path: Path, lang: str) -> None:
    uow, ids = hostile_runs
    pack = tmp_path / "pack.xlsx"
    services.compare(uow, ids, out=pack, lang=lang)
    workbook = load_workbook(pack)
    _, body = _sheet_rows(workbook[workbook.sheetnames[-1]])
    said = "explanation_vi" if lang == "vi" else "explanation"
    for position, run_id in enumerate(ids):
        decisions = {d["plan_code"]: d[said] for d in services.stored_run(uow, run_id).result["decisions"]}
        for row in body:
            # A sentence every option shares is written once, across the options' columns.
            sentence = row[2 + position] if row[2 + position] is not None else row[2]
            assert sentence == decisions[row[1]]
    reasons = set(terms("reason", "en"))
    assert reasons and not [c.value for c in _cells(workbook) if c.value in reasons]


def test_the_packs_of_both_languages_say_the_same_in_other_words(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                                 tmp_path: Path) -> None:
    uow, ids = hostile_runs
    values = {}
    for lang in ("vi", "en"):
        services.compare(uow, ids, out=tmp_path / f"{lang}.xlsx", lang=lang)
        workbook = load_workbook(tmp_path / f"{lang}.xlsx")
        values[lang] = [[c.value for c in _cells(workbook) if isinstance(c.value, int | float)], workbook.sheetnames]
    assert values["vi"][0] == values["en"][0]  # the same figures
    assert set(values["vi"][1]).isdisjoint(values["en"][1])  # in each language's words


def test_every_body_cell_has_the_look_of_its_kind(hostile_runs: tuple[FakeUnitOfWork, list[int]],
                                                  tmp_path: Path) -> None:
    # Body cells share their looks (the writer copies each look's style from the first cell that has it): every
    # cell must still carry the font, border, alignment and number format of its own kind.
    from chainplan.io.pack import _FONT, _FORMATS

    uow, ids = hostile_runs
    services.compare(uow, ids, out=tmp_path / "pack.xlsx", lang="vi")
    workbook = load_workbook(tmp_path / "pack.xlsx")
    checked = 0
    for sheet in workbook.worksheets[1:] if workbook.sheetnames[0].lower().startswith("readme") else \
            workbook.worksheets:
        last = int(re.fullmatch(r"\$?\d+:\$?(\d+)", sheet.print_title_rows).group(1))
        for row in sheet.iter_rows(min_row=last + 1):
            for cell in row:
                if type(cell).__name__ == "MergedCell":
                    continue
                numeric = isinstance(cell.value, int | float) and cell.number_format in _FORMATS.values()
                assert (cell.font.name, cell.font.bold, cell.border.left.style, cell.alignment.vertical) == \
                    (_FONT, False, "thin", "top"), (sheet.title, cell.coordinate)
                assert bool(cell.alignment.wrap_text) is (not numeric), (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    assert cell.number_format in _FORMATS.values(), (sheet.title, cell.coordinate)
                checked += 1
    assert checked > 20
