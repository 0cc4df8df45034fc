"""Serving a province: ``chainplan serve`` (the web interface under several worker processes),
``chainplan worker`` (background solves from a Redis job queue, on any machine) and ``chainplan standby`` (a
process kept ready, to which every other command hands itself over).

The command line knows the web server only as :class:`chainplan.ports.WebServer`; the installed script
(``models.cli``) wires in gunicorn and Celery.
"""

from __future__ import annotations

from typing import Annotated

import typer

from chainplan.cli.common import OutputFormat, app, database_option, run
from chainplan.ports import WebServer

__all__ = ["use_web_server", "web_server"]

_web: list[WebServer] = []

JobsOption = Annotated[str | None, typer.Option(
    "--jobs", help="Job queue for background solves, redis://HOST:PORT/N (default: $CHAINPLAN_JOBS_URL, else "
                   "jobs run beside this server)")]


def use_web_server(server: WebServer) -> None:
    """Set the web server the two commands start (the entry point does, once: ``models.cli``)."""
    _web[:] = [server]


def web_server() -> WebServer:
    if not _web:
        raise RuntimeError("no web server: start through the installed chainplan script (models.cli:main)")
    return _web[0]


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on")] = 8050,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Worker processes (default: one per "
                                                                           "core)")] = None,
    jobs: JobsOption = None,
) -> int:
    """Serve the web interface for a province: gunicorn with several worker processes, on PostgreSQL or SQLite."""
    return int(run(OutputFormat.table, lambda: web_server().serve(
        database_option(ctx), host=host, port=port, workers=workers, jobs=jobs)))


@app.command("worker")
def worker(
    ctx: typer.Context,
    jobs: JobsOption = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, help="Solves at once (default: one "
                                                                                  "per core)")] = None,
) -> int:
    """Run the web interface's background solves from the Redis job queue (on this or another machine).

    With --db, jobs use that database, else the one the web server named (reach it by the same address)."""
    return int(run(OutputFormat.table, lambda: web_server().worker(
        database_option(ctx), jobs=jobs, concurrency=concurrency)))


@app.command("standby")
def standby(ctx: typer.Context) -> int:
    """Keep a process ready for the command line: libraries imported and the database read once, then each
    chainplan command of this user runs in a copy of it (same answers, a second or more sooner; Ctrl-C stops).

    The socket is $CHAINPLAN_STANDBY_SOCKET, else $XDG_RUNTIME_DIR/chainplan/standby.sock, else
    /tmp/chainplan-UID/standby.sock; CHAINPLAN_STANDBY=0 makes a command run on its own."""
    return int(run(OutputFormat.table, lambda: web_server().standby(database_option(ctx))))
