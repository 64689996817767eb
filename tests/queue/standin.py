"""A local stand-in for Twilio's REST API (its Messages resource), and a caller answering a
wait document, as the queue tests play them."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from flask import Flask
from lxml import etree
from werkzeug.test import TestResponse

from ivr.runtime import Runtime
from ivr.storage.outbound import OutboundMessage
from tests.helpers import Caller

SID = "AC" + "1" * 32
SMS_TEXT = "Escribanos por WhatsApp al 914 800 800 o registre un ticket en contacto.upn.edu.pe"


class FakeTwilio:
    """Plays Twilio's Messages resource on loopback: records requests, answers ``status``.

    ``delay``: seconds it takes to answer (a slow API); ``answered`` counts the answers sent.
    """

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, list[str]]]] = []
        self.status = 201
        self.delay = 0.0
        self.answered = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = parse_qs(self.rfile.read(length).decode())
                with outer.lock:
                    outer.requests.append((self.path, body))
                if outer.delay:  # Twilio being slow: nothing to wait for but the time
                    threading.Event().wait(outer.delay)
                payload: dict[str, object]
                if outer.status == 201:
                    payload = {"sid": "SM" + "2" * 32, "status": "queued", "account_sid": SID}
                else:
                    payload = {
                        "code": 21614 if outer.status == 400 else 20500,
                        "message": "not a mobile number" if outer.status == 400 else "error",
                        "more_info": "https://www.twilio.com/docs/errors",
                        "status": outer.status,
                    }
                data = json.dumps(payload).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                with outer.lock:
                    outer.answered += 1

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"


def settled(app: Flask, call_sid: str, deadline_s: float = 20.0) -> OutboundMessage:
    """Wait (polling, up to a deadline) until the call's text is sent or failed; return it."""
    runtime: Runtime = app.extensions["ivr"]
    ends = time.monotonic() + deadline_s
    while True:
        message = runtime.outbound.message(call_sid, "channels")
        if message is not None and message.status != "sending":
            return message
        assert time.monotonic() < ends, f"the text is still {message}"
        threading.Event().wait(0.05)


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def press(caller: Caller, response: TestResponse, digits: str = "") -> TestResponse:
    """Answer the <Gather> of a wait document with keys, as Twilio would."""
    gather = etree.fromstring(response.data).find("Gather")
    assert gather is not None, response.data
    action = gather.get("action")
    assert action is not None
    answer = caller.post(action.replace("&amp;", "&"), Digits=digits)
    assert answer.status_code == 200
    return answer
