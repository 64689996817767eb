"""Attacks on the real server: gunicorn with deploy/gunicorn.conf.py on loopback, serving app:app.

Fuzzed signed requests (NUL, line breaks, characters beyond Latin-1, huge values, planted codes
and DNIs in every field) all get schema-valid TwiML, none a 5xx; forged and tampered ones get
403; oversized bodies 413 before they are sent in full. Afterwards no log holds a planted code or
DNI, and every log line is a record of its own.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from werkzeug.datastructures import MultiDict

from bench.calls import call_params
from bench.server import Server
from ivr.web.security import CALL_SID
from tests.hardening.hostile import HOSTILE, PLANTED, PLANTED_CODE, PLANTED_DNI, SHORT
from tests.helpers import ROOT, assert_valid_twiml, sign
from tests.served import ivr_command, server_env, serving

LIMIT = 64 * 1024
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
FUZZED = 10_000  # the whole attack, under the slow marker (CI runs it)
FUZZED_QUICK = 1_000  # every other run
NODES = ["principal", "estudiantes", "help-desk", "estado-de-cuenta", "canales", "nope"]
ROUTES = [
    "/voice", "/voice/menu/{}", "/voice/node/{}", "/voice/transfer/{}", "/voice/selfservice/{}",
    "/voice/fallback", "/voice/status", "/voice/{}",
]  # fmt: skip
STATES = ["s=1", "s=2&t=principal", "s=3&t=principal.estudiantes&st=code",
          "s=4&t=principal.estudiantes&st=dni", "s=1000000&ni=9&iv=9", ""]  # fmt: skip
# An access log line: every character of the quoted request printable, every backslash an escape.
PRINTABLE = r'[^"\\\x00-\x1f\x7f-\x9f\u2028\u2029]'
QUOTED = rf'"[A-Z]+ (?:{PRINTABLE}|\\(?:[\\"nrt]|x[0-9a-f]{{2}}|u[0-9a-f]{{4}}))*"'
ACCESS_LINE = re.compile(
    rf"127\.0\.0\.1 {QUOTED} \d{{3}} (?:\d+|-) \d+ms call=(?:CA[0-9a-fA-F]{{32}}|-) pid=<\d+>"
)


@dataclass
class Served:
    server: Server
    base: str  # IVR_PUBLIC_URL, what Twilio signs

    @property
    def port(self) -> int:
        return self.server.port

    def send(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body or None, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def logs(self) -> dict[str, list[str]]:
        """Every log the server wrote: the app's (JSON lines), the access and the error log."""
        folder = self.server.logs
        return {
            name: (folder / f"app-{name}.log").read_text("utf-8").splitlines()
            for name in ("output", "access", "error")
        }


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("served")
    env = {**server_env(folder), "IVR_LOG_JSON": "1"}
    demo = ivr_command(env, "ledger", "demo", "--students", "30")
    assert demo.returncode == 0, demo.stderr
    with serving("app", env, folder) as (server, base):
        yield Served(server, base)


# -- fuzzed signed requests ------------------------------------------------------------------
@dataclass(frozen=True)
class Fuzzed:
    method: str
    path: str
    params: list[tuple[str, str]]

    @property
    def body(self) -> bytes:
        return urlencode(self.params).encode() if self.method == "POST" else b""


def hostile(rng: random.Random) -> str:
    """One hostile value: a known troublemaker, random characters from any plane, or a mix."""
    kind = rng.random()
    if kind < 0.45:
        return rng.choice(HOSTILE if rng.random() < 0.2 else SHORT)
    if kind < 0.8:
        alphabet = rng.choice([(32, 126), (0, 255), (0x80, 0xD7FF), (0xE000, 0x10FFFF), (0, 31)])
        return "".join(chr(rng.randint(*alphabet)) for _ in range(rng.randint(0, 40)))
    return "".join(rng.choice(SHORT) for _ in range(rng.randint(2, 5)))


def fuzzed(rng: random.Random, n: int) -> Fuzzed:
    """A Twilio webhook (the 27 parameters Twilio sends) with some values made hostile."""
    sid = f"CA{n:032x}" if rng.random() < 0.6 else hostile(rng)
    params = list(call_params(sid, "+51999888777").items())
    for _ in range(rng.randint(1, 6)):
        where = rng.randrange(len(params))
        params[where] = (params[where][0], hostile(rng))
    for name in rng.sample(["Digits", "SpeechResult", "CallSid", "To", "From", "x\n"], 2):
        params.append((name, hostile(rng)))
    if rng.random() < 0.05:  # now and then, past the size limit
        params.append(("Pad", "p" * (LIMIT + rng.randint(1, 1000))))
    node = rng.choice(NODES) if rng.random() < 0.7 else hostile(rng)
    route = rng.choice(ROUTES).format(quote(node, safe=""))
    state = rng.choice(STATES) if rng.random() < 0.8 else urlencode({"s": hostile(rng)})
    path = route + (f"?{state}" if state else "")
    if len(path) > 3000:  # beyond gunicorn's request line (test_a_request_line_over_...)
        path = rng.choice(ROUTES).format("principal")
    if rng.random() < 0.15:  # a GET webhook: the parameters in the query, within gunicorn's line
        query = urlencode(params)
        while len(path) + len(query) > 3000:
            params = params[: len(params) // 2]
            query = urlencode(params)
        return Fuzzed("GET", path + ("&" if "?" in path else "?") + query, params)
    return Fuzzed("POST", path, params)


def check(served: Served, request: Fuzzed) -> str | None:
    """Send one signed request; return what is wrong with the answer, or None."""
    signed = MultiDict(request.params) if request.method == "POST" else {}
    headers = {"X-Twilio-Signature": sign(served.base + request.path, signed)}  # type: ignore[arg-type]
    if request.method == "POST":
        headers.update(FORM)
    status, answer_headers, body = served.send(request.method, request.path, request.body, headers)
    if len(request.body) > LIMIT:
        return None if status == 413 else f"{status} for a body over the limit"
    sid = answer_headers.get("X-Call-Sid")
    if sid is not None and not (CALL_SID.fullmatch(sid) and (("CallSid", sid) in request.params)):
        return f"X-Call-Sid {sid!r}"
    if request.path.startswith("/voice/status"):
        return None if status == 204 else f"{status} for a status callback"
    if status != 200 or answer_headers.get("Content-Type") != "application/xml; charset=utf-8":
        return f"{status} {answer_headers.get('Content-Type')}: {body[:200]!r}"
    try:
        assert_valid_twiml(body)
    except AssertionError as invalid:
        return f"invalid TwiML ({invalid}): {body[:300]!r}"
    return None


def fuzz(served: Served, count: int) -> None:
    rng = random.Random(20261118)
    requests = [fuzzed(rng, n) for n in range(count)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [
            (n, problem)
            for n, problem in enumerate(pool.map(lambda r: check(served, r), requests))
            if problem
        ]
    shown = "\n".join(f"#{n} {requests[n]}: {problem}"[:600] for n, problem in problems[:5])
    assert not problems, f"{len(problems)} of {count} requests answered wrongly:\n{shown}"


def test_fuzzed_signed_requests_get_valid_twiml(served: Served) -> None:
    fuzz(served, FUZZED_QUICK)


@pytest.mark.slow
def test_ten_thousand_fuzzed_signed_requests_get_valid_twiml(served: Served) -> None:
    fuzz(served, FUZZED)


# -- forged, tampered, oversized -------------------------------------------------------------
def test_forged_and_tampered_requests_are_refused(served: Served) -> None:
    params = call_params("CA" + "1" * 32, "+51999888777")
    path = "/voice/menu/principal?s=1"
    good = sign(served.base + path, params)

    def status(path: str, params: dict[str, str], **headers: str) -> int:
        return served.send("POST", path, urlencode(params).encode(), {**FORM, **headers})[0]

    assert status(path, params, **{"X-Twilio-Signature": good}) == 200
    assert status(path, params) == 403  # unsigned
    assert status(path, params, **{"X-Twilio-Signature": "Zm9yZ2Vk"}) == 403  # forged
    assert status(path, {**params, "Digits": "2"}, **{"X-Twilio-Signature": good}) == 403
    assert status(path.replace("s=1", "s=2"), params, **{"X-Twilio-Signature": good}) == 403
    other_host = sign("https://other.example.org" + path, params)  # signed for another host
    headers = {"X-Twilio-Signature": other_host, "Host": "other.example.org"}
    assert status(path, params, **headers) == 403


def raw_exchange(served: Served, head: bytes, body_parts: list[bytes]) -> bytes:
    """Send a request's head and body parts on one socket; return what the server answered."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(head)
        for part in body_parts:
            sock.sendall(part)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def read_whole_answer(sock: socket.socket) -> bytes:
    """Read one answer whole: its head and body may come in separate segments.

    The server closes the connection with part of the request unread, which may reach us as a
    reset once the answer is in; what came before it is the answer.
    """
    answer = b""
    while True:
        head, ended, body = answer.partition(b"\r\n\r\n")
        length = re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE)
        if ended and length and len(body) >= int(length[1]):
            return answer
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return answer
        if not chunk:
            return answer
        answer += chunk


def test_a_body_announced_over_the_limit_is_refused_before_it_is_sent(served: Served) -> None:
    head = (
        "POST /voice HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {64 * 1024 * 1024}\r\nX-Twilio-Signature: Zm9v\r\n\r\n"
    ).encode()
    # Only the head goes out: the answer comes while 64 MB are still due, so none was awaited.
    with socket.create_connection(("127.0.0.1", served.port), timeout=30) as sock:
        sock.sendall(head + b"To=%2B5116044700&")
        answer = read_whole_answer(sock)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert answer.endswith(b"\r\n\r\nRequest body over 65536 bytes\n")


def chunked(body: bytes, size: int = 8192) -> list[bytes]:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return [b"%x\r\n%s\r\n" % (len(part), part) for part in parts] + [b"0\r\n\r\n"]


def chunked_head(served: Served, path: str, signature: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n"
        f"X-Twilio-Signature: {signature}\r\nConnection: close\r\n\r\n"
    ).encode()


def test_a_chunked_body_over_the_limit_is_refused(served: Served) -> None:
    params = {"CallSid": "CA" + "2" * 32, "Pad": "p" * (LIMIT + 10)}
    signature = sign(served.base + "/voice", params)
    parts = chunked(urlencode(params).encode())
    answer = raw_exchange(served, chunked_head(served, "/voice", signature), parts)
    assert answer.startswith(b"HTTP/1.1 413 ")


def test_a_chunked_signed_body_under_the_limit_is_answered(served: Served) -> None:
    params = {**call_params("CA" + "3" * 32, "+51999888777"), "Pad": "p" * (LIMIT - 2000)}
    signature = sign(served.base + "/voice", params)
    parts = chunked(urlencode(params).encode())
    answer = raw_exchange(served, chunked_head(served, "/voice", signature), parts)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert_valid_twiml(body)


def test_a_request_line_over_gunicorns_limit_is_refused(served: Served) -> None:
    status, _, _ = served.send("GET", "/voice?" + "x" * 5000, headers={"X-Twilio-Signature": "x"})
    assert status == 414  # URI Too Long


# -- the logs, after everything above --------------------------------------------------------
def test_forged_requests_plant_nothing_in_the_logs(served: Served) -> None:
    forged_line = "\n2026-11-18T15:00:00.000Z CRITICAL ivr forged"
    for n, value in enumerate([PLANTED_CODE, PLANTED_DNI, forged_line, PLANTED_CODE[1:]]):
        params = {"CallSid": value, "Digits": value, "SpeechResult": value, "From": value}
        path = "/voice/menu/" + quote(value + forged_line, safe="") + "?t=" + quote(value)
        for headers in ({}, {"X-Twilio-Signature": "Zm9yZ2Vk"}):
            headers.update(FORM)
            assert served.send("POST", path, urlencode(params).encode(), headers)[0] == 403
        # The same values, signed: answered, and their traces in the logs are masked.
        params["CallSid"] = f"CA{n:032x}"
        signature = sign(served.base + path, params)
        headers = {"X-Twilio-Signature": signature, **FORM}
        assert served.send("POST", path, urlencode(params).encode(), headers)[0] == 200
    logs = served.logs()
    for name, lines in logs.items():
        text = "\n".join(lines)
        for planted in PLANTED:
            assert planted not in text, f"{planted} in the {name} log"
    # Every line is a record of its own; the forged ones show only inside a value, escaped.
    for line in logs["output"]:  # the app's JSON lines: one object each
        record = json.loads(line)
        assert set(record) <= {"ts", "level", "logger", "message", "call_sid"}, record  # no trace
        assert "call_sid" not in record or CALL_SID.fullmatch(record["call_sid"])
        assert record["level"] in {"DEBUG", "INFO", "WARNING"} or record["message"].startswith(
            "Twilio used the fallback URL"
        ), record
    assert logs["access"] and all(ACCESS_LINE.fullmatch(line) for line in logs["access"]), [
        line for line in logs["access"] if not ACCESS_LINE.fullmatch(line)
    ][:3]
    assert all(line.startswith("[") for line in logs["error"])


# -- a bad setting stops the start, without a traceback --------------------------------------
def start(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, **server_env(tmp_path), "IVR_BIND": "127.0.0.1:0", **env}
    return subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


GUNICORN = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:app"]
FLASK_RUN = [sys.executable, "-m", "flask", "--app", "app", "run", "--port", "0"]
PROXIES = (
    "IVR_TRUSTED_PROXIES='two': expected the number of proxies in front, a whole number from 0 up"
)


@pytest.mark.parametrize(
    ("command", "env", "message"),
    [
        pytest.param(GUNICORN, {"IVR_TRUSTED_PROXIES": "two"}, PROXIES, id="gunicorn-app"),
        pytest.param(
            GUNICORN,
            {"IVR_TRUSTED_PROXIES": "two", "IVR_PRELOAD": "0", "IVR_WORKERS": "1"},
            PROXIES,
            id="gunicorn-app-in-worker",
        ),
        pytest.param(
            GUNICORN,
            {"IVR_WORKERS": "two"},
            "IVR_WORKERS='two': expected a whole number from 1 up",
            id="gunicorn-own",
        ),
        pytest.param(FLASK_RUN, {"IVR_TRUSTED_PROXIES": "two"}, PROXIES, id="flask-run"),
        pytest.param(
            FLASK_RUN,
            {"IVR_PUBLIC_URL": "ivr.example.edu"},
            "IVR_PUBLIC_URL='ivr.example.edu': expected the public base URL Twilio calls, "
            "with its scheme, like https://ivr.example.edu",
            id="flask-run-url",
        ),
    ],
)
def test_a_bad_setting_stops_the_start(
    tmp_path: Path, command: list[str], env: dict[str, str], message: str
) -> None:
    result = start(command, tmp_path, **env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
