"""``ivr users add|list|remove|password``: the console's accounts from the command line."""

from __future__ import annotations

import pytest
from flask import Flask

from ivr.cli import users
from ivr.cli.users import users_group
from ivr.storage.console import ConsoleStore, check_password
from tests.cli.conftest import Run

PASSWORD = "una-clave-bastante-larga"


@pytest.fixture
def store(app: Flask) -> ConsoleStore:
    return ConsoleStore(app.extensions["ivr"].engine)


def test_add_reads_the_password_twice_from_stdin_and_stores_only_its_hash(
    run_cli: Run, store: ConsoleStore
) -> None:
    result = run_cli(users_group, ["add", "Ana", "--role", "operator"], input=f"{PASSWORD}\n" * 2)
    assert result.exit_code == 0, result.output
    assert result.output == "User ana added as operator. The console is at /console/.\n"
    user = store.get("ana")
    assert user is not None and user.role == "operator"
    assert user.password_hash.startswith("scrypt:")  # memory-hard
    assert PASSWORD not in user.password_hash
    assert check_password(user, PASSWORD)
    entry = store.audit_log()[0]
    assert entry.actor.startswith("cli")
    assert (entry.action, entry.detail) == ("user_add", "ana (operador)")


def test_add_at_a_terminal_asks_twice(
    run_cli: Run, store: ConsoleStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "_is_terminal", lambda: True)
    typed = f"{PASSWORD}\nsomething-else-long\n{PASSWORD}\n{PASSWORD}\n"
    result = run_cli(users_group, ["add", "beto", "--role", "viewer"], input=typed)
    assert result.exit_code == 0, result.output
    assert "Error: The two entered values do not match." in result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    user = store.get("beto")
    assert user is not None and check_password(user, PASSWORD)


@pytest.mark.parametrize(
    ("args", "typed", "error"),
    [
        (["add", "ana", "--role", "operator"], f"{PASSWORD}\notra-clave-larga\n",
         "Error: the two passwords on standard input differ"),
        (["add", "ana", "--role", "operator"], "",
         "Error: no password on standard input: give it on two lines (the same twice)"),
        (["add", "ana", "--role", "operator"], "corta\ncorta\n",
         "Error: the password must have at least 12 characters"),
        (["add", "ana", "--role", "admin"], f"{PASSWORD}\n" * 2,
         "Error: Invalid value for '--role': 'admin' is not one of 'viewer', 'operator', 'agent'."),
        (["add", "Ana María", "--role", "viewer"], f"{PASSWORD}\n" * 2,
         "Error: Invalid value for 'NAME': 'Ana María' is not a user name: 1 to 32 letters "
         "(a-z), digits, '.', '_' or '-', starting with a letter or digit"),
    ],
    ids=["mismatch", "no-input", "too-short", "unknown-role", "bad-name"],
)  # fmt: skip
def test_add_refuses_bad_input_and_creates_nobody(
    run_cli: Run, store: ConsoleStore, args: list[str], typed: str, error: str
) -> None:
    result = run_cli(users_group, args, input=typed)
    assert result.exit_code == 2  # click's usage error
    assert result.output.splitlines()[-1] == error
    assert store.users() == []
    assert store.audit_log() == []


def test_a_name_is_added_once(run_cli: Run) -> None:
    run_cli(users_group, ["add", "ana", "--role", "viewer"], input=f"{PASSWORD}\n" * 2)
    again = run_cli(users_group, ["add", "ANA", "--role", "operator"], input=f"{PASSWORD}\n" * 2)
    assert again.exit_code == 1
    assert again.output == "Error: there is already a user 'ana'\n"


def test_list_password_and_remove(run_cli: Run, store: ConsoleStore) -> None:
    assert run_cli(users_group, ["list"]).output == (
        "No console users: the console is off. Add one with 'ivr users add'.\n"
    )
    run_cli(users_group, ["add", "ana", "--role", "operator"], input=f"{PASSWORD}\n" * 2)
    run_cli(users_group, ["add", "beto", "--role", "viewer"], input=f"{PASSWORD}\n" * 2)
    assert run_cli(users_group, ["list"]).output.splitlines() == [
        "name  role      created           password changed",
        "ana   operator  2026-11-18 10:00  2026-11-18 10:00",
        "beto  viewer    2026-11-18 10:00  2026-11-18 10:00",
    ]
    new = "otra-clave-tambien-larga"
    changed = run_cli(users_group, ["password", "beto"], input=f"{new}\n{new}\n")
    assert changed.exit_code == 0, changed.output
    assert changed.output == "Password of beto changed; their open sessions have ended.\n"
    beto = store.get("beto")
    assert beto is not None and check_password(beto, new) and not check_password(beto, PASSWORD)
    removed = run_cli(users_group, ["remove", "beto"])
    assert removed.output == "User beto removed.\n"
    assert [user.name for user in store.users()] == ["ana"]
    assert [entry.action for entry in store.audit_log()] == [
        "user_remove", "user_password", "user_add", "user_add",
    ]  # fmt: skip


def test_unknown_users_are_named(run_cli: Run) -> None:
    for command in (["remove", "nadie"], ["password", "nadie"]):
        result = run_cli(users_group, command, input=f"{PASSWORD}\n" * 2)
        assert result.exit_code == 1
        assert result.output == "Error: there is no user 'nadie'\n"


def test_the_first_user_turns_the_console_on(app: Flask, run_cli: Run) -> None:
    client = app.test_client()
    assert client.get("/console/login").status_code == 404
    run_cli(users_group, ["add", "ana", "--role", "operator"], input=f"{PASSWORD}\n" * 2)
    assert client.get("/console/login").status_code == 200
