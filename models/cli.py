"""The installed ``chainplan`` command: the command line (``chainplan.cli``) on SQLAlchemy storage.

The command line itself knows storage only through :class:`chainplan.ports.Storage`; this edge module supplies the
SQLAlchemy implementation (:mod:`models.storage`, which the web app wires in too), so ``chainplan/`` imports neither
``sqlalchemy`` nor ``models``.
``python -m models.cli ...`` runs it too.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from chainplan import cli
from models.storage import SqlAlchemyStorage

__all__ = ["SqlAlchemyStorage", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainplan`` script; returns the exit code."""
    return cli.main(argv, storage=SqlAlchemyStorage())


if __name__ == "__main__":
    sys.exit(main())
