"""The check every web request makes (``services.session_user``) costs one query on SQLite and PostgreSQL: the
session and its user read together; the last-seen time is written at most once per ``TOUCH_EVERY``, and a session
idle too long, of a disabled user or of a name that is gone still lets nobody in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event

from chainplan import services
from chainplan.services.signin import TOUCH_EVERY
from models.uow import SqlAlchemyUnitOfWork, engine_for

IDLE = dt.timedelta(minutes=30)
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def statements(database_url: str) -> Iterator[list[str]]:
    """The data statements (not BEGIN, COMMIT, ROLLBACK) run on the database from now on."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else ""
        if verb in ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH"):
            seen.append(verb)

    engine = engine_for(database_url)
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def uow(url: str) -> SqlAlchemyUnitOfWork:
    return SqlAlchemyUnitOfWork(url)


def test_a_request_costs_one_query_and_last_seen_is_written_once_a_minute(database_url: str,
                                                                          statements: list[str]) -> None:
    services.add_user(uow(database_url), "can-bo", role="planner", password="long-enough-1")
    token = services.open_session(uow(database_url), "can-bo", now=START)
    statements.clear()
    for seconds in range(0, int(TOUCH_EVERY.total_seconds()), 7):
        user = services.session_user(uow(database_url), token, idle=IDLE, now=START + dt.timedelta(seconds=seconds))
        assert user is not None and user.name == "can-bo"
    assert statements == ["SELECT"] * len(range(0, int(TOUCH_EVERY.total_seconds()), 7))
    statements.clear()
    later = START + TOUCH_EVERY
    assert services.session_user(uow(database_url), token, idle=IDLE, now=later) is not None
    assert statements == ["SELECT", "UPDATE"]  # a minute on: the last-seen time is written once
    statements.clear()
    assert services.session_user(uow(database_url), token, idle=IDLE, now=later + dt.timedelta(seconds=1))
    assert statements == ["SELECT"]
    # Idle from the written time, not from the start: the write counted.
    assert services.session_user(uow(database_url), token, idle=IDLE, now=later + IDLE - dt.timedelta(seconds=1))


def test_an_idle_session_a_disabled_user_and_an_unknown_token_let_nobody_in(database_url: str) -> None:
    services.add_user(uow(database_url), "lanh-dao", role="committee", password="long-enough-1")
    idle = services.open_session(uow(database_url), "lanh-dao", now=START)
    assert services.session_user(uow(database_url), idle, idle=IDLE, now=START + IDLE) is None
    assert services.session_user(uow(database_url), idle, idle=IDLE, now=START) is None  # ended, not just refused
    assert services.session_user(uow(database_url), "not-a-token", idle=IDLE, now=START) is None
    live = services.open_session(uow(database_url), "lanh-dao", now=START)
    with uow(database_url) as unit:
        unit.repository.update_user("lanh-dao", active=False)
        unit.commit()
    assert services.session_user(uow(database_url), live, idle=IDLE, now=START) is None
