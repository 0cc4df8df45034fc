""":class:`chainplan.ports.Storage` on SQLAlchemy, the one storage both entry points (command line, web app) wire in.

Importing it imports :mod:`models.uow`, which registers the fork hook that makes a forked background solve drop
the parent's pooled connections.
"""

from __future__ import annotations

from sqlalchemy.exc import ArgumentError, OperationalError

from models.uow import SqlAlchemyUnitOfWork, database_url, engine_for

__all__ = ["SqlAlchemyStorage"]


class SqlAlchemyStorage:
    """:class:`chainplan.ports.Storage` on SQLAlchemy: SQLite by default, PostgreSQL by URL."""

    #: A bad URL or an unreachable server: the user's input, reported with exit 2.
    errors: tuple[type[Exception], ...] = (ArgumentError, OperationalError)

    def unit_of_work(self, url: str | None) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(url)

    def upgrade(self, url: str | None) -> str:
        resolved = database_url(url)
        engine_for(resolved)  # creating the engine upgrades the schema to the newest migration
        return resolved

    def url(self, explicit: str | None) -> str:
        return database_url(explicit)
