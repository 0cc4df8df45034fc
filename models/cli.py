"""The installed ``chainplan`` command: the command line (``chainplan.cli``) on SQLAlchemy storage.

The command line itself knows storage only through :class:`chainplan.ports.Storage`; this edge module supplies the
SQLAlchemy implementation (:mod:`models.storage`, which the web app wires in too), so ``chainplan/`` imports neither
``sqlalchemy`` nor ``models``.
``python -m models.cli ...`` runs it too. ``chainplan serve`` and ``chainplan worker`` start the web interface
(:mod:`dash_app.serve`), imported only when one of them runs: every other command starts without Dash.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from chainplan import cli
from models.storage import SqlAlchemyStorage

__all__ = ["GunicornWebServer", "SqlAlchemyStorage", "main"]


class GunicornWebServer:
    """:class:`chainplan.ports.WebServer`: the web interface under gunicorn, its jobs on Celery workers."""

    def serve(self, db_url: str | None, *, host: str, port: int, workers: int | None, jobs: str | None) -> int:
        from dash_app.serve import serve

        return serve(db_url, host=host, port=port, workers=workers, jobs=jobs)

    def worker(self, db_url: str | None, *, jobs: str | None, concurrency: int | None) -> int:
        from dash_app.serve import run_worker

        return run_worker(db_url, jobs=jobs, concurrency=concurrency)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainplan`` script; returns the exit code."""
    return cli.main(argv, storage=SqlAlchemyStorage(), web=GunicornWebServer())


if __name__ == "__main__":
    sys.exit(main())
