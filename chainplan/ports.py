"""What the services need from storage, without naming any storage technology.

``models`` implements these with SQLAlchemy; the service tests use an in-memory fake. Keeping the protocol
here lets the domain and the services stay free of ``sqlalchemy`` imports.
"""

from __future__ import annotations

import abc
import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from chainplan.appraisal import Appraisal
from chainplan.dataset import Dataset
from chainplan.imports import ToolRecord
from chainplan.recording import Inspection, Outcome

__all__ = ["AuditEntry", "DatasetRepository", "Storage", "StorageSlot", "StoredRun", "UnitOfWork", "User"]


@dataclass(frozen=True)
class StoredRun:
    """An allocation run as stored: the scenario, the data it ran on, and its result document."""

    scenario_name: str
    scenario: dict[str, Any]
    dataset_fingerprint: str
    method: str
    status: str
    objective: float | None
    result: dict[str, Any]
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    id: int | None = None
    created_by: str = ""
    solver: str | None = None
    solver_version: str | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only decision log: ``action`` is ``adopt`` or ``supersede``."""

    action: str
    run_id: int
    year: int
    by: str
    note: str = ""
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    id: int | None = None


@dataclass(frozen=True)
class User:
    """Someone who signs in: the name, the role, the password's hash (never the password), whether active."""

    name: str
    role: str
    password_hash: str
    active: bool = True
    created_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class DatasetRepository(Protocol):
    def load(self) -> Dataset:
        """The whole dataset as stored."""
        ...

    def replace(self, dataset: Dataset) -> None:
        """Make the stored dataset equal to ``dataset`` (all sheets)."""
        ...

    def replace_years(self, dataset: Dataset, years: Collection[int]) -> None:
        """For each of ``years``, its budget lines, plans, requests and appraisals become ``dataset``'s; other years
        stay; the current-state sheets become ``dataset``'s. Clears the marks of the replaced recorded rows
        (every outcome's, and the appraisals' of those years)."""
        ...

    def mark_recorded(self, record: ToolRecord) -> None:
        """Remember that an appraisal or outcome was recorded in the tool (not imported), by whom and when."""
        ...

    def tool_records(self) -> list[ToolRecord]:
        """The rows recorded in the tool since the last import that replaced them."""
        ...

    def counts(self) -> dict[str, int]:
        """Rows per sheet."""
        ...

    def add_run(self, run: StoredRun) -> int:
        """Store a run and return its id."""
        ...

    def list_runs(self) -> list[StoredRun]:
        """Stored runs, newest first."""
        ...

    def get_run(self, run_id: int) -> StoredRun | None:
        """One stored run, ``None`` when there is no such id."""
        ...

    def add_audit(self, entry: AuditEntry) -> int:
        """Append to the decision log and return the entry's id."""
        ...

    def list_audit(self) -> list[AuditEntry]:
        """The decision log, oldest first."""
        ...

    def add_user(self, user: User) -> None:
        """Store a new user."""
        ...

    def get_user(self, name: str) -> User | None:
        """One user, ``None`` when there is no such name."""
        ...

    def list_users(self) -> list[User]:
        """Every user, by name."""
        ...

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None) -> None:
        """Change a user's role or whether they may sign in."""
        ...

    def save_appraisal(self, appraisal: Appraisal) -> None:
        """Store one appraisal in place of the plan's row for that stage (a new row when there is none)."""
        ...

    def save_outcome(self, outcome: Outcome) -> None:
        """Store one outcome in place of the plan's row (a new row, last, when there is none)."""
        ...

    def save_inspection(self, inspection: Inspection) -> None:
        """Store one new inspection as the last row (its code is free: the caller checked it)."""
        ...

    def plan_years(self) -> list[int]:
        """The years that have plans, oldest first (plans without a year are left out)."""
        ...


class UnitOfWork(abc.ABC):
    """``with uow: ...; uow.commit()``: everything inside commits together or not at all."""

    repository: DatasetRepository

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class Storage(Protocol):
    """What an entry point needs of a storage technology: units of work for a URL, the schema brought up to date,
    and the storage's own exceptions (reported as "cannot use the database", never as a traceback)."""

    errors: tuple[type[Exception], ...]

    def unit_of_work(self, url: str | None) -> UnitOfWork:
        """A unit of work on ``url`` (``None``: the configured default)."""
        ...

    def upgrade(self, url: str | None) -> str:
        """Create or upgrade the schema behind ``url``; return the URL it used."""
        ...

    def url(self, explicit: str | None) -> str:
        """The URL a unit of work on ``explicit`` uses (``None``: the configured default); nothing is opened."""
        ...


class StorageSlot:
    """Where an entry point puts the storage it wired in, once; every command or page then reads it.

    A module value, not a framework's configuration: a forked background job inherits it.
    """

    def __init__(self, entry_point: str) -> None:
        self.entry_point = entry_point
        self.current: Storage | None = None

    def use(self, storage: Storage) -> None:
        self.current = storage

    def get(self) -> Storage:
        if self.current is None:
            raise RuntimeError(f"no storage: start through an entry point such as {self.entry_point}")
        return self.current
