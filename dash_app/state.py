"""The storage the app works on, the unit of work for the current request's database, and the folders beside it.

Pages know storage only through :class:`chainplan.ports.Storage`, as the command line does; the entry point
(:func:`dash_app.app.create_app`) wires one in with :func:`use_storage`. The storage is a module value, not the Flask
configuration, because a background solve runs in a forked process without the app's context and inherits it.
"""

from __future__ import annotations

import os
from pathlib import Path

import flask

from chainplan.ports import Storage, StorageSlot, UnitOfWork

__all__ = [
    "beside_database",
    "database",
    "scenario_folder",
    "storage",
    "unit_of_work",
    "use_storage",
    "use_worker_database",
]

_slot = StorageSlot("dash_app.app.create_app")
#: ``chainplan worker --db URL``: the database a Celery worker's jobs use, in place of the one the web server
#: named in the job (a worker on another machine may reach the same database by another address).
_worker_database: list[str] = []


def use_storage(storage: Storage) -> None:
    """Set the storage the pages work on (the entry point does, once: :func:`dash_app.app.create_app`)."""
    _slot.use(storage)


def storage() -> Storage:
    """The storage the entry point wired in."""
    return _slot.get()


def database() -> str:
    """The URL of the database this app serves (from the running app's configuration)."""
    return storage().url(flask.current_app.config.get("CHAINPLAN_DB_URL"))


def use_worker_database(db_url: str | None) -> None:
    """Make this process's jobs use ``db_url`` (``chainplan worker --db``), whatever database a job names."""
    _worker_database[:] = [db_url] if db_url else []


def unit_of_work(db_url: str | None = None) -> UnitOfWork:
    """A unit of work on ``db_url``, else on the app's database (inside a request); in a Celery worker started
    with ``--db``, on that database."""
    return storage().unit_of_work(next(iter(_worker_database), None) or db_url or database())


def beside_database(db_url: str | None, suffix: str) -> Path:
    """A path kept beside the SQLite database file (``chainplan.db`` + ``suffix``), or in the working folder for a
    server database such as PostgreSQL."""
    url = storage().url(db_url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///") + suffix)
    return Path(f"chainplan{suffix}")


def scenario_folder() -> Path:
    """Where the shipped scenario files are: ``CHAINPLAN_SCENARIOS`` or ``scenarios/`` in the working folder."""
    return Path(os.environ.get("CHAINPLAN_SCENARIOS") or "scenarios")
