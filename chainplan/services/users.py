"""Use cases on the people who sign in: add, list, change (with optimistic locking), set a password,
authenticate (in constant time whether the name exists or not), the demo admin.

Changing a user's role, disabling them or setting their password ends their sessions in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import functools

from chainplan.errors import EditConflict
from chainplan.ports import UnitOfWork, User
from chainplan.services._common import edit_conflict
from chainplan.users import ROLES, UserRefused, check_password, check_user_name
from chainplan.wording import Joined

__all__ = [
    "add_user",
    "authenticate",
    "change_user",
    "ensure_demo_admin",
    "get_user",
    "list_users",
    "set_password",
]


@functools.cache
def _absent_user_hash() -> str:
    """A scrypt hash of a random password, made once per process: an unknown or disabled name is checked against
    it, so every sign-in costs one scrypt and its time does not tell whether the name exists."""
    import secrets

    from werkzeug.security import generate_password_hash

    return generate_password_hash(secrets.token_hex(16), method="scrypt")


def add_user(uow: UnitOfWork, name: str, *, role: str, password: str) -> User:
    """Create a user; the password is kept only as a scrypt hash.

    Raises :class:`~chainplan.users.UserRefused` for a taken or bad name, an unknown role or a short password.
    """
    from werkzeug.security import generate_password_hash

    name = check_user_name(name)
    if role not in ROLES:
        raise UserRefused("error.user.unknown_role", role=repr(role), roles=Joined(ROLES))
    check_password(password)
    user = User(name, role, generate_password_hash(password, method="scrypt"))
    with uow:
        if uow.repository.get_user(name) is not None:
            raise UserRefused("error.user.exists", name=repr(name))
        uow.repository.add_user(user)
        uow.commit()
    return user


def list_users(uow: UnitOfWork) -> list[User]:
    with uow:
        return uow.repository.list_users()


def get_user(uow: UnitOfWork, name: str) -> User | None:
    """One user as stored (with the version a form carries), ``None`` when there is no such name."""
    with uow:
        return uow.repository.get_user(name)


def change_user(uow: UnitOfWork, name: str, *, role: str | None = None, active: bool | None = None,
                opened_version: int | None = None, by: str = "") -> User:
    """Set a user's role or disable (``active=False``) or enable them. The last active admin is kept.

    A form passes the ``opened_version`` it showed: when someone changed the user since, nothing is written and
    :class:`~chainplan.errors.EditConflict` names who and when. A changed role or a disabled account ends the
    user's sessions at once.
    """
    if role is not None and role not in ROLES:
        raise UserRefused("error.user.unknown_role", role=repr(role), roles=Joined(ROLES))
    with uow:
        user = uow.repository.get_user(name)
        if user is None:
            raise UserRefused("error.user.unknown_user", name=repr(name))
        if opened_version is not None and user.version != opened_version:
            raise _user_conflict(user)
        admins = [u for u in uow.repository.list_users() if u.role == "admin" and u.active]
        losing_admin = user.role == "admin" and user.active and (role not in (None, "admin") or active is False)
        if losing_admin and len(admins) == 1:
            raise UserRefused("error.user.last_admin", name=name)
        # Another process may have saved between the read above and this conditional write: then nothing is written.
        raced = not uow.repository.update_user(name, role=role, active=active, expected_version=opened_version,
                                               by=by)
        if not raced:
            if (role is not None and role != user.role) or (active is False and user.active):
                uow.repository.end_sessions(user_name=name)
            uow.commit()
            changed = uow.repository.get_user(name)
    if raced:
        # Who saved since is read in a new snapshot: this one (REPEATABLE READ on PostgreSQL) still shows the
        # version the form was opened on.
        with uow:
            changed = uow.repository.get_user(name)
        raise _user_conflict(changed or user)
    assert changed is not None
    return changed


def _user_conflict(user: User) -> EditConflict:
    return edit_conflict("error.conflict.user", user.version, user.changed_by, user.changed_at, name=user.name)


def set_password(uow: UnitOfWork, name: str, password: str, *, by: str = "") -> User:
    """Give a user a new password (kept only as a scrypt hash); their sessions end at once.

    Raises :class:`~chainplan.users.UserRefused` for an unknown user or a short password.
    """
    from werkzeug.security import generate_password_hash

    check_password(password)
    with uow:
        if uow.repository.get_user(name) is None:
            raise UserRefused("error.user.unknown_user", name=repr(name))
        uow.repository.update_user(name, password_hash=generate_password_hash(password, method="scrypt"), by=by,
                                   at=dt.datetime.now(dt.UTC))
        uow.repository.end_sessions(user_name=name)
        uow.commit()
        changed = uow.repository.get_user(name)
    assert changed is not None
    return changed


def authenticate(uow: UnitOfWork, name: str, password: str) -> User | None:
    """The active user with that name and password, else ``None`` (the same answer for every kind of failure).

    Every call runs one scrypt check, against the user's hash or a stand-in for a name that does not exist or is
    disabled, so the time taken does not tell which names exist.
    """
    from werkzeug.security import check_password_hash

    with uow:
        user = uow.repository.get_user(name.strip())
    usable = user is not None and user.active
    matches = check_password_hash(user.password_hash if usable and user else _absent_user_hash(), password)
    return user if usable and matches else None


def ensure_demo_admin(uow: UnitOfWork, password: str | None = None) -> tuple[str, str | None]:
    """For ``make run``: an ``admin`` user when nobody can manage users yet. Returns the name and the password
    when it was just created (``None`` when an admin existed already, so the password is printed only once)."""
    import secrets

    with uow:
        if any(u.role == "admin" and u.active for u in uow.repository.list_users()):
            return "admin", None
    chosen = password or secrets.token_urlsafe(12)
    add_user(uow, "admin", role="admin", password=chosen)
    return "admin", chosen

