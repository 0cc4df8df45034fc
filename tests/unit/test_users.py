"""Users and roles: who may do what, passwords kept only as hashes, the last admin kept."""

from __future__ import annotations

import io
import json

import pytest

from chainplan import services
from chainplan.users import ACTIONS, ROLES, UserRefused, allowed
from models.cli import main
from tests.conftest import FakeUnitOfWork


def test_roles_nest_as_the_contract_says() -> None:
    planner = {"read", "import", "appraise", "record_outcome", "inspect", "run"}
    expected = {"viewer": {"read"}, "planner": planner, "committee": {*planner, "adopt"}, "admin": set(ACTIONS)}
    for role in ROLES:
        assert {action for action in ACTIONS if allowed(role, action)} == expected[role], role
    assert not allowed(None, "read") and not allowed("owner", "read") and not allowed("admin", "launch")


def test_passwords_are_hashed_and_checked(fake_uow: FakeUnitOfWork) -> None:
    user = services.add_user(fake_uow, "lan", role="planner", password="mật khẩu dài")
    assert "mật khẩu" not in user.password_hash and user.password_hash.startswith("scrypt:")
    assert services.authenticate(fake_uow, "lan", "mật khẩu dài") == user
    assert services.authenticate(fake_uow, "lan", "wrong password") is None
    assert services.authenticate(fake_uow, "nobody", "mật khẩu dài") is None
    services.change_user(fake_uow, "lan", active=False)
    assert services.authenticate(fake_uow, "lan", "mật khẩu dài") is None  # disabled: refused like a bad password


@pytest.mark.parametrize(("name", "role", "password", "message"), [
    ("lan", "planner", "long enough", "already exists"),
    ("minh", "owner", "long enough", "role 'owner'"),
    ("minh", "viewer", "short", "at least 8"),
    ("two words", "viewer", "long enough", "without spaces"),
    ("", "viewer", "long enough", "1 to 64 characters"),
])
def test_bad_users_are_refused(fake_uow: FakeUnitOfWork, name: str, role: str, password: str,
                               message: str) -> None:
    services.add_user(fake_uow, "lan", role="planner", password="long enough")
    with pytest.raises(UserRefused, match=message):
        services.add_user(fake_uow, name, role=role, password=password)
    assert [u.name for u in services.list_users(fake_uow)] == ["lan"]


def test_the_last_active_admin_cannot_be_removed(fake_uow: FakeUnitOfWork) -> None:
    services.add_user(fake_uow, "admin", role="admin", password="long enough")
    for change in ({"role": "viewer"}, {"active": False}):
        with pytest.raises(UserRefused, match="last active admin"):
            services.change_user(fake_uow, "admin", **change)  # type: ignore[arg-type]
    services.add_user(fake_uow, "second", role="admin", password="long enough")
    assert services.change_user(fake_uow, "admin", role="viewer").role == "viewer"


def test_demo_admin_is_created_once_and_its_password_printed_once(fake_uow: FakeUnitOfWork) -> None:
    name, password = services.ensure_demo_admin(fake_uow)
    assert name == "admin" and password and services.authenticate(fake_uow, "admin", password)
    assert services.ensure_demo_admin(fake_uow) == ("admin", None)


def test_cli_user_add_reads_the_password_from_standard_input(tmp_path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = f"sqlite:///{tmp_path / 'users.db'}"
    monkeypatch.setattr("sys.stdin", io.StringIO("một mật khẩu dài\n"))
    assert main(["--db", db, "user", "add", "lan", "--role", "committee"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--db", db, "user", "add", "minh", "--role", "viewer"]) == 2
    assert "at least 8" in capsys.readouterr().err
    assert main(["--db", db, "user", "list", "--format", "json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["name"], listed["role"], listed["active"]) == ("lan", "committee", True)
    from models.uow import SqlAlchemyUnitOfWork

    assert services.authenticate(SqlAlchemyUnitOfWork(db), "lan", "một mật khẩu dài") is not None


def test_a_role_change_to_a_role_that_does_not_exist_is_refused(fake_uow: FakeUnitOfWork) -> None:
    services.add_user(fake_uow, "lan", role="planner", password="long enough")
    with pytest.raises(UserRefused) as refused:
        services.change_user(fake_uow, "lan", role="owner")
    assert refused.value.code == "error.user.unknown_role"
    assert services.get_user(fake_uow, "lan").role == "planner"  # type: ignore[union-attr]
