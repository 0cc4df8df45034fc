"""The SQLAlchemy unit of work, engines per URL, and the schema upgrade on first use.

Several processes write at once on a province's server (gunicorn workers, background solves, Celery workers, the
command line), so every engine is set up for it:

- **SQLite** runs in WAL mode (readers never wait for a writer, nor a writer for readers) with a busy timeout
  (a writer waits for another writer's commit instead of failing at once), and each transaction is a real one,
  begun at its first statement: the driver's default leaves reads outside any transaction, so reading the
  dataset's ten tables while an import commits could mix the old dataset with the new.
- **PostgreSQL** pings a pooled connection before handing it out (``pool_pre_ping``), so a restarted server costs
  one reconnect rather than a failed request, and transactions are ``REPEATABLE READ``: one snapshot for the
  whole unit of work, so a reader never sees an import half-way, and two writers to the same row cannot both win.

Every session also records what its transaction changed: a commit that wrote to a sheet's table (or to the marks of
what the tool recorded), or to the runs and the decision log, adds a row to ``data_changes`` in the same
transaction (:class:`TrackedSession`). That row is the data generation the services' cache checks
(``chainplan/services/_cache.py``): it is committed exactly when the data it announces is, in whichever process
wrote it (a gunicorn worker, a background solve, the command line).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
import weakref
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, insert
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction, sessionmaker

from chainplan.ports import EncodedDocument, UnitOfWork
from models.migrate import upgrade
from models.repository import SqlAlchemyRepository
from models.tables import CHANGE_SCOPES, DataChangeRow

__all__ = ["DEFAULT_DB_URL", "SQLITE_BUSY_TIMEOUT_MS", "SqlAlchemyUnitOfWork", "TrackedSession", "database_url",
           "engine_for", "json_text"]

DEFAULT_DB_URL = "sqlite:///chainplan.db"


def database_url(explicit: str | None = None) -> str:
    """``--db`` if given, else ``CHAINPLAN_DB_URL``, else an SQLite file in the current folder."""
    return explicit or os.environ.get("CHAINPLAN_DB_URL") or DEFAULT_DB_URL


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


#: How long an SQLite writer waits for another's commit before giving up (ms); an import of a national dataset
#: holds the lock for a few seconds.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def json_text(value: Any) -> str:
    """What a JSON column stores: an encoded document's own text (encoded once, for the check, the store and the
    print), anything else encoded as SQLAlchemy's default does."""
    return value.text if isinstance(value, EncodedDocument) else json.dumps(value)


def _new_engine(url: str) -> Engine:
    """An engine set up for several writing processes (the module docstring says how and why)."""
    normalised = _normalise(url)
    if not normalised.startswith("sqlite"):
        return create_engine(normalised, future=True, pool_pre_ping=True, isolation_level="REPEATABLE READ",
                             json_serializer=json_text)
    engine = create_engine(normalised, future=True, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                           json_serializer=json_text)

    @event.listens_for(engine, "connect")
    def _connected(dbapi_connection: Any, _record: object) -> None:
        # The driver's own transaction handling off: SQLAlchemy's "begin" below opens every transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    return engine


@cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process, its schema upgraded to the newest migration."""
    engine = _new_engine(url)
    upgrade(engine)
    _ENGINES.add(engine)
    return engine


#: Every engine of this process (weakly: a cleared cache lets its engines go).
_ENGINES: weakref.WeakSet[Engine] = weakref.WeakSet()


def close_sqlite_databases() -> None:
    """Close this process's pooled SQLite connections as a command ends.

    The last connection to a database in WAL mode folds the write-ahead log into the database file when it closes.
    A command that ends without closing leaves what it wrote in ``<file>-wal`` only, so a copy of the database file
    alone (a backup, a file sent to a colleague) would miss it. A connection another process holds open (a web
    server) keeps the log; ``README.md`` says how to copy a database safely then.
    """
    for engine in list(_ENGINES):
        if engine.dialect.name == "sqlite":
            with contextlib.suppress(Exception):  # ending anyway: a database that cannot be closed keeps its log
                engine.dispose()


def _forget_inherited_connections() -> None:
    # A forked child (a background solve) must not use the parent's pooled connections: two processes on one
    # PostgreSQL socket corrupt both sessions. SQLAlchemy's documented remedy: dispose without closing them.
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


class TrackedSession(Session):
    """A session that adds a ``data_changes`` row per scope its transaction wrote to, when (and only if) it commits.

    Writes are seen wherever they come from: statements run through :meth:`Session.execute` (an import's bulk
    inserts and deletes, a conditional ``UPDATE``) and objects flushed by the ORM (``session.add``), so a new
    repository method is covered without anyone remembering to announce its change.
    """

    def changed(self) -> set[str]:
        """The scopes written by the transaction in progress."""
        changed: set[str] = self.info.setdefault("changed_scopes", set())
        return changed

    def seen_versions(self) -> dict[str, str]:
        """The generations the transaction in progress has read (its snapshot's: they cannot move within it)."""
        seen: dict[str, str] = self.info.setdefault("seen_versions", {})
        return seen


def _scope_of(table: Any) -> str | None:
    return CHANGE_SCOPES.get(getattr(table, "name", ""))


@event.listens_for(TrackedSession, "do_orm_execute")
def _statement_written(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        scope = _scope_of(getattr(state.statement, "table", None))
        if scope is not None:
            state.session.changed().add(scope)  # type: ignore[attr-defined]


@event.listens_for(TrackedSession, "before_flush")
def _objects_written(session: TrackedSession, _context: UOWTransaction, _instances: object) -> None:
    for row in (*session.new, *session.dirty, *session.deleted):
        scope = _scope_of(getattr(row, "__table__", None))
        if scope is not None:
            session.changed().add(scope)


@event.listens_for(TrackedSession, "before_commit")
def _announce_changes(session: TrackedSession) -> None:
    session.flush()  # objects still pending go through before_flush before the changes are counted
    scopes = sorted(session.changed())
    if scopes:
        now = dt.datetime.now(dt.UTC)
        session.execute(insert(DataChangeRow), [{"scope": scope, "stamp": uuid.uuid4().hex, "at": now}
                                                for scope in scopes])


@event.listens_for(TrackedSession, "after_transaction_end")
def _forget_transaction(session: TrackedSession, transaction: SessionTransaction) -> None:
    # Committed or rolled back: the next transaction has a snapshot of its own and has written nothing yet. A
    # savepoint's end (a refused conditional update) is no end of the transaction.
    if transaction.nested or transaction.parent is not None:
        return
    session.changed().clear()
    session.seen_versions().clear()


class SqlAlchemyUnitOfWork(UnitOfWork):
    """A session per ``with`` block; leaving the block without :meth:`commit` rolls everything back."""

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self._factory = sessionmaker(bind=engine_for(self.url), expire_on_commit=False, class_=TrackedSession)
        self.session: Session | None = None

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        self.session = self._factory()
        self.repository = SqlAlchemyRepository(self.session)
        return self

    def __exit__(self, *args: object) -> None:
        super().__exit__(*args)  # type: ignore[arg-type]
        assert self.session is not None
        self.session.close()
        self.session = None

    def commit(self) -> None:
        assert self.session is not None, "use the unit of work in a with block"
        self.session.commit()

    def rollback(self) -> None:
        if self.session is not None:
            self.session.rollback()
