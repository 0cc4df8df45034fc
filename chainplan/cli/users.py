"""Users of the web interface: user add, user list, user passwd, user unlock, user demo-admin (for ``make run``)."""

from __future__ import annotations

import getpass
import os
import sys
from typing import Annotated

import typer

from chainplan import services
from chainplan.cli.common import (
    FormatOption,
    OutputFormat,
    UsageProblem,
    app,
    print_json,
    render_table,
    run,
    unit_of_work,
)
from chainplan.users import ROLES

__all__: list[str] = []

user_app = typer.Typer(no_args_is_help=True, help="Users of the web interface and their roles.")
app.add_typer(user_app, name="user")


def _read_password() -> str:
    """One line from standard input when it is not a terminal (scripts), else asked twice without echo."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise UsageProblem("error.cli.password_stdin")
        return line.rstrip("\r\n")
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise UsageProblem("error.cli.passwords_differ")
    return first


@user_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name (no spaces)")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}")],
    output: FormatOption = OutputFormat.table,
) -> None:
    """Add a user; the password is read from standard input when it is not a terminal."""
    user = run(output, lambda: services.add_user(unit_of_work(ctx), name, role=role, password=_read_password()))
    if output is OutputFormat.json:
        print_json({"name": user.name, "role": user.role, "active": user.active})
    else:
        typer.echo(f"user {user.name} added as {user.role}")


@user_app.command("list")
def list_(ctx: typer.Context, output: FormatOption = OutputFormat.table) -> None:
    """Every user with their role and whether they may sign in."""
    users = run(output, lambda: services.list_users(unit_of_work(ctx)))
    rows = [{"name": u.name, "role": u.role, "active": u.active,
             "created_at": u.created_at.isoformat(timespec="seconds")} for u in users]
    if output is OutputFormat.json:
        print_json(rows)
    else:
        typer.echo(render_table(rows))


@user_app.command("passwd")
def passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name")],
) -> None:
    """Set a user's password (from standard input, else asked twice); their sessions end at once."""
    # No "by": the refusal of a form opened before this change says "someone, from the command line", in the page's
    # language.
    user = run(OutputFormat.table, lambda: services.set_password(unit_of_work(ctx), name, _read_password()))
    typer.echo(f"password of {user.name} set; their sessions have ended")


@user_app.command("unlock")
def unlock(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name")],
) -> None:
    """Lift the lock on a user name after too many failed sign-ins (5 within 15 minutes lock it for 15 minutes)."""
    forgotten = run(OutputFormat.table, lambda: services.unlock_user(unit_of_work(ctx), name))
    typer.echo(f"{name} unlocked ({forgotten} failed sign-ins forgotten)" if forgotten
               else f"{name} was not locked")


@user_app.command("demo-admin")
def demo_admin(ctx: typer.Context) -> None:
    """Create an `admin` user if there is none (password from $CHAINPLAN_ADMIN_PASSWORD, else generated and printed
    once)."""
    name, password = run(OutputFormat.table, lambda: services.ensure_demo_admin(
        unit_of_work(ctx), os.environ.get("CHAINPLAN_ADMIN_PASSWORD")))
    if password is None:
        typer.echo(f"an admin exists already; sign in as {name} or another admin")
    elif os.environ.get("CHAINPLAN_ADMIN_PASSWORD"):
        typer.echo(f"admin user {name!r} created with the password from CHAINPLAN_ADMIN_PASSWORD")
    else:
        typer.echo(f"admin user {name!r} created; password (shown once): {password}")
