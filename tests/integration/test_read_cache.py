"""The services' cache of read-mostly views (``chainplan/services/_cache.py``) never gives a stale answer: a write
committed by another process (the command line, another gunicorn worker, a background solve), of any programme
year, is seen by the next read here, on SQLite and PostgreSQL. What is compared is always the cached answer against
one computed afresh from the database (``CHAINPLAN_CACHE=0``), never against a copy of an earlier output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chainplan import services
from chainplan.dataset import Dataset
from chainplan.io import write_dataset
from chainplan.ports import UnitOfWork
from chainplan.scenario import Scenario
from chainplan.services._cache import MEMO
from chainplan.services.data import stored_dataset
from chainplan.years import YEARLY_SHEETS, row_years
from models.storage import SqlAlchemyStorage

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def url(database_url: str) -> Iterator[str]:
    """The demo stored with its history (runs adopted for 2017-2019); nothing remembered from an earlier test."""
    MEMO.clear()
    services.load_demo(SqlAlchemyStorage().unit_of_work(database_url))
    yield database_url
    MEMO.clear()


def uow(url: str) -> UnitOfWork:
    return SqlAlchemyStorage().unit_of_work(url)


def fresh(url: str, read: Callable[[UnitOfWork], Any]) -> Any:
    """``read(uow)`` with the cache off: what the database holds now."""
    os.environ["CHAINPLAN_CACHE"] = "0"
    try:
        return read(uow(url))
    finally:
        del os.environ["CHAINPLAN_CACHE"]


def in_another_process(url: str, code: str) -> str:
    """Run ``code`` (with ``services``, ``uow`` and ``url`` defined) in a new Python process; its printed output."""
    program = textwrap.dedent("""
        import sys
        from chainplan import services
        from models.storage import SqlAlchemyStorage
        url = sys.argv[1]
        def uow():
            return SqlAlchemyStorage().unit_of_work(url)
    """) + textwrap.dedent(code)
    done = subprocess.run([sys.executable, "-c", program, url], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def command_line(url: str, *arguments: str) -> None:
    done = subprocess.run([sys.executable, "-m", "models.cli", "--db", url, *arguments], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def prepared(scenario: Scenario) -> Callable[[UnitOfWork], tuple[str, str, str]]:
    """What a run of ``scenario`` reads, as comparable values: the scenario as run, the data's and the run's
    fingerprints."""
    def read(unit: UnitOfWork) -> tuple[str, str, str]:
        ready = services.prepare_scenario(unit, scenario)
        return ready.scenario.model_dump_json(), ready.dataset.fingerprint(), ready.fingerprint
    return read


def year_workbook(dataset: Dataset, year: int, path: Path, change: Callable[[dict[str, list[dict[str, Any]]]], None]
                  ) -> Path:
    """A workbook of ``dataset``'s current state and of ``year`` only (an import replaces that year), changed."""
    records = dataset.to_records()
    plans = {str(code) for code, y in zip(dataset.plans["code"], row_years(dataset, "plans"), strict=True)
             if not pd.isna(y) and int(y) == year}
    for sheet in YEARLY_SHEETS:
        years = row_years(dataset, sheet)
        if sheet in ("plans", "budget_lines"):
            records[sheet] = [row for row, y in zip(records[sheet], years, strict=True)
                              if not pd.isna(y) and int(y) == year]
        else:
            records[sheet] = [row for row in records[sheet] if str(row["plan_code"]) in plans]
    change(records)
    return write_dataset(Dataset.from_records(records), path)


def test_a_read_is_remembered_until_something_is_written(url: str) -> None:
    first = services.load_dataset(uow(url))
    assert services.load_dataset(uow(url)) is first  # remembered: the same object, not read again
    gaps = services.chain_gaps(uow(url), tier="national")
    assert services.chain_gaps(uow(url), tier="national") == gaps
    # Writes to what no cached view shows (users, sessions) leave the dataset's generation as it was.
    services.add_user(uow(url), "someone", role="viewer", password="long-enough-1")
    services.open_session(uow(url), "someone")
    assert services.load_dataset(uow(url)) is first


def test_an_import_from_the_command_line_is_seen_at_once(url: str, demo: Dataset, tmp_path: Path) -> None:
    before = services.chain_gaps(uow(url))
    services.chain_catalogue(uow(url))
    services.indicators(uow(url))
    # A workbook without the first product's links: its chain loses them, so its gaps change.
    product = str(demo.products["code"].iloc[0])
    links = [row for row in demo.to_records()["links"] if row["product_code"] != product]
    workbook = write_dataset(demo.with_records("links", links), tmp_path / "changed.xlsx")
    command_line(url, "import", str(workbook))
    after = services.chain_gaps(uow(url))
    assert after == fresh(url, services.chain_gaps)
    assert after != before
    assert services.load_dataset(uow(url)).fingerprint() == fresh(url, services.load_dataset).fingerprint()
    assert services.chain_catalogue(uow(url)) == fresh(url, services.chain_catalogue)
    assert services.indicators(uow(url)) == fresh(url, services.indicators)
    assert len(services.load_dataset(uow(url)).links) == len(links)


def test_an_import_of_another_year_is_seen_at_once_by_every_year(url: str, demo: Dataset, tmp_path: Path) -> None:
    # Runs of 2019 and of 2020 read only their years (2020 calibrated: every year up to it).
    y2019 = prepared(Scenario(name="y2019", year=2019))
    y2020 = prepared(Scenario(name="y2020", year=2020, success_probability="calibrated"))
    before_2019, before_2020 = y2019(uow(url)), y2020(uow(url))
    years_before = services.plan_years(uow(url))

    def change(records: dict[str, list[dict[str, Any]]]) -> None:
        for line in records["budget_lines"]:
            line["amount_vnd"] = int(line["amount_vnd"]) + 1_000_000
        for plan in records["plans"]:
            plan["success_probability"] = 0.5
        # A new year's plan and line come with the file: the years that have plans change too.
        plan = dict(records["plans"][0])
        records["plans"].append({**plan, "code": "KH-2021-MOI", "year": 2021, "requires_plan": None,
                                 "excludes_plans": []})
        records["budget_lines"].append({**records["budget_lines"][0], "code": "NS-2021-MOI", "year": 2021})
        records["plan_requests"].append({"plan_code": "KH-2021-MOI", "budget_line_code": "NS-2021-MOI",
                                         "amount_vnd": 1_000_000})

    command_line(url, "import", str(year_workbook(demo, 2019, tmp_path / "2019.xlsx", change)), "--yes")
    after_2019, after_2020 = y2019(uow(url)), y2020(uow(url))
    assert after_2019 == fresh(url, y2019) and after_2019[1] != before_2019[1]
    # A calibrated 2020 run reads 2019's plans: what it is stored with changes.
    assert after_2020 == fresh(url, y2020) and after_2020[2] != before_2020[2]
    years = services.plan_years(uow(url))
    assert years == fresh(url, services.plan_years) and years == sorted({*years_before, 2021})
    # Without a year, a scenario runs on the latest year: now 2021's single plan.
    latest = prepared(Scenario(name="latest"))
    assert latest(uow(url)) == fresh(url, latest)
    assert json.loads(latest(uow(url))[0])["year"] == 2021


def test_an_appraisal_saved_by_another_process_is_seen_at_once(url: str, demo: Dataset) -> None:
    register = services.register_view(uow(url), None, None)
    plan = str(demo.plans["code"].iloc[-1])  # a plan of the latest year, which the register shows
    stage = "district"
    before = services.load_dataset(uow(url)).appraisals
    in_another_process(url, f"""
        import datetime as dt
        from chainplan.appraisal import Appraisal
        services.record_appraisal(uow(), Appraisal({plan!r}, {stage!r}, "failed", 12, dt.date(2026, 3, 1), "other"))
    """)
    after = services.load_dataset(uow(url)).appraisals
    row = after[(after["plan_code"] == plan) & (after["stage"] == stage)]
    assert list(row["status"]) == ["failed"] and list(row["appraiser"]) == ["other"]
    assert not after.equals(before)
    assert after.equals(fresh(url, services.load_dataset).appraisals)
    again = services.register_view(uow(url), None, None)
    assert again.register.equals(fresh(url, lambda u: services.register_view(u, None, None)).register)
    assert not again.register.equals(register.register)


def test_an_inspection_recorded_elsewhere_is_seen_at_once(url: str, demo: Dataset) -> None:
    organization = str(demo.organizations["code"].iloc[0])
    before = services.inspections_view(uow(url), organization)
    services.chain_view(uow(url), str(demo.products["code"].iloc[0]))
    in_another_process(url, f"""
        import datetime as dt
        from chainplan.recording import Inspection
        services.record_inspection(uow(), Inspection({organization!r}, "facility", "violation",
                                                     dt.date(2026, 3, 1), "nhãn sai"))
    """)
    after = services.inspections_view(uow(url), organization)
    assert len(after.inspections) == len(before.inspections) + 1
    assert after.inspections.equals(fresh(url, lambda u: services.inspections_view(u, organization)).inspections)
    for product in demo.products["code"].head(3):
        assert services.chain_view(uow(url), str(product)) == fresh(url, lambda u, p=product:
                                                                    services.chain_view(u, str(p)))


def test_runs_and_decisions_from_another_process_are_seen_at_once(url: str) -> None:
    history = services.runs_overview(uow(url))
    stored = json.loads(in_another_process(url, f"""
        import json
        run = services.run_allocation(uow(), {str(SCENARIOS / "baseline-2020.yaml")!r}, by="cli")
        print(json.dumps(run.run_id))
    """))
    overview = services.runs_overview(uow(url))
    assert [row["run_id"] for row in overview] == [stored] + [row["run_id"] for row in history]
    assert overview == fresh(url, services.runs_overview)
    in_another_process(url, f"services.adopt_run(uow(), {stored}, by='committee', year=2020)")
    adopted = services.runs_overview(uow(url))
    assert adopted == fresh(url, services.runs_overview)
    assert adopted[0]["decision"] == "adopted" and overview[0]["decision"] is None


def test_a_reader_that_began_before_a_write_keeps_its_own_snapshot_and_remembers_nothing_stale(
        url: str, demo: Dataset) -> None:
    # A unit of work opened before an import keeps its snapshot (REPEATABLE READ, SQLite's WAL): what it reads
    # is filed under its own, older generation, so a unit of work opened after the import never gets it.
    storage = SqlAlchemyStorage()
    opened = threading.Event()
    written = threading.Event()
    seen: dict[str, str] = {}

    def old_reader() -> None:
        with storage.unit_of_work(url) as reader:
            reader.repository.data_version("dataset")  # the snapshot begins here
            opened.set()
            written.wait(60)
            seen["old"] = stored_dataset(reader).fingerprint()

    thread = threading.Thread(target=old_reader)
    thread.start()
    opened.wait(60)
    smaller = demo.with_records("links", demo.to_records()["links"][1:])
    services.data._replace(storage.unit_of_work(url), smaller, "test")
    written.set()
    thread.join(60)
    assert seen["old"] == demo.fingerprint()
    assert services.load_dataset(storage.unit_of_work(url)).fingerprint() == smaller.fingerprint()


def test_a_unit_of_work_that_wrote_reads_its_own_data_and_remembers_none_of_it(url: str, demo: Dataset) -> None:
    smaller = demo.with_records("links", demo.to_records()["links"][2:])
    with uow(url) as unit:
        unit.repository.replace(smaller)
        assert unit.repository.data_version("dataset") is None
        assert stored_dataset(unit).fingerprint() == smaller.fingerprint()  # its own write, read afresh
    # Rolled back: nobody is given what that unit of work read.
    assert services.load_dataset(uow(url)).fingerprint() == demo.fingerprint()


def test_the_generation_moves_on_commit_only_and_for_what_was_written(url: str, demo: Dataset) -> None:
    def version(scope: str) -> str | None:
        with uow(url) as unit:
            return unit.repository.data_version(scope)

    dataset, runs = version("dataset"), version("runs")
    with uow(url) as unit:
        unit.repository.replace(demo.with_records("links", []))
    assert version("dataset") == dataset  # rolled back: nothing changed
    services.data._replace(uow(url), demo.with_records("links", []), "test")
    assert version("dataset") not in (dataset, None)
    assert version("runs") == runs
    with uow(url) as unit:
        unit.repository.get_user("nobody")
        unit.commit()  # a commit that wrote nothing announces nothing
    assert version("runs") == runs
    # An outcome recorded in the tool writes the outcome and its mark (tool_records): the dataset moves on.
    dataset = version("dataset")
    plan = str(services.runs_overview(uow(url))[-1]["run_id"])
    run = services.stored_run(uow(url), int(plan))
    funded = run.result["funded_plans"][0]["plan_code"]
    from chainplan.recording import Outcome

    services.record_outcome(uow(url), Outcome(funded, "completed", dt.date(2026, 1, 5), 1, None), by="officer")
    assert version("dataset") != dataset and version("runs") == runs


def test_two_databases_with_the_same_history_never_share_what_is_remembered(tmp_path: Path, demo: Dataset) -> None:
    # Each database starts its generations from a random stamp: the same number of writes on two databases (or on
    # one created again) are two generations, so one process serving both never mixes them up.
    MEMO.clear()
    smaller = demo.with_records("links", demo.to_records()["links"][:5])
    first, second = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    services.data._replace(uow(first), demo, "test")
    services.data._replace(uow(second), smaller, "test")
    assert services.load_dataset(uow(first)).fingerprint() == demo.fingerprint()
    assert services.load_dataset(uow(second)).fingerprint() == smaller.fingerprint()
    assert services.chain_gaps(uow(second)) == fresh(second, services.chain_gaps)


def test_runs_listed_without_their_documents_are_the_same_runs(url: str) -> None:
    for scenario in ("baseline-2020", "equity"):
        services.run_allocation(uow(url), SCENARIOS / f"{scenario}.yaml", by="tests")
    with uow(url) as unit:
        whole = unit.repository.list_runs()
        light = unit.repository.list_runs(results=False)
    assert [dataclasses.replace(run, result={}) for run in whole] == light
    assert all(run.result for run in whole)
    overview = services.runs_overview(uow(url))
    assert [row["funded_plans"] for row in overview] == [len(run.result["funded_plans"]) for run in whole]
    assert overview == fresh(url, services.runs_overview)


def _same(left: Any, right: Any) -> bool:
    """Equal answers, frames compared by content."""
    if isinstance(left, pd.DataFrame):
        return isinstance(right, pd.DataFrame) and left.equals(right)
    if isinstance(left, Dataset):
        return isinstance(right, Dataset) and left.fingerprint() == right.fingerprint()
    if dataclasses.is_dataclass(left) and not isinstance(left, type):
        return type(left) is type(right) and all(
            _same(getattr(left, f.name), getattr(right, f.name)) for f in dataclasses.fields(left))
    if isinstance(left, list | tuple):
        return isinstance(right, list | tuple) and len(left) == len(right) and all(
            _same(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict):
        return isinstance(right, dict) and left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return bool(left == right)


def test_every_cached_view_answers_as_an_uncached_read_and_none_is_changed_by_its_reader(
        url: str, demo: Dataset, tmp_path: Path) -> None:
    product = str(demo.products["code"].iloc[0])
    run_ids = [row["run_id"] for row in services.runs_overview(uow(url))][:2]
    reads: dict[str, Callable[[UnitOfWork], Any]] = {
        "dataset": services.load_dataset,
        "summary": services.dataset_summary,
        "summary 2019": lambda u: services.dataset_summary(u, 2019),
        "gaps": services.chain_gaps,
        "gaps of a tier": lambda u: services.chain_gaps(u, tier="national"),
        "catalogue": services.chain_catalogue,
        "chain view": lambda u: services.chain_view(u, product),
        "indicators": services.indicators,
        "register": lambda u: services.register_view(u, None, None, lang="vi"),
        "register 2018": lambda u: services.register_view(u, "file:equity.yaml", SCENARIOS, year=2018),
        "plans register": lambda u: services.plans_register(u, Scenario(name="s", year=2019)),
        "plan choices": services.plan_choices,
        "organizations": services.organization_choices,
        "years": services.plan_years,
        "years overview": services.years_overview,
        "runs": services.runs_overview,
        "scenarios": lambda u: services.scenario_choices(u, SCENARIOS),
        "prepared 2020": prepared(Scenario(name="s", year=2020)),
        "prepared calibrated": prepared(Scenario(name="c", year=2019, success_probability="calibrated")),
        "allocation view": lambda u: services.allocation_view(u, run_ids[0])[1],
        "calibration": services.calibration_report,
        "inspections": lambda u: services.inspections_view(u),
        "year targets": lambda u: services.year_targets(u, SCENARIOS, 2019),
        "comparison": lambda u: services.comparison_view(u, run_ids),
    }
    first = {name: read(uow(url)) for name, read in reads.items()}
    # Every caller changes what it was given, as a page might: the next caller is not affected.
    for answer in first.values():
        if isinstance(answer, list) and answer and isinstance(answer[0], dict):
            answer[0]["changed"] = True
        elif isinstance(answer, list):
            answer.clear()
        elif isinstance(answer, dict):
            answer["changed"] = True
    # Solves and sweeps read the remembered slice of their year: they leave it as it was.
    services.run_allocation(uow(url), Scenario(name="s", year=2020), store=False)
    services.budget_frontier(uow(url), Scenario(name="s", year=2020), start=0.5, stop=1.0, steps=2, workers=1)
    for name, read in reads.items():
        cached, uncached = read(uow(url)), fresh(url, read)
        assert _same(cached, uncached), name
    assert services.load_dataset(uow(url)).fingerprint() == demo.fingerprint()


def test_the_committee_pack_is_written_once_and_follows_a_change_of_names(url: str, demo: Dataset,
                                                                          tmp_path: Path) -> None:
    run_ids = [row["run_id"] for row in services.runs_overview(uow(url))][:2]
    services.compare(uow(url), run_ids, report=tmp_path / "first.html", lang="vi")
    services.compare(uow(url), run_ids, report=tmp_path / "again.html", lang="vi")
    fresh(url, lambda u: services.compare(u, run_ids, report=tmp_path / "fresh.html", lang="vi"))
    assert (tmp_path / "again.html").read_bytes() == (tmp_path / "fresh.html").read_bytes()
    # Another name for every organization: the pack names them as they are called now.
    records = demo.to_records()
    for row in records["organizations"]:
        row["name"] = f"{row['name']} (đổi tên)"
    services.data._replace(uow(url), Dataset.from_records(records), "test")
    services.compare(uow(url), run_ids, report=tmp_path / "renamed.html", lang="vi")
    fresh(url, lambda u: services.compare(u, run_ids, report=tmp_path / "renamed-fresh.html", lang="vi"))
    assert (tmp_path / "renamed.html").read_bytes() == (tmp_path / "renamed-fresh.html").read_bytes()
    assert (tmp_path / "renamed.html").read_bytes() != (tmp_path / "first.html").read_bytes()


def test_a_database_that_recorded_no_write_has_no_generation_and_nothing_is_kept(database_url: str) -> None:
    """Two databases that never recorded a write would both be at "0 changes": nothing could tell their data apart
    (a standby serves many databases), so nothing read from such a database is remembered."""
    from sqlalchemy import delete

    from models.tables import DataChangeRow
    from models.uow import engine_for

    MEMO.clear()
    with engine_for(database_url).begin() as connection:  # as a database upgraded past 0008 and not written since
        connection.execute(delete(DataChangeRow))
    with uow(database_url) as unit:
        assert unit.repository.data_version("dataset") is None and unit.repository.data_version("runs") is None
    assert services.runs_overview(uow(database_url)) == [] and services.load_dataset(uow(database_url)) is not None
    assert not any(MEMO._values.get(scope) for scope in ("dataset", "runs"))
    MEMO.clear()
