"""The installed ``chainplan`` command: the command line (``chainplan.cli``) on SQLAlchemy storage.

The command line itself knows storage only through :class:`chainplan.ports.Storage`; this edge module supplies the
SQLAlchemy implementation (:mod:`models.storage`, which the web app wires in too), so ``chainplan/`` imports neither
``sqlalchemy`` nor ``models``.
``python -m models.cli ...`` runs it too. ``chainplan serve`` and ``chainplan worker`` start the web interface
(:mod:`dash_app.serve`), imported only when one of them runs: every other command starts without Dash.

The script first offers its command to a ``chainplan standby`` process (:mod:`models.standby`), before importing
anything beyond the standard library; with none running, or one of other code, it runs the command itself.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from models import standby

if TYPE_CHECKING:
    from models.storage import SqlAlchemyStorage

__all__ = ["GunicornWebServer", "SqlAlchemyStorage", "end", "main", "run"]


def __getattr__(name: str) -> Any:
    # The storage is imported on first use, not with this module: the hand-over to a standby needs none of it.
    if name == "SqlAlchemyStorage":
        from models.storage import SqlAlchemyStorage

        return SqlAlchemyStorage
    raise AttributeError(name)


class GunicornWebServer:
    """:class:`chainplan.ports.WebServer`: the web interface under gunicorn, its jobs on Celery workers, and the
    standby that keeps a process ready for the command line."""

    def serve(self, db_url: str | None, *, host: str, port: int, workers: int | None, jobs: str | None) -> int:
        from dash_app.serve import serve

        return serve(db_url, host=host, port=port, workers=workers, jobs=jobs)

    def worker(self, db_url: str | None, *, jobs: str | None, concurrency: int | None) -> int:
        from dash_app.serve import run_worker

        return run_worker(db_url, jobs=jobs, concurrency=concurrency)

    def standby(self, db_url: str | None) -> int:
        from models.uow import database_url

        return standby.serve_standby(database_url(db_url))


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainplan`` script; returns the exit code."""
    from chainplan import cli
    from models.storage import SqlAlchemyStorage

    return cli.main(argv, storage=SqlAlchemyStorage(), web=GunicornWebServer())


def end(code: int, *, by_signal: int | None = None) -> NoReturn:
    """End the process with ``code`` without tearing the interpreter down object by object.

    A national allocation leaves a heap of about a million objects; freeing them one by one, after the answer was
    printed and stored, took 0.4-0.7 s (benchmarks/README.md). Everything a command leaves pending still happens:
    threads that are not daemons are waited for, the exit hooks run (logging's flush among them) and standard
    output and error are flushed. With ``by_signal`` the process then ends by that signal, as the interpreter
    ends on an uncaught Ctrl-C.
    """
    if any(thread.is_alive() and not thread.daemon and thread is not threading.current_thread()
           for thread in threading.enumerate()):
        # As the interpreter's own exit: the hooks threads registered (an executor's shutdown) run, then each
        # thread is waited for.
        threading._shutdown()  # type: ignore[attr-defined]
    atexit._run_exitfuncs()
    storage = sys.modules.get("models.uow")  # not imported by a command handed to a standby, nor by --help
    if storage is not None:
        storage.close_sqlite_databases()
    for stream in (sys.stdout, sys.stderr):
        # A reader that went away (| head), or a stream already closed: nothing more can be written anyway.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    if by_signal is not None:
        signal.signal(by_signal, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, [by_signal])
        os.kill(os.getpid(), by_signal)
    os._exit(code)


def run() -> NoReturn:
    """The ``chainplan`` script (and ``python -m models.cli``): the command handed to a standby if one of the same
    code runs, else :func:`main` here; then the process ends (:func:`end`)."""
    standby.note_identity(sys.argv[1:])
    handed = standby.hand_over(sys.argv[1:])
    end(handed if handed is not None else main())


if __name__ == "__main__":
    run()
