"""Alembic migrations, run from code: ``chainplan db upgrade`` and every command's first use of a database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD_REVISION", "alembic_config", "current_revision", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The newest migration (``tests/integration/test_repository.py`` keeps it equal to Alembic's head). A database
#: already at it is not handed to Alembic, whose import and script scan cost every command about half a second.
HEAD_REVISION = "0009"


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, ``None`` for a database without the schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database behind ``engine`` to ``revision`` (creating the schema on an empty database)."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)
