"""Shared fixtures: databases (SQLite always, PostgreSQL when a server is given), the demo dataset, a fake UoW."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import uuid
from collections.abc import Collection, Iterator

import pandas as pd
import pytest

from chainplan.appraisal import Appraisal, apply_appraisal
from chainplan.dataset import Dataset
from chainplan.demo import build_demo_dataset
from chainplan.imports import ToolRecord
from chainplan.ports import AuditEntry, EditStamp, SignInFailure, StoredRun, UnitOfWork, User, WebSession
from chainplan.recording import DELIVERY_FLAGS, Inspection, Outcome, apply_inspection, apply_outcome
from chainplan.schema import SHEETS
from chainplan.years import merge_years, programme_years

# A `chainplan standby` the developer left running must not answer the tests' commands: each test runs its own
# commands in their own processes, except test_standby.py, which starts its own standby on its own socket.
os.environ["CHAINPLAN_STANDBY"] = "0"

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
        #: The data generation of each scope, as the database's ``data_changes`` gives it: new on every write.
        self.versions = {"dataset": uuid.uuid4().hex, "runs": uuid.uuid4().hex}
        self.dataset = Dataset.empty()
        self.runs: list[StoredRun] = []
        self.audit: list[AuditEntry] = []
        self.users: dict[str, User] = {}
        self.stamps: dict[tuple[str, str], EditStamp] = {}
        self.sessions: dict[str, WebSession] = {}
        self.failures: list[SignInFailure] = []
        self.records: dict[tuple[str, tuple[str, ...]], ToolRecord] = {}

    @property
    def dataset(self) -> Dataset:
        return self._dataset

    @dataset.setter
    def dataset(self, value: Dataset) -> None:
        # Any change of the stored dataset, a test's direct assignment included, is a new generation.
        self._dataset = value
        self.versions["dataset"] = uuid.uuid4().hex

    def ping(self) -> None:
        pass

    def data_version(self, scope: str) -> str | None:
        return self.versions[scope]

    def load(self, years: Collection[int] | None = None) -> Dataset:
        if years is None:
            return self.dataset
        from chainplan.years import kept_years

        others = {int(y) for y in programme_years(self.dataset)} - set(years)
        chosen = kept_years(self.dataset, Dataset.from_records({"plans": [
            {"code": "", "product_code": "", "organization_code": "", "purpose": "other", "year": y}
            for y in others]}))
        return Dataset(**{**{n: self.dataset.frame(n) for n in SHEETS}, **{
            n: chosen.frame(n) for n in ("budget_lines", "plans", "plan_requests", "appraisals")}})

    def plan_years(self) -> list[int]:
        return sorted({int(y) for y in self.dataset.plans["year"].dropna()})

    def year_index(self, incoming: Dataset) -> Dataset:
        from chainplan.years import kept_years

        kept = kept_years(self.dataset, incoming)  # every row of the other years: more than the checks need
        return Dataset(**{n: (kept.frame(n) if n in ("plans", "budget_lines") else kept.frame(n).iloc[0:0])
                          for n in SHEETS})

    def replace(self, dataset: Dataset) -> None:
        self.dataset = dataset
        self.records = {}

    def counts(self) -> dict[str, int]:
        return self.dataset.counts()

    def add_run(self, run: StoredRun) -> int:
        stored = StoredRun(**{**run.__dict__, "id": len(self.runs) + 1})
        self.runs.append(stored)
        self.versions["runs"] = uuid.uuid4().hex
        return len(self.runs)

    def list_runs(self, *, results: bool = True) -> list[StoredRun]:
        runs = list(reversed(self.runs))
        return runs if results else [dataclasses.replace(run, result={}) for run in runs]

    def get_run(self, run_id: int) -> StoredRun | None:
        return next((r for r in self.runs if r.id == run_id), None)

    def add_audit(self, entry: AuditEntry) -> int:
        self.audit.append(AuditEntry(**{**entry.__dict__, "id": len(self.audit) + 1}))
        self.versions["runs"] = uuid.uuid4().hex
        return len(self.audit)

    def list_audit(self) -> list[AuditEntry]:
        return list(self.audit)

    def add_user(self, user: User) -> None:
        self.users[user.name] = user

    def get_user(self, name: str) -> User | None:
        return self.users.get(name)

    def list_users(self) -> list[User]:
        return [self.users[n] for n in sorted(self.users)]

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None,
                    password_hash: str | None = None, expected_version: int | None = None, by: str = "",
                    at: dt.datetime | None = None) -> bool:
        user = self.users[name]
        if expected_version is not None and user.version != expected_version:
            return False
        changes = {k: v for k, v in (("role", role), ("active", active), ("password_hash", password_hash))
                   if v is not None}
        self.users[name] = dataclasses.replace(user, **changes, version=user.version + 1, changed_by=by,
                                               changed_at=at or dt.datetime.now(dt.UTC))
        return True

    def appraisal_stamp(self, plan_code: str, stage: str) -> EditStamp | None:
        rows = self.dataset.appraisals
        if not ((rows["plan_code"] == plan_code) & (rows["stage"] == stage)).any():
            return None
        return self.stamps.get((plan_code, stage), EditStamp(1))

    def save_appraisal(self, appraisal: Appraisal, *, expected_version: int | None = None, by: str = "",
                       at: dt.datetime | None = None) -> bool:
        stamp = self.appraisal_stamp(appraisal.plan_code, appraisal.stage)
        version = 0 if stamp is None else stamp.version
        if expected_version is not None and expected_version != version:
            return False
        self.dataset = apply_appraisal(self.dataset, appraisal)
        self.stamps[(appraisal.plan_code, appraisal.stage)] = EditStamp(version + 1, by,
                                                                        at or dt.datetime.now(dt.UTC))
        return True

    def add_session(self, session: WebSession) -> None:
        self.sessions[session.key] = session

    def get_session(self, key: str) -> WebSession | None:
        return self.sessions.get(key)

    def session_and_user(self, key: str) -> tuple[WebSession, User | None] | None:
        session = self.sessions.get(key)
        return None if session is None else (session, self.users.get(session.user_name))

    def touch_session(self, key: str, at: dt.datetime) -> None:
        self.sessions[key] = dataclasses.replace(self.sessions[key], last_seen_at=at)

    def end_sessions(self, *, key: str | None = None, user_name: str | None = None,
                     idle_before: dt.datetime | None = None) -> int:
        ended = [k for k, s in self.sessions.items() if (key is None or k == key)
                 and (user_name is None or s.user_name == user_name)
                 and (idle_before is None or s.last_seen_at < idle_before)]
        for k in ended:
            del self.sessions[k]
        return len(ended)

    def add_sign_in_failure(self, failure: SignInFailure) -> None:
        self.failures.append(failure)

    def sign_in_failures(self, *, since: dt.datetime, user_name: str | None = None,
                         address: str | None = None) -> list[dt.datetime]:
        return sorted(f.at for f in self.failures if f.at >= since and (user_name is None or f.user_name == user_name)
                      and (address is None or f.address == address))

    def clear_sign_in_failures(self, *, user_name: str | None = None, address: str | None = None,
                               before: dt.datetime | None = None) -> int:
        kept = [f for f in self.failures if not ((user_name is None or f.user_name == user_name)
                                                 and (address is None or f.address == address)
                                                 and (before is None or f.at < before))]
        forgotten = len(self.failures) - len(kept)
        self.failures = kept
        return forgotten

    def get_outcome(self, plan_code: str) -> Outcome | None:
        rows = [r for r in self.dataset.to_records()["outcomes"] if r["plan_code"] == plan_code]
        if not rows:
            return None
        row = rows[0]
        return Outcome(plan_code, str(row["status"]), row["reported_on"], row["disbursed_vnd"], row["ocop_score"],
                       **{flag: bool(row[flag]) for flag in DELIVERY_FLAGS}, note=str(row["note"] or ""))

    def outcome_stamp(self, plan_code: str) -> EditStamp | None:
        if plan_code not in set(self.dataset.outcomes["plan_code"]):
            return None
        return self.stamps.get((plan_code, ""), EditStamp(1))

    def save_outcome(self, outcome: Outcome, *, expected_version: int | None = None, by: str = "",
                     at: dt.datetime | None = None) -> bool:
        stamp = self.outcome_stamp(outcome.plan_code)
        version = 0 if stamp is None else stamp.version
        if expected_version is not None and expected_version != version:
            return False
        self.dataset = apply_outcome(self.dataset, outcome)
        self.stamps[(outcome.plan_code, "")] = EditStamp(version + 1, by, at or dt.datetime.now(dt.UTC))
        return True

    def save_inspection(self, inspection: Inspection) -> bool:
        if inspection.code in set(self.dataset.inspections["code"]):
            return False
        self.dataset = apply_inspection(self.dataset, inspection)
        return True


    def replace_years(self, dataset: Dataset, years: Collection[int]) -> None:
        replaced = set(dataset_for_year_codes(self.dataset, years))
        self.records = {key: r for key, r in self.records.items()
                        if r.sheet == "appraisals" and r.key[0] not in replaced}
        self.dataset = merge_years(self.dataset, dataset)

    def mark_recorded(self, record: ToolRecord) -> None:
        self.records[(record.sheet, record.key)] = record
        self.versions["dataset"] = uuid.uuid4().hex

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
        self.repository.stamps = dict(self.committed.stamps)
        self.repository.sessions = dict(self.committed.sessions)
        self.repository.failures = list(self.committed.failures)
        self.repository.records = dict(self.committed.records)
        self.repository.versions = dict(self.committed.versions)
        return self

    def commit(self) -> None:
        self.committed = self.repository  # type: ignore[assignment]
        self.commits += 1

    def rollback(self) -> None:
        pass


@pytest.fixture
def fake_uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()
