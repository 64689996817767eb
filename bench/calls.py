"""Signed Twilio webhooks for the benchmark, and the call walks it replays.

A request is signed exactly as Twilio signs it: HMAC-SHA1 over the URL it calls plus the sorted
form parameters (``twilio.request_validator.RequestValidator.compute_signature``). The URL is the
one gunicorn's request rebuilds, ``http://127.0.0.1:PORT/path?query``, so every signature must
validate: any 403 in a run is counted as an error in the table.

The walks are discovered, not assumed: the benchmark answers each ``<Gather>`` the app returns
and posts to its ``action``, as Twilio would; the URLs found (with the call state in their query
strings) are then replayed under load with many CallSids.
"""

from __future__ import annotations

import http.client
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

TOKEN = "bench-auth-token-0123456789abcdef"  # the benchmark's own app only
ACCOUNT_SID = "AC" + "b" * 32
CAMPUS_NUMBER = "+5116044700"  # Breña, in the shipped campuses.yaml


def call_sid(n: int) -> str:
    return f"CA{n:032x}"


def caller_number(n: int) -> str:
    return f"+5199{n % 10_000_000:07d}"


def call_params(sid: str, caller: str, status: str = "in-progress") -> dict[str, str]:
    """Return the parameters Twilio posts with every voice webhook of an inbound call."""
    return {
        "AccountSid": ACCOUNT_SID,
        "ApiVersion": "2010-04-01",
        "CallSid": sid,
        "CallStatus": status,
        "CallToken": "%7B%22parentCallInfoToken%22%3A%22eyJhbGciOiJFUzI1NiJ9%22%7D",
        "Called": CAMPUS_NUMBER,
        "CalledCity": "",
        "CalledCountry": "PE",
        "CalledState": "Lima",
        "CalledZip": "",
        "Caller": caller,
        "CallerCity": "",
        "CallerCountry": "PE",
        "CallerState": "",
        "CallerZip": "",
        "Direction": "inbound",
        "From": caller,
        "FromCity": "",
        "FromCountry": "PE",
        "FromState": "",
        "FromZip": "",
        "To": CAMPUS_NUMBER,
        "ToCity": "",
        "ToCountry": "PE",
        "ToState": "Lima",
        "ToZip": "",
    }


def keys(digits: str, finish: str = "") -> dict[str, str]:
    """Return what a <Gather> posts when the caller keyed ``digits``."""
    return {"Digits": digits, "FinishedOnKey": finish, "msg": "Gather End"}


def speech(text: str) -> dict[str, str]:
    return {"SpeechResult": text, "Confidence": "0.9143", "msg": "Gather End"}


@dataclass(frozen=True)
class Signer:
    """Builds and sends signed webhooks for one server on 127.0.0.1."""

    port: int
    token: str = TOKEN

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def signature(self, path: str, params: dict[str, str]) -> str:
        return str(RequestValidator(self.token).compute_signature(self.url(path), params))

    def raw(self, path: str, params: dict[str, str]) -> bytes:
        """Return the whole HTTP/1.1 request, ready to send on a kept-alive connection."""
        body = urlencode(params).encode()
        head = (
            f"POST {path} HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.port}\r\n"
            "User-Agent: TwilioProxy/1.1\r\n"
            "Accept: */*\r\n"
            "Cache-Control: max-age=259200\r\n"
            "Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            f"I-Twilio-Idempotency-Token: {params.get('CallSid', '')}-{len(body)}\r\n"
            f"X-Twilio-Signature: {self.signature(path, params)}\r\n"
            "\r\n"
        )
        return head.encode() + body

    def post(self, path: str, params: dict[str, str]) -> tuple[int, str]:
        """Send one signed webhook on its own connection; return (status, body)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        try:
            raw = self.raw(path, params)
            conn.send(raw)  # the very bytes the load generator replays
            response = http.client.HTTPResponse(conn.sock)
            response.begin()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            conn.close()


def gather_action(twiml: str) -> str | None:
    """Return the ``action`` of the answer's <Gather>, or None when it asks nothing."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return None
    gather = root.find("Gather")
    return gather.get("action") if gather is not None else None


def spoken(twiml: str) -> str:
    """Return everything the answer says, joined (for checks and notes)."""
    try:
        root = ET.fromstring(twiml)
    except ET.ParseError:
        return twiml[:200]
    return " ".join((say.text or "").strip() for say in root.iter("Say"))


@dataclass(frozen=True)
class Step:
    """One webhook of a walk: where it posts and what the caller did."""

    name: str
    path: str
    caller_input: dict[str, str]
    kind: str  # "menu" (target: 0.70 of bare) or "statement" (target: 0.50)
