"""Use cases of signing in: throttled sign-in, sessions kept in storage, unlocking a name.

Everything lives in storage, nothing in a process's memory, so that every worker of a server sees the same
sessions and the same counts: a session ended in one worker is ended in all of them at once.

- :func:`sign_in` refuses a locked name or address (:class:`~chainplan.users.SignInLocked`) before checking
  anything, else checks the password (one scrypt, whether the name exists or not) and counts a failure.
- :func:`open_session` gives the browser a random token; storage keeps only its SHA-256, so reading the
  database does not give anyone a usable cookie.
- :func:`session_user` is asked on every request: the user of a live session, or ``None`` when it ended (signed
  out, idle too long, the user disabled, their role or password changed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import secrets

from chainplan.ports import SignInFailure, UnitOfWork, User, WebSession
from chainplan.services.users import authenticate
from chainplan.users import (
    ADDRESS_FAILURES,
    LOCK_TIME,
    NAME_FAILURES,
    THROTTLE_WINDOW,
    SignInLocked,
    UserRefused,
    locked_until,
    throttle_name,
)

__all__ = [
    "DEFAULT_IDLE",
    "TOUCH_EVERY",
    "end_session",
    "open_session",
    "session_user",
    "sign_in",
    "unlock_user",
]

#: A session ends after this long without a request (``CHAINPLAN_SESSION_IDLE_MINUTES``).
DEFAULT_IDLE = dt.timedelta(minutes=480)
#: A session's last request is written at most this often: a write per callback would cost more than it tells.
TOUCH_EVERY = dt.timedelta(seconds=60)
#: Refused sign-ins older than this can no longer count for a lock; they are cleared as new ones come.
_KEEP_FAILURES = THROTTLE_WINDOW + LOCK_TIME


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _check_locks(uow: UnitOfWork, name: str, address: str, now: dt.datetime) -> None:
    since = now - _KEEP_FAILURES
    for code, limit, failures in (
        ("error.sign_in.locked_name", NAME_FAILURES, uow.repository.sign_in_failures(since=since, user_name=name)),
        ("error.sign_in.locked_address", ADDRESS_FAILURES,
         uow.repository.sign_in_failures(since=since, address=address)),
    ):
        until = locked_until(failures, limit)
        if until is not None and until > now:
            raise SignInLocked(code, until=until, minutes=max(1, math.ceil((until - now).total_seconds() / 60)))


def sign_in(uow: UnitOfWork, name: str, password: str, address: str, *, now: dt.datetime | None = None) -> User | None:
    """The active user with that name and password, else ``None``; a failure is counted for the name (known or
    not) and the address.

    Raises :class:`~chainplan.users.SignInLocked` while the name or the address is locked (the right password
    included); nothing is checked or counted then.
    """
    now = _now(now)
    key = throttle_name(name)
    address = (address or "")[:64]
    with uow:
        _check_locks(uow, key, address, now)
    user = authenticate(uow, name, password)
    with uow:
        if user is None:
            uow.repository.add_sign_in_failure(SignInFailure(key, address, now))
            uow.repository.clear_sign_in_failures(before=now - _KEEP_FAILURES)
        else:
            # The name's owner got in: earlier guesses at it no longer count (the address's still do).
            uow.repository.clear_sign_in_failures(user_name=key)
        uow.commit()
    return user


def unlock_user(uow: UnitOfWork, name: str) -> int:
    """Lift a lock on sign-ins for ``name`` (forget its refused sign-ins); how many were forgotten.

    Raises :class:`~chainplan.users.UserRefused` for a name that is no user.
    """
    with uow:
        if uow.repository.get_user(name) is None:
            raise UserRefused("error.user.unknown_user", name=repr(name))
        forgotten = uow.repository.clear_sign_in_failures(user_name=throttle_name(name))
        uow.commit()
    return forgotten


def open_session(uow: UnitOfWork, user_name: str, *, idle: dt.timedelta = DEFAULT_IDLE,
                 now: dt.datetime | None = None) -> str:
    """A new session for ``user_name``; returns the token for the browser's cookie. Sessions idle longer than
    ``idle`` are cleared on the way."""
    now = _now(now)
    token = secrets.token_urlsafe(32)
    with uow:
        uow.repository.end_sessions(idle_before=now - idle)
        uow.repository.add_session(WebSession(_key(token), user_name, now, now))
        uow.commit()
    return token


def session_user(uow: UnitOfWork, token: str | None, *, idle: dt.timedelta = DEFAULT_IDLE,
                 now: dt.datetime | None = None) -> User | None:
    """The active user whose live session ``token`` is, else ``None`` (a session idle longer than ``idle`` is
    ended here)."""
    if not token:
        return None
    now = _now(now)
    key = _key(token)
    with uow:
        # One query on every request (the session with its user); a write only when the session is idle too long
        # or its last request was written more than TOUCH_EVERY ago.
        found = uow.repository.session_and_user(key)
        if found is None:
            return None
        session, user = found
        if now - session.last_seen_at >= idle:
            uow.repository.end_sessions(key=key)
            uow.commit()
            return None
        if user is None or not user.active:
            return None
        if now - session.last_seen_at >= TOUCH_EVERY:
            uow.repository.touch_session(key, now)
            uow.commit()
    return user


def end_session(uow: UnitOfWork, token: str | None) -> None:
    """Sign out: the session ``token`` ends for every worker."""
    if not token:
        return
    with uow:
        uow.repository.end_sessions(key=_key(token))
        uow.commit()
