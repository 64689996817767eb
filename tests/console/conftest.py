"""Fixtures for the operator console: users, a logged-in browser client, the CSRF token."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore, hash_password
from tests.conftest import WEEKDAY_10AM
from tests.observability.conftest import make_recorder  # noqa: F401 (the calls page's tests)

PASSWORD = "clave-de-prueba-larga"
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(response: TestResponse) -> str:
    """Return the CSRF token of the (first) form in a page."""
    found = TOKEN_FIELD.search(response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)
    return found[1]


def runtime(app: Flask) -> Runtime:
    found = app.extensions["ivr"]
    assert isinstance(found, Runtime)
    return found


@pytest.fixture
def store(app: Flask) -> ConsoleStore:
    return ConsoleStore(runtime(app).engine)


@pytest.fixture
def add_user(store: ConsoleStore) -> Callable[[str, str], None]:
    """Return ``add_user(name, role)``: a user whose password is PASSWORD."""

    def add(name: str, role: str) -> None:
        store.add(name, role, hash_password(PASSWORD), WEEKDAY_10AM)

    return add


def log_in(client: FlaskClient, name: str, password: str = PASSWORD) -> TestResponse:
    """Post the login form as a browser would: its page first, then the form with its token."""
    page = client.get("/console/login")
    return client.post(
        "/console/login",
        data={"name": name, "password": password, "csrf_token": csrf_token(page)},
    )


def _logged_in(
    app: Flask, add_user: Callable[[str, str], None], name: str, role: str
) -> FlaskClient:
    add_user(name, role)
    client = app.test_client()
    assert log_in(client, name).status_code == 302
    return client


@pytest.fixture
def operator(app: Flask, add_user: Callable[[str, str], None]) -> FlaskClient:
    """A client logged in as the operator 'ana'."""
    return _logged_in(app, add_user, "ana", "operator")


@pytest.fixture
def viewer(app: Flask, add_user: Callable[[str, str], None]) -> FlaskClient:
    """A client logged in as the viewer 'beto'."""
    return _logged_in(app, add_user, "beto", "viewer")
