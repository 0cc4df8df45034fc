"""The unit of work for the current request's database."""

from __future__ import annotations

import flask

from models.uow import SqlAlchemyUnitOfWork

__all__ = ["unit_of_work"]


def unit_of_work() -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(flask.current_app.config.get("CHAINPLAN_DB_URL"))
