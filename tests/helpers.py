"""Test helpers: a settable clock and a caller that signs its webhooks like Twilio."""

from __future__ import annotations

from datetime import datetime

from flask.testing import FlaskClient
from lxml import etree
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

TOKEN = "test-auth-token-0123456789abcdef"


class Clock:
    """A settable clock for the app: ``clock.set(datetime)`` moves time."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def sign(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


class Caller:
    """Posts signed Twilio webhooks to the app, as Twilio would."""

    def __init__(self, client: FlaskClient, base: str = "http://localhost") -> None:
        self.client = client
        self.base = base
        self.call = {"CallSid": "CA" + "0" * 32, "To": "+5116044700", "From": "+51999888777"}

    def post(self, path: str, **params: str) -> TestResponse:
        data = {**self.call, **params}
        signature = sign(self.base + path, data)
        return self.client.post(path, data=data, headers={"X-Twilio-Signature": signature})

    def follow(self, response: TestResponse, **params: str) -> TestResponse:
        """Answer the <Gather> of a response (keys or speech), or its redirect on silence."""
        doc = etree.fromstring(response.data)
        gather = doc.find("Gather")
        assert gather is not None, response.data
        return self.post(_path(gather.get("action")), **params)


def _path(url: str | None) -> str:
    assert url is not None
    return url
