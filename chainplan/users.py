"""People who use chainplan and what their role lets them do. Roles nest: each can do what the one before can.

- ``viewer`` reads everything;
- ``planner`` also imports data, records appraisals and runs scenarios;
- ``committee`` also adopts decisions;
- ``admin`` also manages users.

Examples
--------
>>> allowed("planner", "run"), allowed("planner", "adopt"), allowed("admin", "adopt")
(True, False, True)
>>> check_user_name("lan.nguyen")
'lan.nguyen'

Sign-in throttling: :data:`NAME_FAILURES` refused sign-ins for one name (or :data:`ADDRESS_FAILURES` from one
address) within :data:`THROTTLE_WINDOW` lock it for :data:`LOCK_TIME` after the last of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character

__all__ = [
    "ACTIONS",
    "ADDRESS_FAILURES",
    "LOCK_TIME",
    "MIN_PASSWORD_LENGTH",
    "NAME_FAILURES",
    "ROLES",
    "THROTTLE_WINDOW",
    "SignInLocked",
    "UserRefused",
    "allowed",
    "check_password",
    "check_user_name",
    "locked_until",
    "throttle_name",
]

ROLES: tuple[str, ...] = ("viewer", "planner", "committee", "admin")
#: The least role each action needs.
ACTIONS: dict[str, str] = {
    "read": "viewer",
    "import": "planner",
    "appraise": "planner",
    "run": "planner",
    "record_outcome": "planner",
    "inspect": "planner",
    "adopt": "committee",
    "manage_users": "admin",
    # Storing the demo dataset on an empty database, from the overview's first-run path.
    "load_demo": "admin",
}
MIN_PASSWORD_LENGTH = 8
#: Refused sign-ins for one user name, from any address, that lock the name.
NAME_FAILURES = 5
#: Refused sign-ins from one address, for any names, that lock the address.
ADDRESS_FAILURES = 20
THROTTLE_WINDOW = dt.timedelta(minutes=15)
LOCK_TIME = dt.timedelta(minutes=15)


class UserRefused(ChainplanError, ValueError):
    """A user cannot be added or changed as asked, or a role does not allow the action; the message says why."""


class SignInLocked(ChainplanError, ValueError):
    """Sign-ins for a name (``error.sign_in.locked_name``) or from an address (``locked_address``) are refused
    until ``until``, the right password included."""

    def __init__(self, code: str, /, *, until: dt.datetime, minutes: int) -> None:
        self.until = until
        super().__init__(code, minutes=minutes)


def allowed(role: str | None, action: str) -> bool:
    """Whether ``role`` may do ``action`` (an unknown role or action may do nothing)."""
    if role not in ROLES or action not in ACTIONS:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])


def check_user_name(name: str) -> str:
    """A user name: 1 to 64 characters, no spaces or control characters."""
    name = name.strip()
    if not 1 <= len(name) <= 64 or any(c.isspace() for c in name) or control_character(name):
        raise UserRefused("error.user.bad_name", name=repr(name))
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserRefused("error.user.short_password", least=MIN_PASSWORD_LENGTH)
    if control_character(password):
        raise UserRefused("error.user.password_control")
    return password


def throttle_name(name: str) -> str:
    """The key refused sign-ins for ``name`` are counted under: the name as signing in reads it. Text that cannot
    be a user name (too long, control characters, which no database column should hold) shares one key.

    >>> throttle_name("  lan "), throttle_name("x" * 65), throttle_name("a" + chr(0) + "b")
    ('lan', '', '')
    """
    name = name.strip()
    return name if len(name) <= 64 and not control_character(name) else ""


def locked_until(failures: Iterable[dt.datetime], limit: int, *, window: dt.timedelta = THROTTLE_WINDOW,
                 lock: dt.timedelta = LOCK_TIME) -> dt.datetime | None:
    """When the lock that these refused sign-ins earned ends: ``limit`` of them within ``window`` lock for ``lock``
    after the last of those; ``None`` when they never did. The caller compares with the time now.

    A lock is read from the failures themselves (no lock row to keep in step), and a sign-in refused while
    locked is not counted, so the lock ends on time whatever is tried meanwhile.

    Examples
    --------
    >>> t0 = dt.datetime(2026, 12, 1, 8, 0)
    >>> minutes = [t0 + dt.timedelta(minutes=m) for m in (0, 3, 6, 9, 12)]
    >>> locked_until(minutes, 5)
    datetime.datetime(2026, 12, 1, 8, 27)
    >>> locked_until(minutes[:4], 5) is None  # four are not enough
    True
    >>> locked_until([t0 + dt.timedelta(minutes=4 * m) for m in range(5)], 5) is None  # spread over 16 minutes
    True
    """
    ordered = sorted(failures)
    until: dt.datetime | None = None
    for last in range(limit - 1, len(ordered)):
        if ordered[last] - ordered[last - limit + 1] < window:
            until = ordered[last] + lock
    return until
