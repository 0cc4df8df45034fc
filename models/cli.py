"""The installed ``chainplan`` command: the command line (``chainplan.cli``) on SQLAlchemy storage.

The command line itself knows storage only through :class:`chainplan.ports.Storage`; this edge module supplies the
SQLAlchemy implementation, so ``chainplan/`` imports neither ``sqlalchemy`` nor ``models``.
``python -m models.cli ...`` runs it too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sqlalchemy.exc import ArgumentError, OperationalError

from chainplan import cli
from models.uow import SqlAlchemyUnitOfWork, database_url, engine_for

__all__ = ["SqlAlchemyStorage", "main"]


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


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainplan`` script; returns the exit code."""
    return cli.main(argv, storage=SqlAlchemyStorage())


if __name__ == "__main__":
    sys.exit(main())
