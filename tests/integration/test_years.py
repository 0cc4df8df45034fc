"""Programme years on real databases (SQLite always, PostgreSQL when CI provides it): an import replaces only the
years it contains, shows what it will change first, and refuses to overwrite what was recorded in the tool."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from chainplan import services
from chainplan.appraisal import Appraisal
from chainplan.dataset import Dataset, DatasetError
from chainplan.io import write_dataset
from chainplan.schema import SHEETS
from chainplan.years import dataset_for_year, programme_years
from models.cli import main
from models.uow import SqlAlchemyUnitOfWork
from tests.unit.test_dataset_checks import BASE

YEARLY = ("budget_lines", "plans", "plan_requests", "appraisals")


def year_records(year: int, *, blank_year: bool = False) -> dict[str, list[dict[str, Any]]]:
    """BASE as the workbook of ``year``: plan and line codes carry the year (codes are unique across years)."""
    records = copy.deepcopy(BASE)
    suffix = f"-{year}"
    for line in records["budget_lines"]:
        line["code"] += suffix
        line["year"] = None if blank_year else year
    for plan in records["plans"]:
        plan["code"] += suffix
        plan["year"] = None if blank_year else year
        if plan.get("requires_plan"):
            plan["requires_plan"] += suffix
    for request in records["plan_requests"]:
        request["plan_code"] += suffix
        request["budget_line_code"] += suffix
    for appraisal in records["appraisals"]:
        appraisal["plan_code"] += suffix
    return records


def workbook(tmp_path: Path, name: str, records: dict[str, list[dict[str, Any]]]) -> Path:
    return write_dataset(Dataset.from_records(records), tmp_path / name)


def stored(url: str) -> Dataset:
    return services.load_dataset(SqlAlchemyUnitOfWork(url))


def test_importing_2019_then_2020_keeps_both(database_url: str, tmp_path: Path) -> None:
    services.import_dataset(workbook(tmp_path, "2019.xlsx", year_records(2019)), SqlAlchemyUnitOfWork(database_url))
    services.import_dataset(workbook(tmp_path, "2020.xlsx", year_records(2020, blank_year=True)),
                            SqlAlchemyUnitOfWork(database_url), year=2020)  # blank years take --year
    data = stored(database_url)
    assert programme_years(data) == [2019, 2020]
    for year in (2019, 2020):  # each year's sheets as its file wrote them, the current state shared
        assert dataset_for_year(data, year).to_records() == Dataset.from_records(year_records(year)).to_records()


def test_reimporting_a_year_changes_nothing(database_url: str, tmp_path: Path) -> None:
    first = workbook(tmp_path, "2019.xlsx", year_records(2019))
    services.import_dataset(first, SqlAlchemyUnitOfWork(database_url))
    path = workbook(tmp_path, "2020.xlsx", year_records(2020))
    services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    before = stored(database_url).fingerprint()
    dry = services.import_dataset(path, SqlAlchemyUnitOfWork(database_url), dry_run=True)
    assert dry.unchanged and dry.preview is not None and dry.preview.counts() == []
    again = services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    assert again.unchanged and stored(database_url).fingerprint() == before


def test_a_changed_year_is_previewed_by_sheet_and_year(database_url: str, tmp_path: Path) -> None:
    services.import_dataset(workbook(tmp_path, "2019.xlsx", year_records(2019)), SqlAlchemyUnitOfWork(database_url))
    services.import_dataset(workbook(tmp_path, "2020.xlsx", year_records(2020)), SqlAlchemyUnitOfWork(database_url))
    records = year_records(2020)
    records["plans"][0]["priority_points"] = 3.0  # changed
    records["plans"].append({**records["plans"][0], "code": "C-2020", "requires_plan": None})  # added
    records["appraisals"] = []  # removed
    before = stored(database_url)
    report = services.import_dataset(workbook(tmp_path, "2020b.xlsx", records), SqlAlchemyUnitOfWork(database_url),
                                     dry_run=True)
    assert stored(database_url).fingerprint() == before.fingerprint()  # a dry run writes nothing
    assert report.preview is not None
    assert report.preview.counts() == [
        {"sheet": "plans", "year": 2020, "added": 1, "changed": 1, "removed": 0},
        {"sheet": "appraisals", "year": 2020, "added": 0, "changed": 0, "removed": 1},
    ]
    changes = {(c["sheet"], c["year"]): c for c in report.preview.as_dict()["changes"]}
    assert changes[("plans", 2020)]["changed"] == [{"code": "A-2020"}]
    assert changes[("appraisals", 2020)]["removed"] == [{"plan_code": "A-2020", "stage": "district"}]
    services.import_dataset(workbook(tmp_path, "2020b.xlsx", records), SqlAlchemyUnitOfWork(database_url))
    after = stored(database_url)
    assert dataset_for_year(after, 2019).to_records() == dataset_for_year(before, 2019).to_records()
    assert sorted(after.plans["code"]) == ["A-2019", "A-2020", "B-2019", "B-2020", "C-2020"]


def test_export_then_import_into_an_empty_database_reproduces_it(database_url: str, tmp_path: Path) -> None:
    for year in (2020, 2018, 2019):  # out of order: storage keeps each year's rows together, oldest first
        services.import_dataset(workbook(tmp_path, f"{year}.xlsx", year_records(year)),
                                SqlAlchemyUnitOfWork(database_url))
    original = stored(database_url)
    exported = services.export_dataset(tmp_path / "all.xlsx", SqlAlchemyUnitOfWork(database_url))
    copy_url = database_url.replace("test.db", "copy.db") if database_url.startswith("sqlite") else None
    if copy_url is None:  # PostgreSQL: empty the same database, then import the export
        services._replace(SqlAlchemyUnitOfWork(database_url), Dataset.empty(), "empty")
        copy_url = database_url
    services.import_dataset(exported, SqlAlchemyUnitOfWork(copy_url), year=2001)  # every row has its year
    assert stored(copy_url).to_records() == original.to_records()
    assert stored(copy_url).fingerprint() == original.fingerprint()
    assert set(stored(copy_url).plans["year"]) == {2018, 2019, 2020}


def test_a_code_stored_for_another_year_is_refused_naming_both_years(database_url: str, tmp_path: Path) -> None:
    services.import_dataset(workbook(tmp_path, "2019.xlsx", year_records(2019)), SqlAlchemyUnitOfWork(database_url))
    before = stored(database_url).fingerprint()
    records = year_records(2020)
    records["plans"][1]["code"] = "B-2019"  # a 2019 plan's code, now in 2020
    records["plan_requests"][1]["plan_code"] = "B-2019"
    with pytest.raises(DatasetError) as caught:
        services.import_dataset(workbook(tmp_path, "2020.xlsx", records), SqlAlchemyUnitOfWork(database_url))
    [problem] = [p for p in caught.value.problems if p.code == "error.dataset.code_in_other_year"]
    assert (problem.sheet, problem.row, problem.column, problem.value) == ("plans", 3, "code", "B-2019")
    assert "2019" in problem.reason and "2020" in problem.reason
    assert "2019" in problem.located("vi") and "2020" in problem.located("vi")
    assert stored(database_url).fingerprint() == before


def test_the_preview_names_an_appraisal_recorded_on_the_web_and_import_needs_yes(
        database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = workbook(tmp_path, "2020.xlsx", year_records(2020))
    services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    # What the plans page does when a planner saves an appraisal.
    services.record_appraisal(SqlAlchemyUnitOfWork(database_url),
                              Appraisal("A-2020", "province", "passed", "81,5", dt.date(2020, 5, 4), "lan"))
    assert main(["--db", database_url, "import", str(path), "--dry-run", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["dry_run"] and document["overwritten"] == [
        {"sheet": "appraisals", "plan_code": "A-2020", "stage": "province", "change": "removed",
         "recorded_at": document["overwritten"][0]["recorded_at"], "recorded_by": "lan"}]
    assert main(["--db", database_url, "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "the province appraisal of A-2020, recorded by lan on" in out and "--yes" in out
    # Without --yes: refused, exit 2, the appraisal named, nothing written.
    assert main(["--db", database_url, "import", str(path)]) == 2
    err = capsys.readouterr().err
    assert "the province appraisal of A-2020" in err and "--yes" in err
    appraisals = stored(database_url).appraisals
    assert ((appraisals["plan_code"] == "A-2020") & (appraisals["stage"] == "province")).sum() == 1
    # With --yes the file wins, and the mark goes: the next import has nothing recorded to lose.
    assert main(["--db", database_url, "import", str(path), "--yes"]) == 0
    capsys.readouterr()
    assert stored(database_url).to_records()["appraisals"] == Dataset.from_records(
        year_records(2020)).to_records()["appraisals"]
    with SqlAlchemyUnitOfWork(database_url) as uow:
        assert uow.repository.tool_records() == []


def test_an_appraisal_the_file_carries_unchanged_is_not_overwritten(database_url: str, tmp_path: Path) -> None:
    records = year_records(2020)
    services.import_dataset(workbook(tmp_path, "2020.xlsx", records), SqlAlchemyUnitOfWork(database_url))
    services.record_appraisal(SqlAlchemyUnitOfWork(database_url),
                              Appraisal("A-2020", "province", "passed", 81.5, dt.date(2020, 5, 4), "lan"))
    # The planner exported after the web appraisal and sends the file back: nothing recorded is lost.
    path = services.export_dataset(tmp_path / "back.xlsx", SqlAlchemyUnitOfWork(database_url))
    report = services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    assert report.unchanged and report.preview is not None and report.preview.overwritten == ()


def test_importing_another_year_leaves_this_years_runs_adoptable(demo_years_url: str, tmp_path: Path) -> None:
    from chainplan.scenario import Scenario

    run = services.run_allocation(SqlAlchemyUnitOfWork(demo_years_url), Scenario(name="y2020", year=2020), by="t")
    assert run.result.status in ("optimal", "feasible")
    # Another year of plans, with the same current state: 2020's run still reads the same data.
    data = stored(demo_years_url)
    extra = data.to_records()
    extra = {name: rows for name, rows in extra.items() if name not in YEARLY}
    extra["budget_lines"] = [{"code": "NEW-2021", "name": "2021", "source": "local", "amount_vnd": 10, "year": 2021}]
    plan = dict(data.to_records()["plans"][0])
    extra["plans"] = [{**plan, "code": "NEW-PLAN-2021", "year": 2021, "requires_plan": None, "excludes_plans": []}]
    extra["plan_requests"] = [{"plan_code": "NEW-PLAN-2021", "budget_line_code": "NEW-2021", "amount_vnd": 5}]
    services.import_dataset(workbook(tmp_path, "2021.xlsx", extra), SqlAlchemyUnitOfWork(demo_years_url),
                            overwrite=True)
    assert 2021 in programme_years(stored(demo_years_url))
    [entry] = services.adopt_run(SqlAlchemyUnitOfWork(demo_years_url), run.run_id or 0, by="Ban Chỉ đạo")
    assert (entry.action, entry.year) == ("adopt", 2020)  # the run's year by default


@pytest.fixture
def demo_years_url(database_url: str) -> str:
    """The demo with its history, stored."""
    services.load_demo(SqlAlchemyUnitOfWork(database_url))
    return database_url


def test_every_sheet_is_covered_by_the_year_rules() -> None:
    from chainplan.years import CURRENT_STATE_SHEETS, YEARLY_SHEETS

    assert set(YEARLY_SHEETS) | set(CURRENT_STATE_SHEETS) == set(SHEETS)


def test_the_checks_across_years_read_from_the_database_what_reading_every_year_would_find(
        database_url: str, tmp_path: Path) -> None:
    from chainplan.io.workbook import read_input

    def with_more(year: int) -> dict[str, list[dict[str, Any]]]:
        # Two kept years naming a product, an organization and a region the 2020 file no longer has.
        records = year_records(year)
        records["regions"].append({"code": "TY", "name": "Tiên Yên", "level": "district", "parent_code": "QN"})
        records["organizations"].append({"code": "P2", "name": "HTX 2", "role": "producer", "region_code": "TY"})
        records["products"].append({"code": "SP2", "name": "Chè", "group": "food", "producer_code": "P2",
                                    "region_code": "TY"})
        records["plans"].append({"code": f"C-{year}", "product_code": "SP2", "organization_code": "P2",
                                 "purpose": "upgrade", "year": year})
        records["budget_lines"].append({"code": f"NS-TY-{year}", "name": "Tiên Yên", "source": "local",
                                        "amount_vnd": 30, "region_code": "TY", "year": year})
        return records

    for year in (2018, 2019):
        services.import_dataset(workbook(tmp_path, f"{year}.xlsx", with_more(year)), SqlAlchemyUnitOfWork(database_url))
    records = year_records(2020)
    records["plans"][1]["code"] = "B-2019"  # a 2019 plan's code, now in 2020
    records["plan_requests"][1]["plan_code"] = "B-2019"
    records["budget_lines"][0]["code"] = "NTM-2018"  # a 2018 line's code
    records["plan_requests"][0]["budget_line_code"] = "NTM-2018"
    records["outcomes"] = [{"plan_code": "A-2018", "reported_on": dt.date(2019, 5, 1), "status": "completed"},
                           {"plan_code": "ZZ", "reported_on": dt.date(2019, 5, 1), "status": "completed"}]
    path = workbook(tmp_path, "2020.xlsx", records)

    def problems(stored: Any) -> list[tuple[Any, ...]]:
        with pytest.raises(DatasetError) as caught:
            read_input(path, stored=stored)
        return [(p.sheet, p.row, p.column, p.value, p.code, json.dumps(p.params, default=str, sort_keys=True))
                for p in caught.value.problems]

    uow = SqlAlchemyUnitOfWork(database_url)
    with uow:
        from_database = problems(uow.repository.year_index)
    every_year = problems(stored(database_url))
    assert from_database == every_year
    found = {(sheet, value, code) for sheet, _row, _column, value, code, _params in every_year}
    assert {("plans", "B-2019", "error.dataset.code_in_other_year"),
            ("budget_lines", "NTM-2018", "error.dataset.code_in_other_year"),
            ("products", "SP2", "error.dataset.kept_year_needs"),
            ("organizations", "P2", "error.dataset.kept_year_needs"),
            ("regions", "TY", "error.dataset.kept_year_needs")} <= found
    # The outcome of a kept year's plan is known; the unknown plan is not.
    assert [value for sheet, _row, _column, value, _code, _params in every_year if sheet == "outcomes"] == ["ZZ"]
    [needs] = [params for sheet, _row, _column, value, _code, params in every_year if value == "SP2"]
    assert "C-2018" in needs and "2018" in needs  # the first kept plan naming it
