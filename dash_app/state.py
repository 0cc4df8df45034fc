"""The unit of work for the current request's database, and the folders the app keeps beside it."""

from __future__ import annotations

import os
from pathlib import Path

import flask

from models.uow import SqlAlchemyUnitOfWork, database_url

__all__ = ["beside_database", "database", "scenario_folder", "unit_of_work"]


def database() -> str:
    """The URL of the database this app serves (from the running app's configuration)."""
    return database_url(flask.current_app.config.get("CHAINPLAN_DB_URL"))


def unit_of_work(db_url: str | None = None) -> SqlAlchemyUnitOfWork:
    """A unit of work on ``db_url``, else on the app's database (inside a request)."""
    return SqlAlchemyUnitOfWork(db_url or database())


def beside_database(db_url: str | None, suffix: str) -> Path:
    """A path kept beside the SQLite database file (``chainplan.db`` + ``suffix``), or in the working folder for a
    server database such as PostgreSQL."""
    url = database_url(db_url)
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///") + suffix)
    return Path(f"chainplan{suffix}")


def scenario_folder() -> Path:
    """Where the shipped scenario files are: ``CHAINPLAN_SCENARIOS`` or ``scenarios/`` in the working folder."""
    return Path(os.environ.get("CHAINPLAN_SCENARIOS") or "scenarios")
