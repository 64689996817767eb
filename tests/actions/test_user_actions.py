"""The console's accounts: add, remove, change a password; refused with the exact line."""

from __future__ import annotations

import logging

import pytest

from ivr.actions.users import add_user, change_password, check_new_user, remove_user
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore, check_password
from tests.actions.conftest import ROOT, audited, logged, refusal

PASSWORD = "una-clave-bastante-larga"
NEW_PASSWORD = "otra-clave-tambien-larga"


def test_add_stores_the_hash_audits_and_logs_no_name_or_password(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        user = add_user(runtime, ROOT, " Ana ", "operator", PASSWORD)
    assert (user.name, user.role) == ("ana", "operator")
    stored = console.get("ana")
    assert stored is not None and check_password(stored, PASSWORD)
    assert audited(console) == [("cli:root", "user_add", "ana (operador)")]
    assert logged(caplog) == ["user_add: role operator; by root through the cli"]
    assert PASSWORD not in caplog.text


@pytest.mark.parametrize(
    ("name", "role", "password", "field", "en", "es"),
    [
        pytest.param(
            "Ana María", "viewer", PASSWORD, "name",
            "'Ana María' is not a user name: 1 to 32 letters (a-z), digits, '.', '_' or '-', "
            "starting with a letter or digit",
            "«Ana María» no es un nombre de usuario: de 1 a 32 letras (a-z), dígitos, «.», «_» "
            "o «-», empezando por una letra o un dígito.",
            id="bad-name",
        ),
        pytest.param(
            "ana", "admin", PASSWORD, "role",
            "unknown role 'admin': one of viewer, operator, agent",
            "Rol desconocido «admin»: viewer, operator o agent.",
            id="unknown-role",
        ),
        pytest.param(
            "ana", "viewer", "corta", "password",
            "the password must have at least 12 characters",
            "La contraseña debe tener de 12 a 256 caracteres, no solo espacios.",
            id="short-password",
        ),
        pytest.param(
            "ana", "viewer", " " * 12, "password",
            "the password must not be only spaces",
            "La contraseña debe tener de 12 a 256 caracteres, no solo espacios.",
            id="only-spaces",
        ),
    ],
)  # fmt: skip
def test_add_refuses_and_creates_nobody(
    runtime: Runtime,
    console: ConsoleStore,
    name: str,
    role: str,
    password: str,
    field: str,
    en: str,
    es: str,
) -> None:
    assert refusal(lambda: add_user(runtime, ROOT, name, role, password)) == (field, en, es)
    assert console.users() == []
    assert audited(console) == []


def test_a_name_is_added_once(runtime: Runtime, console: ConsoleStore) -> None:
    add_user(runtime, ROOT, "ana", "viewer", PASSWORD)
    exists = (None, "there is already a user 'ana'", "Ya existe el usuario «ana».")
    assert refusal(lambda: check_new_user(runtime, "ANA", "operator")) == exists
    assert refusal(lambda: add_user(runtime, ROOT, "ANA", "operator", PASSWORD)) == exists
    assert [(user.name, user.role) for user in console.users()] == [("ana", "viewer")]
    assert len(audited(console)) == 1


def test_change_password_then_remove(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    add_user(runtime, ROOT, "beto", "viewer", PASSWORD)
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        change_password(runtime, ROOT, "Beto", NEW_PASSWORD)
        beto = console.get("beto")
        assert beto is not None and check_password(beto, NEW_PASSWORD)
        removed = remove_user(runtime, ROOT, "beto")
    assert removed.name == "beto" and console.get("beto") is None
    assert audited(console)[:2] == [
        ("cli:root", "user_remove", "beto"),
        ("cli:root", "user_password", "beto"),
    ]
    assert logged(caplog) == [
        "user_password: role viewer; by root through the cli",
        "user_remove: role viewer; by root through the cli",
    ]


def test_a_short_new_password_is_refused_and_the_old_one_stays(
    runtime: Runtime, console: ConsoleStore
) -> None:
    add_user(runtime, ROOT, "beto", "viewer", PASSWORD)
    field, en, _ = refusal(lambda: change_password(runtime, ROOT, "beto", "corta"))
    assert (field, en) == ("password", "the password must have at least 12 characters")
    beto = console.get("beto")
    assert beto is not None and check_password(beto, PASSWORD)
    assert [action for _, action, _ in audited(console)] == ["user_add"]


def test_unknown_users_are_named(runtime: Runtime, console: ConsoleStore) -> None:
    missing = (None, "there is no user 'nadie'", "No existe el usuario «nadie».")
    assert refusal(lambda: remove_user(runtime, ROOT, "nadie")) == missing
    assert refusal(lambda: change_password(runtime, ROOT, "nadie", NEW_PASSWORD)) == missing
    assert audited(console) == []
