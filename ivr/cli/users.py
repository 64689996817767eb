"""``ivr users add|list|remove|password``: the accounts of the operator console (/console/).

The console is off until the first user exists. A password is asked twice at a terminal; when
standard input is not a terminal (a script, a pipe) it is read from its first two lines, which
must match. Passwords are stored only as scrypt hashes; every change is written to the
console's audit log, under the system user who ran the command.
"""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ivr.actions.users import add_user, change_password, check_new_user, find_user, remove_user
from ivr.cli.acting import operator, refusals
from ivr.runtime import current_runtime
from ivr.storage.console import CONSOLE_ROLES, ConsoleStore
from ivr.storage.database import STORE_ERRORS, describe

# Where an action's refusal names an input, the option it came from ('password': no option).
INPUTS: dict[str, str | None] = {"name": "'NAME'", "role": "'--role'", "password": None}


def _store() -> ConsoleStore:
    return ConsoleStore(current_runtime().engine)


def _is_terminal() -> bool:
    return sys.stdin.isatty()


def _read_password() -> str:
    """Ask twice at a terminal; otherwise read two lines of standard input."""
    if _is_terminal():
        password: str = click.prompt(
            "Password", hide_input=True, confirmation_prompt="Repeat the password"
        )
    else:
        first = sys.stdin.readline().rstrip("\r\n")
        second = sys.stdin.readline().rstrip("\r\n")
        if not first and not second:
            raise click.UsageError(
                "no password on standard input: give it on two lines (the same twice)"
            )
        if first != second:
            raise click.UsageError("the two passwords on standard input differ")
        password = first
    return password


def _failed(error: Exception) -> click.ClickException:
    return click.ClickException(f"cannot reach the console's users: {describe(error)}")


@click.group("users")
def users_group() -> None:
    """The operator console's accounts (viewers see; operators also act)."""


@users_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(CONSOLE_ROLES),
    required=True,
    help="viewer: sees the pages; operator: also marks callbacks and uses the emergency switch; "
    "agent: sees the pages and sets their own state (the desks' agent of the same name).",
)
@with_appcontext
def add_command(name: str, role: str) -> None:
    """Create a console user; the password is asked twice (or read from stdin)."""
    runtime = current_runtime()
    try:
        with refusals(**INPUTS):
            check_new_user(runtime, name, role)  # before asking for a password
            user = add_user(runtime, operator(), name, role, _read_password())
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"User {user.name} added as {role}. The console is at /console/.")


@users_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the console users and their roles."""
    try:
        users = _store().users()
    except STORE_ERRORS as error:
        raise _failed(error) from None
    if not users:
        click.echo("No console users: the console is off. Add one with 'ivr users add'.")
        return
    rows = [("name", "role", "created", "password changed")] + [
        (
            user.name,
            user.role,
            f"{user.created_at:%Y-%m-%d %H:%M}",
            f"{user.password_changed_at:%Y-%m-%d %H:%M}",
        )
        for user in users
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@users_group.command("remove")
@click.argument("name")
@with_appcontext
def remove_command(name: str) -> None:
    """Remove a console user; their open sessions end at their next request."""
    try:
        with refusals(**INPUTS):
            user = remove_user(current_runtime(), operator(), name)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"User {user.name} removed.")


@users_group.command("password")
@click.argument("name")
@with_appcontext
def password_command(name: str) -> None:
    """Set a user's password (asked twice, or read from stdin); their sessions end."""
    runtime = current_runtime()
    try:
        with refusals(**INPUTS):
            find_user(runtime, name)  # before asking for a password
            user = change_password(runtime, operator(), name, _read_password())
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"Password of {user.name} changed; their open sessions have ended.")
