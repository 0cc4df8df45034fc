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

__all__ = [
    "CHANGE_SCOPES",
    "AuditEntry",
    "DatasetRepository",
    "EditStamp",
    "EncodedDocument",
    "SignInFailure",
    "Storage",
    "StorageSlot",
    "StoredRun",
    "UnitOfWork",
    "User",
    "WebServer",
    "WebSession",
]


class EncodedDocument(dict[str, Any]):
    """A JSON document together with its text, encoded once (``chainplan.services.encoded_document``).

    Storage writes ``text`` as it is rather than encoding the document again, and the command line prints it: a
    national result is 11 MB of JSON, and encoding it three times (to check it, to store it, to print it) cost
    0.4 s. So that the text cannot go stale the document refuses changes to its keys; take a ``dict`` copy to
    change it.

    Examples
    --------
    >>> document = EncodedDocument({"a": 1}, '{"a": 1}')
    >>> document["a"], document.text
    (1, '{"a": 1}')
    >>> document["b"] = 2
    Traceback (most recent call last):
    ...
    TypeError: an encoded document is read-only; copy it with dict() to change it
    """

    __slots__ = ("text",)

    def __init__(self, document: dict[str, Any], text: str) -> None:
        super().__init__(document)
        self.text = text

    def _read_only(self, *_args: object, **_kwargs: object) -> Any:
        raise TypeError("an encoded document is read-only; copy it with dict() to change it")

    __setitem__ = __delitem__ = update = pop = popitem = clear = setdefault = __ior__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled by its items and text (a dict subclass would otherwise be rebuilt through __setitem__).
        return EncodedDocument, (dict(self), self.text)


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
    #: Bumped by every change (role, active, password): a form opened on an older version is refused.
    version: int = 1
    changed_by: str = ""
    changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class EditStamp:
    """A stored row's version and who last changed it, when (``changed_by`` blank: an import, or before versions)."""

    version: int
    changed_by: str = ""
    changed_at: dt.datetime | None = None


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser, kept on the server: ``key`` is the hash of the token its cookie holds (the token
    itself is never stored), so ending the row ends the session in every worker process at once."""

    key: str
    user_name: str
    created_at: dt.datetime
    last_seen_at: dt.datetime


@dataclass(frozen=True)
class SignInFailure:
    """One refused sign-in (wrong password, unknown or disabled name), counted for throttling."""

    user_name: str
    address: str
    at: dt.datetime


#: What the services remember between requests, by what a write changes: ``dataset`` (the sheets of every year:
#: an import, an appraisal, an outcome or an inspection recorded, the marks of what the tool recorded) and ``runs``
#: (stored runs and the decision log).
CHANGE_SCOPES: tuple[str, ...] = ("dataset", "runs")


class DatasetRepository(Protocol):
    def ping(self) -> None:
        """Reach the database with the least possible query (a health check); raise when it cannot."""
        ...

    def data_version(self, scope: str) -> str | None:
        """The generation of one of :data:`CHANGE_SCOPES` as this unit of work sees it: a token that every
        committed write to that scope replaces, in every process reading the same database, and that is never
        repeated (not even by a database created again). Read in the unit of work's own snapshot, so it belongs
        to what :meth:`load` (or :meth:`list_runs`) returns in the same unit of work; ``None`` once the unit of
        work has itself written to that scope (what it reads then is its own, not yet any generation's), and
        ``None`` while the database has recorded no write to it (nothing would tell two such databases apart)."""
        ...

    def load(self, years: Collection[int] | None = None) -> Dataset:
        """The whole dataset as stored; with ``years``, the yearly sheets hold only those years' rows."""
        ...

    def plan_years(self) -> list[int]:
        """The years that have plans, oldest first."""
        ...

    def year_index(self, incoming: Dataset) -> Dataset:
        """Of the plans (code, year, product, organization) and budget lines (code, year, region) stored for the
        years ``incoming`` does not contain, at least those the checks across years read: the rows whose code
        ``incoming`` uses or its outcomes name, and for each product, organization or region they need that
        ``incoming`` lacks, the first row naming it (:func:`chainplan.years.check_years`)."""
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

    def list_runs(self, *, results: bool = True) -> list[StoredRun]:
        """Stored runs, newest first; with ``results=False`` each run's ``result`` is left empty (``{}``), so
        listing many runs does not read every stored document."""
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

    def update_user(self, name: str, *, role: str | None = None, active: bool | None = None,
                    password_hash: str | None = None, expected_version: int | None = None, by: str = "",
                    at: dt.datetime | None = None) -> bool:
        """Change a user's role, whether they may sign in, or their password hash, and bump their version.

        With ``expected_version``, only when the stored version still is that one (one conditional UPDATE, so it
        holds across processes); returns whether the row was changed.
        """
        ...

    def appraisal_stamp(self, plan_code: str, stage: str) -> EditStamp | None:
        """The version of the plan's appraisal at that stage, ``None`` when there is none yet."""
        ...

    def save_appraisal(self, appraisal: Appraisal, *, expected_version: int | None = None, by: str = "",
                       at: dt.datetime | None = None) -> bool:
        """Store one appraisal in place of the plan's row for that stage (a new row when there is none).

        With ``expected_version`` (0: no row yet), only when the stored row still has it; returns whether it
        was written (nothing is written otherwise).
        """
        ...

    def add_session(self, session: WebSession) -> None:
        """Store a new signed-in session."""
        ...

    def get_session(self, key: str) -> WebSession | None:
        """The session with that key, ``None`` when it ended."""
        ...

    def session_and_user(self, key: str) -> tuple[WebSession, User | None] | None:
        """The session with that key and its user (``None`` when no user has that name), read together: the check
        every request makes, in one query. ``None`` when the session ended."""
        ...

    def touch_session(self, key: str, at: dt.datetime) -> None:
        """Record a request on the session (for the idle timeout)."""
        ...

    def end_sessions(self, *, key: str | None = None, user_name: str | None = None,
                     idle_before: dt.datetime | None = None) -> int:
        """End one session, every session of a user, or every session idle since before a time; how many."""
        ...

    def add_sign_in_failure(self, failure: SignInFailure) -> None:
        """Record a refused sign-in."""
        ...

    def sign_in_failures(self, *, since: dt.datetime, user_name: str | None = None,
                         address: str | None = None) -> list[dt.datetime]:
        """When sign-ins failed since ``since`` for that name (or from that address), oldest first."""
        ...

    def clear_sign_in_failures(self, *, user_name: str | None = None, address: str | None = None,
                               before: dt.datetime | None = None) -> int:
        """Forget refused sign-ins of a name, from an address, or older than ``before``; how many."""
        ...

    def get_outcome(self, plan_code: str) -> Outcome | None:
        """The plan's stored outcome (its latest report), ``None`` when none is stored."""
        ...

    def outcome_stamp(self, plan_code: str) -> EditStamp | None:
        """The version of the plan's outcome, ``None`` when none is stored yet."""
        ...

    def save_outcome(self, outcome: Outcome, *, expected_version: int | None = None, by: str = "",
                     at: dt.datetime | None = None) -> bool:
        """Store one outcome in place of the plan's row (a new row, last, when there is none).

        With ``expected_version`` (0: no row yet), only when the stored row still has it; returns whether it
        was written (nothing is written otherwise).
        """
        ...

    def save_inspection(self, inspection: Inspection) -> bool:
        """Store one new inspection as the last row; ``False``, and nothing written, when its code is taken (the
        caller checked it was free, but another writer may have taken it since)."""
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


class WebServer(Protocol):
    """What ``chainplan serve``, ``chainplan worker`` and ``chainplan standby`` need, without naming their
    servers: the installed script wires in gunicorn and Celery (``dash_app.serve``) and the standby
    (``models.standby``)."""

    def serve(self, db_url: str | None, *, host: str, port: int, workers: int | None, jobs: str | None) -> int:
        """Serve the web interface until stopped; return the exit code."""
        ...

    def worker(self, db_url: str | None, *, jobs: str | None, concurrency: int | None) -> int:
        """Run the web interface's background jobs from the queue ``jobs`` until stopped; return the exit code."""
        ...

    def standby(self, db_url: str | None) -> int:
        """Keep a process ready for the command line (``chainplan standby``) until stopped; return the exit code."""
        ...
