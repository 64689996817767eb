"""``ivr users add|list|remove|password``: the accounts of the operator console (/console/).

The console is off until the first user exists. A password is asked twice at a terminal; when
standard input is not a terminal (a script, a pipe) it is read from its first two lines, which
must match. Passwords are stored only as scrypt hashes; every change is written to the
console's audit log, under the system user who ran the command.
"""

from __future__ import annotations

import getpass
import sys

import click
from flask.cli import with_appcontext

from ivr.runtime import current_runtime
from ivr.storage.console import (
    CONSOLE_ROLES,
    ConsoleStore,
    UserExists,
    check_name,
    hash_password,
    password_problem,
)
from ivr.storage.database import STORE_ERRORS, describe


def _store() -> ConsoleStore:
    return ConsoleStore(current_runtime().engine)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        return "cli"


def _name(name: str) -> str:
    try:
        return check_name(name)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="'NAME'") from None


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
    problem = password_problem(password)
    if problem is not None:
        raise click.UsageError(problem)
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
    help="viewer: sees the pages; operator: also marks callbacks and uses the emergency switch.",
)
@with_appcontext
def add_command(name: str, role: str) -> None:
    """Create a console user; the password is asked twice (or read from stdin)."""
    user_name = _name(name)
    password = _read_password()
    runtime = current_runtime()
    store = _store()
    now = runtime.now()
    try:
        store.add(user_name, role, hash_password(password), now)
        store.audit(now, _actor(), "user_add", f"{user_name} ({role})")
    except UserExists as error:
        raise click.ClickException(str(error)) from None
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"User {user_name} added as {role}. The console is at /console/.")


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
    user_name = _name(name)
    runtime = current_runtime()
    store = _store()
    try:
        removed = store.remove(user_name)
        if removed:
            store.audit(runtime.now(), _actor(), "user_remove", user_name)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    if not removed:
        raise click.ClickException(f"there is no user '{user_name}'")
    click.echo(f"User {user_name} removed.")


@users_group.command("password")
@click.argument("name")
@with_appcontext
def password_command(name: str) -> None:
    """Set a user's password (asked twice, or read from stdin); their sessions end."""
    user_name = _name(name)
    runtime = current_runtime()
    store = _store()
    try:
        if store.get(user_name) is None:
            raise click.ClickException(f"there is no user '{user_name}'")
        password = _read_password()
        now = runtime.now()
        store.set_password(user_name, hash_password(password), now)
        store.audit(now, _actor(), "user_password", user_name)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"Password of {user_name} changed; their open sessions have ended.")
