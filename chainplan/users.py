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
"""

from __future__ import annotations

from chainplan.errors import ChainplanError
from chainplan.io.cells import control_character

__all__ = ["ACTIONS", "MIN_PASSWORD_LENGTH", "ROLES", "UserRefused", "allowed", "check_password", "check_user_name"]

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
}
MIN_PASSWORD_LENGTH = 8


class UserRefused(ChainplanError, ValueError):
    """A user cannot be added or changed as asked, or a role does not allow the action; the message says why."""


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
