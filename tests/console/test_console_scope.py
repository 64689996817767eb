"""The console's hooks run for the console only, and the webhooks' for the webhooks only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, request
from flask.testing import FlaskClient
from lxml import html

from ivr.console import live
from ivr.console.blueprint import COOKIE
from tests.console.conftest import log_in
from tests.helpers import Caller

AddUser = Callable[[str, str], None]
CONSOLE_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "Referrer-Policy")


def alert(page: bytes) -> str:
    found = html.fromstring(page.decode("utf-8")).xpath('//*[@role="alert"]')
    return " ".join(found[0].text_content().split()) if found else ""


def test_a_webhook_runs_no_console_hook_even_with_a_console_cookie(
    app: Flask, add_user: AddUser
) -> None:
    add_user("ana", "operator")
    client = app.test_client()
    assert log_in(client, "ana").status_code == 302
    cookie = client.get_cookie(COOKIE, path="/console")
    assert cookie is not None
    # a cookie sent where the browser would not send it: still no session, no console headers
    client.set_cookie(COOKIE, cookie.value, path="/")
    caller = Caller(client)
    for path in ("/voice", "/voice/no-such-step"):
        response = caller.post(path)
        assert response.status_code == 200, path
        assert response.mimetype == "application/xml", path
        assert response.data.startswith(b'<?xml version="1.0" encoding="UTF-8"?><Response>'), path
        assert "Set-Cookie" not in response.headers, path
        for header in CONSOLE_HEADERS:
            assert header not in response.headers, (path, header)
        assert response.headers.get("Cache-Control") != "no-store", path


@pytest.mark.parametrize(
    ("path", "opened"),
    [
        ("/console", True),
        ("/console/", True),
        ("/console/login", True),
        ("/voice", False),
        ("/voice/menu/principal", False),
        ("/consoles", False),
        ("/metrics", False),
    ],
)
def test_a_session_is_opened_under_the_console_only(app: Flask, path: str, opened: bool) -> None:
    with app.test_request_context(path):
        found = app.session_interface.open_session(app, request)
    assert (found is not None) is opened


def test_a_console_page_needs_no_twilio_signature(app: Flask, add_user: AddUser) -> None:
    add_user("ana", "operator")
    response = app.test_client().get("/console/login")  # the app checks signatures (TOKEN)
    assert response.status_code == 200
    assert response.mimetype == "text/html"


def test_a_console_404_is_an_http_404_page_of_the_console(viewer: FlaskClient) -> None:
    response = viewer.get("/console/calls/no-existe.csv")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert alert(response.data) == "Esta página no existe en la consola."
    assert response.headers["X-Frame-Options"] == "DENY"
    # a path no console route matches is a plain HTTP 404 too, never TwiML
    unknown = viewer.get("/console/no-such-page")
    assert unknown.status_code == 404
    assert unknown.mimetype == "text/html"
    assert b"<Response" not in unknown.data


def test_a_console_page_that_fails_answers_a_real_500_page_not_twiml(
    operator: FlaskClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_: object) -> object:
        raise RuntimeError("a bug in the Now page")

    monkeypatch.setattr(live, "calls_now", broken)
    response = operator.get("/console/")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert alert(response.data) == "Ocurrió un error inesperado. Intente de nuevo en un minuto."
    assert response.headers["Cache-Control"] == "no-store"
    assert "console: unexpected error on GET /console/" in caplog.text
