"""The SQLAlchemy unit of work, engines per URL, and the schema upgrade on first use."""

from __future__ import annotations

import os
import weakref
from functools import cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from chainplan.ports import UnitOfWork
from models.migrate import upgrade
from models.repository import SqlAlchemyRepository

__all__ = ["DEFAULT_DB_URL", "SqlAlchemyUnitOfWork", "database_url", "engine_for"]

DEFAULT_DB_URL = "sqlite:///chainplan.db"


def database_url(explicit: str | None = None) -> str:
    """``--db`` if given, else ``CHAINPLAN_DB_URL``, else an SQLite file in the current folder."""
    return explicit or os.environ.get("CHAINPLAN_DB_URL") or DEFAULT_DB_URL


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@cache
def engine_for(url: str) -> Engine:
    """One engine per URL per process, its schema upgraded to the newest migration."""
    engine = create_engine(_normalise(url), future=True)
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
