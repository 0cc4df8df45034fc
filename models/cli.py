"""The installed ``chainplan`` command: the command line (``chainplan.cli``) on SQLAlchemy storage.

The command line itself knows storage only through :class:`chainplan.ports.Storage`; this edge module supplies the
SQLAlchemy implementation (:mod:`models.storage`, which the web app wires in too), so ``chainplan/`` imports neither
``sqlalchemy`` nor ``models``.
``python -m models.cli ...`` runs it too. ``chainplan serve`` and ``chainplan worker`` start the web interface
(:mod:`dash_app.serve`), imported only when one of them runs: every other command starts without Dash.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
import threading
from collections.abc import Sequence
from typing import NoReturn

from chainplan import cli
from models.storage import SqlAlchemyStorage

__all__ = ["GunicornWebServer", "SqlAlchemyStorage", "main", "run"]


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


def run() -> NoReturn:
    """The ``chainplan`` script (and ``python -m models.cli``): :func:`main`, then the process ends without
    tearing the interpreter down object by object.

    A national allocation leaves a heap of about a million objects; freeing them one by one, after the answer was
    printed and stored, took 0.4-0.7 s (benchmarks/README.md). Everything a command leaves pending still happens:
    the exit hooks run (logging's flush among them) and standard output and error are flushed. When a thread that
    is not a daemon is still at work the interpreter ends as usual, waiting for it.
    """
    code = main()
    others = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if any(t.is_alive() for t in others):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (| head), or a stream already closed: nothing more can be written anyway.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
