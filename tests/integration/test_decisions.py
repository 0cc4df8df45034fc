"""Runs and decisions on real databases: stored runs are never changed, adoption supersedes, the log only grows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DatabaseError

from chainplan import services
from chainplan.decisions import DecisionRefused, UnknownRun, audit_notes
from chainplan.demo import build_demo_dataset
from chainplan.years import data_fingerprint
from models.cli import main
from models.uow import SqlAlchemyUnitOfWork

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture
def demo_url(database_url: str) -> str:
    # The demo without its past years' decisions: these tests read the whole log and every run.
    services.load_demo(SqlAlchemyUnitOfWork(database_url), history=False)
    return database_url


def test_the_demo_history_is_adopted_per_year_and_loading_again_adds_nothing(database_url: str) -> None:
    from chainplan.demo import HISTORY_YEARS

    uow = SqlAlchemyUnitOfWork(database_url)
    for _ in range(2):
        services.load_demo(uow)
    rows = services.runs_overview(uow)
    assert sorted(r["year"] for r in rows) == list(HISTORY_YEARS)
    assert all(r["decisions"] == [{"year": r["year"], "state": "adopted"}] and r["decision"] == "adopted"
               for r in rows)
    years = {row["year"]: row for row in services.years_overview(uow)}
    for r in rows:
        funded = sum(sum(p["amounts"].values()) for p in services.stored_run(uow, r["run_id"]).result["funded_plans"])
        assert (years[r["year"]]["adopted_run"], years[r["year"]]["funded_vnd"]) == (r["run_id"], funded)
        assert 0 < funded <= years[r["year"]]["budget_vnd"]
    assert years[max(years)]["adopted_run"] is None and years[max(years)]["funded_vnd"] is None


def _run(url: str, name: str, by: str = "Phòng Kế hoạch") -> int:
    run = services.run_allocation(SqlAlchemyUnitOfWork(url), SCENARIOS / f"{name}.yaml", by=by)
    assert run.run_id is not None
    return run.run_id


def test_a_run_stores_who_when_what_data_and_which_solver(demo_url: str) -> None:
    run_id = _run(demo_url, "baseline-2020")
    stored = services.stored_run(SqlAlchemyUnitOfWork(demo_url), run_id)
    dataset = services.load_dataset(SqlAlchemyUnitOfWork(demo_url))
    assert stored.created_by == "Phòng Kế hoạch" and stored.solver == "highs"
    assert stored.solver_version and stored.solver_version.startswith("HiGHS ")
    assert stored.dataset_fingerprint == data_fingerprint(dataset, stored.scenario)  # what the run read
    assert stored.scenario["year"] == 2020  # the latest year with plans, as run
    assert set(stored.timings) == {"load_s", "build_s", "solve_s", "allocate_s"}
    assert stored.scenario["name"] == "baseline-2020" and "weights" in stored.scenario  # as run, every key
    document = services.run_document(stored)
    assert document["run_id"] == run_id and document["status"] == stored.status


def test_the_same_scenario_on_the_same_data_gives_the_same_allocation(demo_url: str) -> None:
    first, second = _run(demo_url, "baseline-2020"), _run(demo_url, "baseline-2020")
    runs = [services.stored_run(SqlAlchemyUnitOfWork(demo_url), i).result for i in (first, second)]
    assert runs[0]["funded_plans"] == runs[1]["funded_plans"] and runs[0]["objective"] == runs[1]["objective"]


def test_adopt_supersede_and_the_log(demo_url: str) -> None:
    first, second = _run(demo_url, "baseline-2020"), _run(demo_url, "concentrate")
    uow = SqlAlchemyUnitOfWork(demo_url)
    services.adopt_run(uow, first, by="Ban Chỉ đạo OCOP", note="Quyết định 1", year=2026)
    assert {r["run_id"]: r["decision"] for r in services.runs_overview(uow)} == {second: None, first: "adopted"}
    with pytest.raises(DecisionRefused, match="already the adopted decision for 2026"):
        services.adopt_run(uow, first, by="Ban Chỉ đạo OCOP", year=2026)
    services.adopt_run(uow, second, by="Ban Chỉ đạo OCOP", year=2026)
    services.adopt_run(uow, first, by="Ban Chỉ đạo OCOP", year=2027)  # another year is its own decision
    log = [(e.action, e.run_id, e.year) for e in services.audit_log(uow)]
    assert log == [("adopt", first, 2026), ("supersede", first, 2026), ("adopt", second, 2026),
                   ("adopt", first, 2027)]
    decisions = {r["run_id"]: r["decision"] for r in services.runs_overview(uow)}
    assert decisions == {first: "adopted", second: "adopted"}  # first: adopted for 2027 now
    # The supersede's note is stored as the command line prints it and read in the reader's language.
    entries = services.audit_log(uow)
    assert [e.note for e in entries] == ["Quyết định 1", f"superseded by run {second}", "", ""]
    assert audit_notes(entries, "vi") == ["Quyết định 1", f"được thay bằng phương án {second}", "", ""]
    with pytest.raises(UnknownRun):
        services.adopt_run(uow, 999, by="x")


def test_a_run_on_other_data_is_refused(demo_url: str) -> None:
    run_id = _run(demo_url, "baseline-2020")
    uow = SqlAlchemyUnitOfWork(demo_url)
    services._replace(uow, build_demo_dataset(seed=7), "other data")
    with pytest.raises(DecisionRefused, match="computed on other data"):
        services.adopt_run(uow, run_id, by="Ban Chỉ đạo OCOP")
    assert services.audit_log(uow) == []


@pytest.mark.parametrize("statement", [
    "UPDATE allocation_runs SET status = 'optimal'",
    "DELETE FROM allocation_runs",
    "UPDATE audit_log SET note = 'changed'",
    "DELETE FROM audit_log",
])
def test_the_database_refuses_to_change_runs_and_the_log(demo_url: str, statement: str) -> None:
    run_id = _run(demo_url, "baseline-2020")
    services.adopt_run(SqlAlchemyUnitOfWork(demo_url), run_id, by="Ban Chỉ đạo OCOP")
    engine = create_engine(demo_url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with pytest.raises(DatabaseError, match="never changed or deleted"), engine.begin() as connection:
            connection.execute(text(statement))
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM allocation_runs")).scalar() == 1
            assert connection.execute(text("SELECT count(*) FROM audit_log")).scalar() == 1
    finally:
        engine.dispose()


def test_cli_runs_show_adopt_and_audit(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", demo_url, "allocate", str(SCENARIOS / "baseline-2020.yaml"), "--by", "Lan"]) == 0
    capsys.readouterr()
    assert main(["--db", demo_url, "runs", "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert set(row) >= {"run_id", "scenario", "created_at", "status", "objective", "dataset_fingerprint", "decision"}
    assert row["decision"] is None
    assert main(["--db", demo_url, "runs", "show", str(row["run_id"]), "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["created_by"] == "Lan" and shown["funded_plans"] and "explanations" in shown
    assert main(["--db", demo_url, "adopt", str(row["run_id"]), "--by", "Ban Chỉ đạo", "--year", "2026"]) == 0
    capsys.readouterr()
    assert main(["--db", demo_url, "audit", "--format", "json"]) == 0
    [entry] = json.loads(capsys.readouterr().out)
    assert (entry["action"], entry["run_id"], entry["year"], entry["by"]) == ("adopt", row["run_id"], 2026,
                                                                             "Ban Chỉ đạo")
    for args in (["runs", "show", "999"], ["adopt", "999", "--by", "x"]):
        assert main(["--db", demo_url, *args]) == 2
        assert "unknown run id 999" in capsys.readouterr().err


def test_a_run_stands_per_year(demo_url: str) -> None:
    # The order that misled before: adopted for 2026 and 2027, then replaced for 2026 only.
    first, second = _run(demo_url, "baseline-2020"), _run(demo_url, "concentrate")
    uow = SqlAlchemyUnitOfWork(demo_url)
    services.adopt_run(uow, first, by="Ban Chỉ đạo OCOP", year=2026)
    services.adopt_run(uow, first, by="Ban Chỉ đạo OCOP", year=2027)
    services.adopt_run(uow, second, by="Ban Chỉ đạo OCOP", year=2026)
    rows = {r["run_id"]: r for r in services.runs_overview(uow)}
    assert rows[first]["decisions"] == [{"year": 2026, "state": "superseded"}, {"year": 2027, "state": "adopted"}]
    assert rows[first]["decision"] == "adopted"
    assert rows[second]["decisions"] == [{"year": 2026, "state": "adopted"}]
    services.adopt_run(uow, second, by="Ban Chỉ đạo OCOP", year=2027)
    rows = {r["run_id"]: r for r in services.runs_overview(uow)}
    assert rows[first]["decision"] == "superseded"  # replaced for every year it was adopted for
    assert rows[first]["decisions"] == [{"year": 2026, "state": "superseded"}, {"year": 2027, "state": "superseded"}]


def test_a_year_shows_its_own_runs_and_those_adopted_for_it(database_url: str) -> None:
    from chainplan.demo import HISTORY_YEARS

    uow = SqlAlchemyUnitOfWork(database_url)
    services.load_demo(uow)  # one adopted run per past year
    current = _run(database_url, "baseline-2020")
    by_year = {r["year"]: r["run_id"] for r in services.runs_overview(uow)}
    assert set(by_year) == {*HISTORY_YEARS, 2020}
    for year in (*HISTORY_YEARS, 2020):
        assert [r["run_id"] for r in services.runs_overview(uow, year=year)] == [by_year[year]]
    assert services.runs_overview(uow, year=2031) == []
    # Adopted for another year than its scenario's: the run shows under both, with the decision of each.
    services.adopt_run(uow, current, by="Ban Chỉ đạo OCOP", year=2021)
    assert [r["run_id"] for r in services.runs_overview(uow, year=2021)] == [current]
    [row] = services.runs_overview(uow, year=2020)
    assert row["run_id"] == current and row["decisions"] == [{"year": 2021, "state": "adopted"}]
    assert [r["run_id"] for r in services.runs_overview(uow, year=HISTORY_YEARS[0])] == [by_year[HISTORY_YEARS[0]]]


@pytest.mark.parametrize("year", ["", " ", "1999", "2101", "20.26", "hai nghìn", -1, 1999])
def test_a_year_out_of_the_programme_is_refused_and_nothing_is_written(demo_url: str, year: object) -> None:
    run_id = _run(demo_url, "baseline-2020")
    uow = SqlAlchemyUnitOfWork(demo_url)
    with pytest.raises(DecisionRefused) as refused:
        services.adopt_run(uow, run_id, by="Ban Chỉ đạo OCOP", year=year)  # type: ignore[arg-type]
    assert refused.value.code == "error.decision.bad_year"
    assert services.audit_log(uow) == []
    services.adopt_run(uow, run_id, by="Ban Chỉ đạo OCOP", year="2100")  # the edge is inside
    assert [e.year for e in services.audit_log(uow)] == [2100]


def test_a_control_character_in_a_name_is_refused_before_anything_is_stored(demo_url: str, tmp_path: Path) -> None:
    # A bell in a scenario's name or in --by was stored, then made writing the workbook fail after the run was
    # kept; the log and the pack could hold neither.
    from chainplan.scenario import ScenarioError, load_scenario
    from chainplan.services import RunRefused

    uow = SqlAlchemyUnitOfWork(demo_url)
    before = len(services.stored_runs(uow))
    ringing = tmp_path / "ringing.yaml"
    ringing.write_text(f"extends: {SCENARIOS / 'baseline-2020.yaml'}\nname: \"bell\\x07name\"\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(ringing)
    assert [(p.key, p.code) for p in refused.value.problems] == [("name", "error.value.control_character")]
    with pytest.raises(RunRefused):
        services.run_allocation(uow, SCENARIOS / "baseline-2020.yaml", by="by\x01x")
    assert len(services.stored_runs(uow)) == before
    run_id = services.run_allocation(uow, SCENARIOS / "baseline-2020.yaml", by="Lan").run_id
    assert run_id is not None
    for by, note in (("by\x01x", ""), ("Lan", "line one\x0b")):
        with pytest.raises(DecisionRefused) as adopted:
            services.adopt_run(uow, run_id, by=by, note=note, year=2020)
        assert adopted.value.code == "error.value.control_character"
    services.adopt_run(uow, run_id, by="Lan", note="Quyết định số 12\nngày 1/3", year=2020)


def test_a_database_without_plans_refuses_a_run_instead_of_storing_one_for_no_year(database_url: str) -> None:
    # A new database ran the scenario, stored an "optimal" run with year null, and let it be adopted.
    from chainplan.scenario import ScenarioError

    uow = SqlAlchemyUnitOfWork(database_url)
    with pytest.raises(ScenarioError) as refused:
        services.run_allocation(uow, SCENARIOS / "baseline-2020.yaml")
    assert [p.code for p in refused.value.problems] == ["error.scenario.no_plans"]
    assert services.stored_runs(uow) == []
