"""The webhook door: every route has its webhook, and the doors' hooks stay on their own side."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from ivr.core.routes import Route
from ivr.web import webhook
from tests.helpers import Caller, assert_valid_twiml, sign


def test_every_route_has_its_webhook(app: Flask) -> None:
    for route in Route:
        assert webhook.endpoint(route) in app.view_functions, route


def test_an_app_wide_error_handler_never_answers_a_webhook(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    app.register_error_handler(404, lambda error: ("<html>not here</html>", 404))
    app.register_error_handler(Exception, lambda error: ("<html>broken</html>", 500))
    with app.test_client() as client:
        answer = Caller(client).post("/voice/no-such-step?s=2")
        assert (answer.status_code, answer.mimetype) == (200, "application/xml")
        assert_valid_twiml(answer.data)
        assert client.get("/nowhere").data == b"<html>not here</html>"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PROPFIND"])
def test_any_method_under_voice_answers_twiml(app: Flask, method: str) -> None:
    path = "/voice/menu/principal?s=1"
    signature = sign("http://localhost" + path, {})
    answer = app.test_client().open(path, method=method, headers={"X-Twilio-Signature": signature})
    assert (answer.status_code, answer.mimetype) == (200, "application/xml")
    assert_valid_twiml(answer.data)
    assert app.test_client().open(path, method=method).status_code == 403  # unsigned


def test_the_webhook_checks_stay_off_other_routes(app: Flask) -> None:
    def broken() -> str:
        raise RuntimeError("a non-webhook route failed")

    app.add_url_rule("/probe", "probe", broken)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # unsigned, and no TwiML
    failed = client.get("/probe")
    assert (failed.status_code, failed.mimetype, failed.data) == (
        500,
        "text/plain",
        b"internal error\n",
    )
