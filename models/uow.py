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
"""

from __future__ import annotations

import json
import os
import weakref
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chainplan.ports import EncodedDocument, UnitOfWork
from models.migrate import upgrade
from models.repository import SqlAlchemyRepository

__all__ = ["DEFAULT_DB_URL", "SQLITE_BUSY_TIMEOUT_MS", "SqlAlchemyUnitOfWork", "database_url", "engine_for",
           "json_text"]

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


def _forget_inherited_connections() -> None:
    # A forked child (a background solve) must not use the parent's pooled connections: two processes on one
    # PostgreSQL socket corrupt both sessions. SQLAlchemy's documented remedy: dispose without closing them.
    for engine in list(_ENGINES):
        engine.dispose(close=False)


os.register_at_fork(after_in_child=_forget_inherited_connections)


class SqlAlchemyUnitOfWork(UnitOfWork):
    """A session per ``with`` block; leaving the block without :meth:`commit` rolls everything back."""

    def __init__(self, url: str | None = None):
        self.url = database_url(url)
        self._factory = sessionmaker(bind=engine_for(self.url), expire_on_commit=False)
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
