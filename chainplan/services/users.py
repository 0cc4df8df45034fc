"""Use cases on the people who sign in: add, list, change, authenticate, the demo admin."""

from __future__ import annotations

from chainplan.ports import UnitOfWork, User
from chainplan.users import ROLES, UserRefused, check_password, check_user_name
from chainplan.wording import Joined

__all__ = [
    "add_user",
    "authenticate",
    "change_user",
    "ensure_demo_admin",
    "list_users",
]


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


def change_user(uow: UnitOfWork, name: str, *, role: str | None = None, active: bool | None = None) -> User:
    """Set a user's role or disable (``active=False``) or enable them. The last active admin is kept."""
    if role is not None and role not in ROLES:
        raise UserRefused("error.user.unknown_role", role=repr(role), roles=Joined(ROLES))
    with uow:
        user = uow.repository.get_user(name)
        if user is None:
            raise UserRefused("error.user.unknown_user", name=repr(name))
        admins = [u for u in uow.repository.list_users() if u.role == "admin" and u.active]
        losing_admin = user.role == "admin" and user.active and (role not in (None, "admin") or active is False)
        if losing_admin and len(admins) == 1:
            raise UserRefused("error.user.last_admin", name=name)
        uow.repository.update_user(name, role=role, active=active)
        uow.commit()
        changed = uow.repository.get_user(name)
    assert changed is not None
    return changed


def authenticate(uow: UnitOfWork, name: str, password: str) -> User | None:
    """The active user with that name and password, else ``None`` (the same answer for every kind of failure)."""
    from werkzeug.security import check_password_hash

    with uow:
        user = uow.repository.get_user(name.strip())
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


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

