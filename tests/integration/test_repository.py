"""The repository and unit of work on real databases: SQLite always, PostgreSQL when CI provides it."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import inspect

from chainplan import services
from chainplan.dataset import Dataset, DatasetError
from chainplan.io import write_dataset
from chainplan.ports import StoredRun
from models.migrate import HEAD_REVISION, alembic_config, current_revision
from models.uow import SqlAlchemyUnitOfWork, engine_for
from tests.unit.test_dataset_checks import BASE


def test_schema_is_created_by_migrations(database_url: str) -> None:
    tables = set(inspect(engine_for(database_url)).get_table_names())
    assert {"regions", "plans", "plan_requests", "appraisals", "allocation_runs", "alembic_version"} <= tables
    assert current_revision(engine_for(database_url)) == HEAD_REVISION


def test_the_known_head_is_alembics_head() -> None:
    # upgrade() skips Alembic for a database at HEAD_REVISION: a new migration must move the constant too.
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION


def test_demo_round_trips_through_the_database(database_url: str, demo: Dataset) -> None:
    report = services.load_demo(SqlAlchemyUnitOfWork(database_url))
    assert report.after == demo.counts()
    loaded = services.load_dataset(SqlAlchemyUnitOfWork(database_url))
    assert loaded.to_records() == demo.to_records()
    assert loaded.fingerprint() == demo.fingerprint()


def test_import_twice_changes_nothing(database_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_dataset(Dataset.from_records(BASE), tmp_path / "base.xlsx")
    first = services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    second = services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    assert not first.unchanged and second.unchanged
    assert second.before == second.after == first.after


def test_failed_import_writes_nothing(database_url: str, tmp_path, demo: Dataset) -> None:  # type: ignore[no-untyped-def]
    services.load_demo(SqlAlchemyUnitOfWork(database_url))
    records = copy.deepcopy(BASE)
    records["links"][0]["to_code"] = "NOPE"
    path = write_dataset(Dataset.from_records(records), tmp_path / "bad.xlsx")
    with pytest.raises(DatasetError):
        services.import_dataset(path, SqlAlchemyUnitOfWork(database_url))
    with SqlAlchemyUnitOfWork(database_url) as uow:
        assert uow.repository.counts() == demo.counts()


def test_unit_of_work_rolls_back_without_commit(database_url: str) -> None:
    with SqlAlchemyUnitOfWork(database_url) as uow:
        uow.repository.replace(Dataset.from_records(BASE))
        assert uow.repository.counts()["plans"] == 2
    with SqlAlchemyUnitOfWork(database_url) as uow:
        assert uow.repository.counts()["plans"] == 0


def test_error_inside_a_write_leaves_the_old_data(database_url: str) -> None:
    with SqlAlchemyUnitOfWork(database_url) as uow:
        uow.repository.replace(Dataset.from_records(BASE))
        uow.commit()
    with pytest.raises(RuntimeError), SqlAlchemyUnitOfWork(database_url) as uow:
        uow.repository.replace(Dataset.empty())
        raise RuntimeError("power cut")
    with SqlAlchemyUnitOfWork(database_url) as uow:
        assert uow.repository.load().to_records() == Dataset.from_records(BASE).to_records()


def test_runs_are_stored_and_listed_newest_first(database_url: str) -> None:
    with SqlAlchemyUnitOfWork(database_url) as uow:
        first = uow.repository.add_run(StoredRun("a", {"name": "a"}, "f" * 64, "milp", "optimal", 1.5,
                                                 {"funded_plans": [{"plan_code": "KH001"}]}))
        second = uow.repository.add_run(StoredRun("b", {"name": "b"}, "f" * 64, "greedy", "feasible", None, {}))
        uow.commit()
    with SqlAlchemyUnitOfWork(database_url) as uow:
        runs = uow.repository.list_runs()
    assert [r.id for r in runs] == [second, first]
    assert runs[1].result == {"funded_plans": [{"plan_code": "KH001"}]}
    assert runs[1].objective == 1.5


def test_allocation_runs_are_stored_as_json_on_both_databases(database_url: str) -> None:
    from pathlib import Path

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline-2020.yaml"
    services.load_demo(SqlAlchemyUnitOfWork(database_url))
    run = services.run_allocation(SqlAlchemyUnitOfWork(database_url), scenario)
    stored = services.stored_runs(SqlAlchemyUnitOfWork(database_url))[0]  # the newest
    assert stored.id == run.run_id
    assert stored.result["targets"] == run.result.as_dict()["targets"]
    assert stored.scenario["targets"]["new_products"]["min"] == 50
