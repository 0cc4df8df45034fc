"""Shared fixtures: databases (SQLite always, PostgreSQL when a server is given), the demo dataset, a fake UoW."""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Iterator

import pandas as pd
import pytest

from chainplan.appraisal import Appraisal, apply_appraisal
from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.imports import ToolRecord
from chainplan.ports import AuditEntry, StoredRun, UnitOfWork, User
from chainplan.recording import Inspection, Outcome, apply_inspection, apply_outcome
from chainplan.years import merge_years

POSTGRES_URL = os.environ.get("CHAINPLAN_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("CHAINPLAN_REQUIRE_POSTGRES") == "1"
REQUIRE_OFFICE = os.environ.get("CHAINPLAN_REQUIRE_OFFICE") == "1"


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """A fresh, empty database: an SQLite file, and PostgreSQL when CHAINPLAN_TEST_POSTGRES_URL is set."""
    from models.uow import engine_for

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        if not POSTGRES_URL:
            message = "PostgreSQL not configured: set CHAINPLAN_TEST_POSTGRES_URL (.ci/run does)"
            if REQUIRE_POSTGRES:
                pytest.fail(f"CHAINPLAN_REQUIRE_POSTGRES=1 but {message}")
            pytest.skip(message)
        url = POSTGRES_URL
        try:
            _reset_postgres(url)
        except Exception as exc:  # a server that is configured but down
            if REQUIRE_POSTGRES:
                pytest.fail(f"PostgreSQL at {url} is required but not reachable: {exc}")
            pytest.skip(f"PostgreSQL at {url} not reachable: {exc}")
    yield url
    engine_for(url).dispose()
    engine_for.cache_clear()


@pytest.fixture(scope="session")
def soffice() -> str:
    """LibreOffice's command line, to open a workbook as a committee's office does (skipped when missing, unless
    CHAINPLAN_REQUIRE_OFFICE=1, as .ci/run sets)."""
    found = shutil.which(os.environ.get("CHAINPLAN_SOFFICE", "soffice"))
    if found is None:
        message = "LibreOffice (soffice) not found (apt-get install libreoffice-calc-nogui; .ci/run does)"
        if REQUIRE_OFFICE:
            pytest.fail(f"CHAINPLAN_REQUIRE_OFFICE=1 but {message}")
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def demo() -> Dataset:
    return build_demo_dataset()


class FakeRepository:
    def __init__(self) -> None:
        self.dataset = Dataset.empty()
        self.runs: list[StoredRun] = []
        self.audit: list[AuditEntry] = []
        self.users: dict[str, User] = {}
        self.records: dict[tuple[str, tuple[str, ...]], ToolRecord] = {}

    def load(self) -> Dataset:
        return self.dataset

    def replace(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.records = {}

    def counts(self) -> dict[str, int]:
        return self.dataset.counts()

    def add_run(self, run: StoredRun) -> int:
        stored = StoredRun(**{**run.__dict__, "id": len(self.runs) + 1})
        self.runs.append(stored)
        return len(self.runs)

    def list_runs(self) -> list[StoredRun]:
        return list(reversed(self.runs))

    def get_run(self, run_id: int) -> StoredRun | None:
        return next((r for r in self.runs if r.id == run_id), None)

    def add_audit(self, entry: AuditEntry) -> int:
        self.audit.append(AuditEntry(**{**entry.__dict__, "id": len(self.audit) + 1}))
        return len(self.audit)

    def list_audit(self) -> list[AuditEntry]:
        return list(self.audit)

    def add_user(self, user: User) -> None:
        self.users[user.name] = user

    def get_user(self, name: str) -> User | None:
        return self.users.get(name)

    def list_users(self) -> list[User]:
        return [self.users[n] for n in sorted(self.users)]

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None) -> None:
        import dataclasses

        changes = {k: v for k, v in (("role", role), ("active", active)) if v is not None}
        self.users[name] = dataclasses.replace(self.users[name], **changes)

    def save_appraisal(self, appraisal: Appraisal) -> None:
        self.dataset = apply_appraisal(self.dataset, appraisal)

    def save_outcome(self, outcome: Outcome) -> None:
        self.dataset = apply_outcome(self.dataset, outcome)

    def save_inspection(self, inspection: Inspection) -> None:
        self.dataset = apply_inspection(self.dataset, inspection)

    def plan_years(self) -> list[int]:
        return sorted({int(year) for year in self.dataset.plans["year"].dropna()})

    def replace_years(self, dataset: Dataset, years: Collection[int]) -> None:
        replaced = set(dataset_for_year_codes(self.dataset, years))
        self.records = {key: r for key, r in self.records.items()
                        if r.sheet == "appraisals" and r.key[0] not in replaced}
        self.dataset = merge_years(self.dataset, dataset)

    def mark_recorded(self, record: ToolRecord) -> None:
        self.records[(record.sheet, record.key)] = record

    def tool_records(self) -> list[ToolRecord]:
        return [self.records[key] for key in sorted(self.records)]


def dataset_for_year_codes(dataset: Dataset, years: Collection[int]) -> list[str]:
    """The codes of the plans of ``years``."""
    return [str(code) for code, year in zip(dataset.plans["code"], dataset.plans["year"], strict=True)
            if year is not pd.NA and int(year) in years]


class FakeUnitOfWork(UnitOfWork):
    """In memory; what is not committed is thrown away, like the real one."""

    def __init__(self) -> None:
        self.committed = FakeRepository()
        self.commits = 0

    def __enter__(self) -> FakeUnitOfWork:
        self.repository = FakeRepository()
        self.repository.dataset = self.committed.dataset
        self.repository.runs = list(self.committed.runs)
        self.repository.audit = list(self.committed.audit)
        self.repository.users = dict(self.committed.users)
        self.repository.records = dict(self.committed.records)
        return self

    def commit(self) -> None:
        self.committed = self.repository  # type: ignore[assignment]
        self.commits += 1

    def rollback(self) -> None:
        pass


@pytest.fixture
def fake_uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()
