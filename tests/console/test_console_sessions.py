"""Console sessions over HTTP (Flask's client): «Salir» on the server, login limits, next."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from ivr.storage.console import ConsoleStore, LoginPolicy, hash_password
from tests.conftest import WEEKDAY_10AM
from tests.console.conftest import PASSWORD, csrf_token, log_in
from tests.helpers import Clock

AddUser = Callable[[str, str], None]
COOKIE = "ivr_console"
WRONG = "no-es-la-clave-123"
STRANGER = "192.0.2.66"


def alert(page: bytes) -> str:
    found = html.fromstring(page.decode("utf-8")).xpath('//*[@role="alert"]')
    return " ".join(found[0].text_content().split()) if found else ""


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s console cookie."""
    cookie = client.get_cookie(COOKIE, path="/console")
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(COOKIE, cookie.value, path="/console")
    return other


# -- «Salir» ends the session on the server -------------------------------------------------------
def test_a_cookie_copied_before_logout_opens_nothing_afterwards(
    app: Flask, operator: FlaskClient
) -> None:
    copy = copy_of(app, operator)
    assert copy.get("/console/audit").status_code == 200  # the copy works while logged in
    operator.post("/console/logout", data={"csrf_token": csrf_token(operator.get("/console/"))})
    for path in ("/console/", "/console/audit", "/console/switch", "/console/callbacks"):
        response = copy.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/console/login"), path
    assert "Su sesión terminó" in copy.get("/console/login").get_data(as_text=True)


def test_logging_out_ends_only_that_session(
    app: Flask, operator: FlaskClient, add_user: AddUser
) -> None:
    other_desk = app.test_client()
    assert log_in(other_desk, "ana").status_code == 302
    operator.post("/console/logout", data={"csrf_token": csrf_token(operator.get("/console/"))})
    assert other_desk.get("/console/").status_code == 200


def test_a_password_change_ends_the_users_other_sessions_but_the_kept_one(
    app: Flask, operator: FlaskClient, store: ConsoleStore, clock: Clock
) -> None:
    second = app.test_client()
    assert log_in(second, "ana").status_code == 302
    kept = second.get_cookie(COOKIE, path="/console")
    assert kept is not None
    with app.test_request_context("/console/", headers={"Cookie": f"{COOKIE}={kept.value}"}):
        from flask import session

        token = session["sid"]
    store.set_password("ana", hash_password("otra-clave-muy-larga"), clock(), keep=token)
    assert operator.get("/console/").status_code == 302
    assert second.get("/console/").status_code == 200


def test_a_removed_user_added_again_gets_no_old_session_back(
    app: Flask, operator: FlaskClient, store: ConsoleStore, add_user: AddUser
) -> None:
    copy = copy_of(app, operator)
    store.remove("ana")
    add_user("ana", "operator")  # the same name, the same password
    assert operator.get("/console/").status_code == 302
    assert copy.get("/console/").status_code == 302


# -- the login's limits: per name and address, a pace per name from elsewhere ------------------
def test_a_stranger_guessing_a_name_does_not_keep_its_operator_out(
    app: Flask, add_user: AddUser, clock: Clock
) -> None:
    add_user("ana", "operator")
    stranger = client_at(app, STRANGER)
    for _ in range(5):
        assert alert(log_in(stranger, "ana", WRONG).data) == "Usuario o contraseña incorrectos."
    locked = log_in(stranger, "ana", PASSWORD)  # even the right password, from there
    assert locked.status_code == 429
    assert alert(locked.data) == (
        "Demasiados intentos fallidos con este usuario desde esta dirección. "
        "Intente de nuevo a las 10:15."
    )
    assert locked.headers["Retry-After"] == "900"
    for _ in range(20):  # hammering on: refused before any check, and not counted
        assert log_in(stranger, "ana", WRONG).status_code == 429
    assert log_in(app.test_client(), "ana").status_code == 302  # the operator's own address
    clock.set(WEEKDAY_10AM + timedelta(minutes=15, seconds=1))
    assert log_in(stranger, "ana", PASSWORD).status_code == 302


def test_failures_from_many_addresses_slow_a_name_but_not_from_a_known_address(
    app: Flask, add_user: AddUser, clock: Clock
) -> None:
    add_user("ana", "operator")
    desk = app.test_client()  # 127.0.0.1: ana logged in from here before
    assert log_in(desk, "ana").status_code == 302
    policy = LoginPolicy()
    for number in range(policy.pace):  # one wrong password each from many addresses
        stranger = client_at(app, f"198.51.100.{number + 1}")
        assert log_in(stranger, "ana", WRONG).status_code == 200
    paced = log_in(client_at(app, "203.0.113.9"), "ana", PASSWORD)
    assert paced.status_code == 429
    assert alert(paced.data) == (
        "Hubo muchos intentos fallidos con este usuario desde otras direcciones. "
        "Intente de nuevo en 60 segundos."
    )
    assert paced.headers["Retry-After"] == "60"
    assert log_in(app.test_client(), "ana").status_code == 302  # the known address gets in
    assert log_in(client_at(app, "203.0.113.10"), "beto", WRONG).status_code == 200  # other names
    clock.set(WEEKDAY_10AM + timedelta(minutes=1, seconds=1))  # a pace, not a lock-out
    assert log_in(client_at(app, "203.0.113.9"), "ana", PASSWORD).status_code == 302


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_simultaneous_wrong_passwords_are_checked_exactly_five_times(
    make_app: Callable[..., Flask], database_url: str
) -> None:
    app = make_app(IVR_DATABASE_URL=database_url)
    ConsoleStore(app.extensions["ivr"].engine).add(
        "ana", "operator", hash_password(PASSWORD), WEEKDAY_10AM
    )
    clients = [app.test_client() for _ in range(24)]
    tokens = [csrf_token(client.get("/console/login")) for client in clients]
    start = threading.Barrier(len(clients))
    answers: list[tuple[int, str]] = []

    def guess(client: FlaskClient, token: str) -> None:
        form = {"name": "ana", "password": WRONG, "csrf_token": token}
        start.wait()
        response = client.post("/console/login", data=form)
        answers.append((response.status_code, alert(response.data).split(".")[0]))

    threads = [
        threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (
        sorted(answers)
        == [(200, "Usuario o contraseña incorrectos")] * 5
        + [(429, "Demasiados intentos fallidos con este usuario desde esta dirección")] * 19
    )


# -- next: a console path, never a header's end ---------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "/console/\r\nSet-Cookie: x=1",
        "/console/\n",
        "/console/\x00",
        "/console/\x7f",
        "/console/\x85",
    ],
    ids=["crlf", "lf", "nul", "del", "c1"],
)
def test_a_next_with_control_characters_is_refused_with_400(
    app: Flask, add_user: AddUser, target: str
) -> None:
    add_user("ana", "operator")
    client = app.test_client()
    assert client.get("/console/login", query_string={"next": target}).status_code == 400
    token = csrf_token(client.get("/console/login"))
    form = {"name": "ana", "password": PASSWORD, "csrf_token": token, "next": target}
    response = client.post("/console/login", data=form)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "no es válida" in response.get_data(as_text=True)
    assert client.get("/console/").status_code == 302  # and nobody was logged in


def test_a_next_that_leaves_the_console_goes_to_its_home(app: Flask, add_user: AddUser) -> None:
    add_user("ana", "operator")
    for target in ("/console/../voice", "https://evil.example/console/", "//evil.example/console/"):
        client = app.test_client()
        token = csrf_token(client.get("/console/login"))
        form = {"name": "ana", "password": PASSWORD, "csrf_token": token, "next": target}
        assert client.post("/console/login", data=form).headers["Location"] == "/console/", target
