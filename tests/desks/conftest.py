"""Desks answered by the service: a stand-in for Twilio's REST API, and calls played on both legs.

``FakeTwilio`` answers ``Calls.create`` on loopback and records each call it was asked to
place; ``Desk`` plays what Twilio would then do: request the agent's answer URL, post the
agent leg's status callbacks, the caller's wait requests, the <Queue> url and the <Enqueue>
action, every one signed as Twilio signs them.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from werkzeug.test import TestResponse

from ivr.core.desks import AgentState
from ivr.outbound.desks import dispatch
from ivr.runtime import Runtime
from tests.helpers import Caller, Clock, sign

ACCOUNT = "AC" + "1" * 32
BASE = "http://localhost"
CENTRAL = "+5116044700"  # Breña: the number callers dial in these tests
WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
ACTION = "/voice/transfer/help-desk?s=3&t=principal.estudiantes"
QUEUES = """\
callback: {enabled: true}
defaults:
  wrap_up: 30
  retry_after: 10
  window_capacity: 2
"""


@dataclass
class Placed:
    """One ``Calls.create`` Twilio was asked for."""

    sid: str
    to: str
    from_: str
    url: str
    status_callback: str
    events: list[str]

    @property
    def path(self) -> str:
        """The answer URL as the app routes it (path and query)."""
        parts = urlsplit(self.url)
        return f"{parts.path}?{parts.query}"

    @property
    def status_path(self) -> str:
        parts = urlsplit(self.status_callback)
        return f"{parts.path}?{parts.query}"


class FakeTwilio:
    """Plays Twilio's Calls resource on loopback: records every call placed, gives it a CallSid."""

    def __init__(self) -> None:
        self.calls: list[Placed] = []
        self.fail = False
        self._sids = itertools.count(1)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = parse_qs(self.rfile.read(length).decode())
                if outer.fail:
                    payload: dict[str, object] = {"code": 21215, "message": "refused",
                                                  "status": 400}  # fmt: skip
                    status = 400
                else:
                    with outer._lock:
                        sid = f"CA{next(outer._sids):032x}"
                        outer.calls.append(
                            Placed(
                                sid,
                                body["To"][0],
                                body["From"][0],
                                body["Url"][0],
                                body["StatusCallback"][0],
                                body.get("StatusCallbackEvent", []),
                            )
                        )
                    payload, status = {"sid": sid, "status": "queued"}, 201
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def wait_for(self, count: int, seconds: float = 5.0) -> list[Placed]:
        """Return the calls placed once there are ``count`` (fail after ``seconds``)."""
        deadline = time.monotonic() + seconds
        while len(self.calls) < count:
            assert time.monotonic() < deadline, f"{len(self.calls)} calls placed, not {count}"
            time.sleep(0.01)
        return list(self.calls)


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def verbs(data: bytes) -> list[str]:
    return [el.tag for el in etree.fromstring(data)]


class Desk:
    """Both legs of desk calls, signed as Twilio signs them, on one app and its clock."""

    def __init__(self, app: Flask, client: FlaskClient, api: FakeTwilio, clock: Clock) -> None:
        self.app = app
        self.client = client
        self.api = api
        self.clock = clock
        self.runtime: Runtime = app.extensions["ivr"]

    def post(self, path: str, **params: str) -> TestResponse:
        data = {"To": CENTRAL, **params}
        signature = sign(BASE + path, data)
        return self.client.post(path, data=data, headers={"X-Twilio-Signature": signature})

    def caller(self, n: int, number: str = "") -> Caller:
        """A caller with its own CallSid (and number)."""
        one = Caller(self.client, BASE)
        one.call["CallSid"] = f"CA{n:032d}"
        one.call["From"] = number or f"+519990000{n:02d}"
        return one

    def add_agent(self, name: str, phone: str, *desks: str, available: bool = True) -> None:
        store = self.runtime.desks
        store.add_agent(name, phone, desks or ("helpdesk",), self.clock())
        if available:
            store.set_state(name, AgentState.AVAILABLE, self.clock())

    def state(self, name: str) -> AgentState:
        agent = self.runtime.desks.agent(name)
        assert agent is not None
        return agent.state

    def tick(self, **moved: float) -> None:
        """Move the clock and run the scheduler's dispatch job once, as its leader would."""
        from datetime import timedelta

        if moved:
            self.clock.set(self.clock() + timedelta(**moved))
        dispatch(self.runtime)

    def answer(self, placed: Placed) -> TestResponse:
        """The agent picks up: Twilio posts 'answered' and requests the answer URL."""
        self.post(placed.status_path, CallSid=placed.sid, CallStatus="in-progress")
        return self.post(placed.path, CallSid=placed.sid, CallStatus="in-progress")

    def status(self, placed: Placed, call_status: str) -> TestResponse:
        return self.post(placed.status_path, CallSid=placed.sid, CallStatus=call_status)

    def bridge(self, placed: Placed, response: TestResponse, caller_sid: str) -> TestResponse:
        """Twilio takes the queue's front caller: the <Queue> url, on that caller's leg."""
        queue = etree.fromstring(response.data).find("Dial/Queue")
        assert queue is not None, response.data
        return self.post(
            str(queue.get("url")), CallSid=caller_sid, DequeingCallSid=placed.sid, QueueSid="QU1"
        )


@pytest.fixture
def desk_app(
    config_dir: Path, make_app: Callable[..., Flask], twilio_api: FakeTwilio, database_url: str
) -> Flask:
    (config_dir / "queues.yaml").write_text(QUEUES, encoding="utf-8")
    return make_app(
        TWILIO_ACCOUNT_SID=ACCOUNT,
        IVR_TWILIO_API_URL=twilio_api.url,
        IVR_PUBLIC_URL=BASE,
        IVR_DATABASE_URL=database_url,
    )


@pytest.fixture
def desk(desk_app: Flask, twilio_api: FakeTwilio, clock: Clock) -> Iterator[Desk]:
    with desk_app.test_client() as client:
        yield Desk(desk_app, client, twilio_api, clock)


def at(*parts: int) -> datetime:
    from ivr.clock import LIMA

    return datetime(*parts, tzinfo=LIMA)  # type: ignore[arg-type, misc]
