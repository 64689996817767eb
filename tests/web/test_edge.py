"""The edge: body size before reading, signature before any value is used, CallSid shape, logs."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from lxml import etree
from werkzeug.test import create_environ, run_wsgi_app

from ivr.app import CANNOT_START, create_app_for_server
from tests.helpers import TOKEN, Caller, Clock, assert_valid_twiml, sign
from tests.logcapture import captured_logs

VALID_SID = "CA" + "0123456789abcdef" * 2
PLANTED_CODE, PLANTED_DNI = "N00098765", "71829364"


def recorded_sids(app: Flask, clock: Clock) -> set[str]:
    calls = app.extensions["ivr"].calls
    calls.flush()
    moment = clock()
    return {
        call.call_sid for call in calls.calls(moment - timedelta(days=1), moment + timedelta(1))
    }


# -- CallSid ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "sid",
    [
        pytest.param("CA" + "0123456789ABCDEF" * 2, id="upper-hex"),
        pytest.param(VALID_SID, id="lower-hex"),
    ],
)
def test_a_twilio_shaped_call_sid_is_echoed_and_recorded(
    app: Flask, caller: Caller, clock: Clock, sid: str
) -> None:
    caller.call["CallSid"] = sid
    response = caller.post("/voice")
    assert response.status_code == 200
    assert response.headers["X-Call-Sid"] == sid
    assert recorded_sids(app, clock) == {sid}


@pytest.mark.parametrize(
    "sid",
    [
        pytest.param("CA1", id="short"),
        pytest.param("CA" + "0" * 33, id="long"),
        pytest.param("ca" + "0" * 32, id="lowercase-prefix"),
        pytest.param("AC" + "0" * 32, id="account-sid"),
        pytest.param("CA" + "g" * 32, id="not-hex"),
        pytest.param("CA" + "0" * 32 + "\n", id="trailing-newline"),
        pytest.param("CA" + "0" * 31 + "\x00", id="nul"),
        pytest.param("CA" + "0" * 31 + "ñ", id="latin-1"),
        pytest.param("CA" + "0" * 31 + "€", id="beyond-latin-1"),
        pytest.param(f"{PLANTED_CODE} {PLANTED_DNI}", id="planted-code"),
        pytest.param("x\r\n2026-11-18T15:00:00.000Z CRITICAL ivr forged", id="forged-line"),
    ],
)
def test_any_other_call_sid_is_treated_as_absent(
    app: Flask, caller: Caller, clock: Clock, sid: str
) -> None:
    caller.call["CallSid"] = sid
    with captured_logs(json=True) as logs:
        for path, params in [
            ("/voice", {}),
            ("/voice/menu/principal?s=1", {"Digits": "2"}),
            ("/voice/status", {"CallStatus": "completed", "CallDuration": "9"}),
            ("/voice/no-such-step", {}),
        ]:
            response = caller.post(path, **params)
            assert response.status_code in (200, 204)
            assert "X-Call-Sid" not in response.headers
            if response.status_code == 200:
                assert_valid_twiml(response.data)
    assert recorded_sids(app, clock) == set()
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert lines and not any("call_sid" in line for line in lines)
    assert sid not in logs.getvalue()


def test_self_service_without_a_call_sid_still_answers(caller: Caller) -> None:
    caller.call["CallSid"] = "not-a-sid"
    entry = "/voice/selfservice/estado-de-cuenta?s=3&t=principal.estudiantes&st=code"
    response = caller.post(entry, Digits="00012345")
    assert response.status_code == 200
    assert_valid_twiml(response.data)


# -- nothing of an unsigned request is logged ------------------------------------------------
@pytest.mark.parametrize("json_lines", [True, False], ids=["json", "plain"])
def test_an_unsigned_request_logs_only_its_route(app: Flask, json_lines: bool) -> None:
    planted = f"{PLANTED_CODE}\n2026-11-18T15:00:00.000Z CRITICAL ivr forged {PLANTED_DNI}"
    client = app.test_client()
    with captured_logs(json=json_lines) as logs:
        response = client.post(
            "/voice/menu/N00098765%0ACRITICAL?s=1",
            data={"CallSid": planted, "Digits": PLANTED_DNI, "SpeechResult": planted},
            headers={"X-Twilio-Signature": "Zm9yZ2Vk", "User-Agent": planted.replace("\n", " ")},
        )
        assert response.status_code == 403
        assert client.post("/voice/%0Aforged", data={"CallSid": planted}).status_code == 403
    text = logs.getvalue()
    assert len(text.splitlines()) == 2
    for secret in (PLANTED_CODE, "00098765", PLANTED_DNI, "CRITICAL", "forged"):
        assert secret not in text
    expected = [
        "rejected a request with a missing or wrong Twilio signature: POST /voice/menu/<node>",
        "rejected a request with a missing or wrong Twilio signature: POST (no such route)",
    ]
    if json_lines:
        assert [json.loads(line)["message"] for line in text.splitlines()] == expected
    else:
        assert [line.split(" ivr.voice ", 1)[1] for line in text.splitlines()] == expected


def test_a_forged_host_with_a_bad_port_is_refused_not_an_error(app: Flask) -> None:
    response = app.test_client().post(
        "/voice",
        data={"To": "+5116044700"},
        headers={"Host": "localhost:x", "X-Twilio-Signature": "Zm9v"},
    )
    assert response.status_code == 403


def test_a_signature_header_beyond_ascii_is_refused(app: Flask) -> None:
    response = app.test_client().post(
        "/voice", data={"To": "+5116044700"}, headers={"X-Twilio-Signature": "é" * 28}
    )
    assert response.status_code == 403


# -- values of a signed request reach the logs escaped ---------------------------------------
FORGED = "done\n2026-11-18 CRITICAL\r\u2028\x85\x00"  # under the 32 characters kept


@pytest.mark.parametrize("json_lines", [True, False], ids=["json", "plain"])
def test_signed_values_are_logged_on_one_line(caller: Caller, json_lines: bool) -> None:
    with captured_logs(json=json_lines) as logs:
        assert caller.post("/voice/status", CallStatus=FORGED).status_code == 204
        path = "/voice/no%0A2026-11-18T15:00:00.000Z%20CRITICAL%20ivr%20forged%E2%80%A8step"
        assert caller.post(path).status_code == 200
    lines = logs.getvalue().splitlines()
    messages = [json.loads(line)["message"] for line in lines] if json_lines else lines
    status = next(m for m in messages if "status=" in m)
    assert status.endswith("status=done\\n2026-11-18 CRITICAL\\r\\u2028\\x85\\x00 duration=")
    unexpected = next(m for m in messages if "unexpected request" in m)
    assert unexpected.endswith(
        "unexpected request: POST /voice/no\\n2026-11-18T15:00:00.000Z CRITICAL ivr "
        "forged\\u2028step"
    )
    # Every line is a record of its own: none starts with the forged timestamp.
    assert not any(line.startswith("2026-11-18T15:00:00.000Z CRITICAL") for line in lines)


# -- the body size limit ---------------------------------------------------------------------
class Unreadable(io.RawIOBase):
    """A request body that fails the test if anything reads it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        raise AssertionError("the body was read")


class Endless(io.RawIOBase):
    """A streamed (chunked) form body that never ends; counts what was read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = min(len(buffer), 4096)
        buffer[:size] = b"a" * size
        self.read_bytes += size
        return size


def call_wsgi(
    app: Flask, path: str, body: io.RawIOBase, length: int | None, signature: str = "Zm9v"
) -> tuple[str, bytes]:
    environ = create_environ(path, method="POST", content_type="application/x-www-form-urlencoded")
    if signature:
        environ["HTTP_X_TWILIO_SIGNATURE"] = signature
    environ["wsgi.input"] = io.BufferedReader(body)
    environ.pop("CONTENT_LENGTH", None)
    if length is None:
        environ["wsgi.input_terminated"] = True  # what gunicorn says of a chunked body
    else:
        environ["CONTENT_LENGTH"] = str(length)
    app_iter, status, _ = run_wsgi_app(app.wsgi_app, environ)
    return status, b"".join(app_iter)


@pytest.mark.parametrize("path", ["/voice", "/voice/menu/principal?s=1", "/healthz", "/nowhere"])
def test_a_body_announced_over_the_limit_is_refused_unread(app: Flask, path: str) -> None:
    status, body = call_wsgi(app, path, Unreadable(), 64 * 1024 + 1)
    assert status == "413 REQUEST ENTITY TOO LARGE"
    assert body == b"Request body over 65536 bytes\n"


def test_a_streamed_signed_body_under_the_limit_is_answered(app: Flask) -> None:
    body, signature = signed_body_of(60 * 1024)
    status, answer = call_wsgi(app, "/voice", io.BytesIO(body), None, signature)
    assert status == "200 OK"
    assert_valid_twiml(answer)


def test_a_streamed_body_is_refused_once_past_the_limit(app: Flask) -> None:
    stream = Endless()
    with captured_logs(json=True) as logs:
        status, body = call_wsgi(app, "/voice", stream, None)
    assert status == "413 REQUEST ENTITY TOO LARGE"
    assert body == b"Request body over 65536 bytes\n"
    assert 64 * 1024 < stream.read_bytes <= 64 * 1024 + 64 * 1024  # read up to the limit only
    [line] = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert line["message"] == "refused a request body over 65536 bytes (IVR_MAX_BODY_BYTES)"


def signed_body_of(size: int, path: str = "/voice") -> tuple[bytes, str]:
    """A signed Twilio form of exactly ``size`` bytes (padded in one parameter)."""
    params = {"CallSid": VALID_SID, "To": "+5116044700", "Pad": ""}
    params["Pad"] = "x" * (size - len(urlencode(params)))
    body = urlencode(params).encode()
    assert len(body) == size
    return body, sign("http://localhost" + path, params)


@pytest.mark.parametrize(
    ("setting", "size", "status"),
    [
        pytest.param({}, 64 * 1024, 200, id="64k-at-the-default"),
        pytest.param({}, 64 * 1024 + 1, 413, id="one-byte-over-the-default"),
        pytest.param({"IVR_MAX_BODY_BYTES": "16k"}, 16 * 1024, 200, id="16k-at-16k"),
        pytest.param({"IVR_MAX_BODY_BYTES": "16k"}, 20 * 1024, 413, id="20k-over-16k"),
    ],
)
def test_the_limit_is_configurable(
    make_app: Any, setting: dict[str, str], size: int, status: int
) -> None:
    app = make_app(**setting)
    body, signature = signed_body_of(size)
    response = app.test_client().post(
        "/voice",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signature},
    )
    assert response.status_code == status
    if status == 200:
        assert_valid_twiml(response.data)
    else:
        assert response.mimetype == "text/plain"


# -- the public URL --------------------------------------------------------------------------
WARNING = "IVR_PUBLIC_URL is not set"


def test_without_a_public_url_the_start_warns_of_the_host_risk(
    make_app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ivr")
    make_app()
    [warning] = [r.getMessage() for r in caplog.records if WARNING in r.getMessage()]
    assert "a request Twilio signed for another host of the same account is accepted" in warning


@pytest.mark.parametrize(
    "setting",
    [
        pytest.param({"IVR_PUBLIC_URL": "https://ivr.example.edu"}, id="public-url-set"),
        pytest.param({"IVR_SKIP_SIGNATURE": "1"}, id="signatures-off"),
        pytest.param({"IVR_CLI": "1"}, id="operator-command"),
    ],
)
def test_no_host_warning_when_it_does_not_apply(
    make_app: Any, caplog: pytest.LogCaptureFixture, setting: dict[str, str]
) -> None:
    caplog.set_level(logging.WARNING, logger="ivr")
    make_app(**setting)
    assert WARNING not in caplog.text


def test_the_public_url_refuses_what_was_signed_for_another_host(make_app: Any) -> None:
    params = {"To": "+5116044700", "CallSid": VALID_SID}
    other = {
        "Host": "other.example.org",
        "X-Twilio-Signature": sign("http://other.example.org/voice", params),
    }
    guessing = make_app().test_client()
    assert guessing.post("/voice", data=params, headers=other).status_code == 200  # the risk
    fixed = make_app(IVR_PUBLIC_URL="https://ivr.example.edu").test_client()
    assert fixed.post("/voice", data=params, headers=other).status_code == 403


# -- the start -------------------------------------------------------------------------------
def test_a_bad_setting_stops_the_server_start_with_a_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("IVR_TRUSTED_PROXIES", "two")
    with pytest.raises(SystemExit) as exited:
        create_app_for_server()
    assert exited.value.code == CANNOT_START
    assert capsys.readouterr().err == (
        "cannot start: 1 bad setting in the environment\n"
        "  IVR_TRUSTED_PROXIES='two': expected the number of proxies in front, "
        "a whole number from 0 up\n"
    )


def test_a_bad_operator_file_stops_the_server_start_with_its_location(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], config_dir: Path
) -> None:
    menu = config_dir / "menus" / "students.yaml"
    menu.write_text(menu.read_text(encoding="utf-8").replace("goto: help-desk", "goto: helpdesk"))
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    with pytest.raises(SystemExit) as exited:
        create_app_for_server()
    assert exited.value.code == CANNOT_START
    err = capsys.readouterr().err
    assert err.startswith("cannot start: 1 problem in the operator files:\n  menus/students.yaml:")
    assert "goes to 'helpdesk', which is not a node (did you mean 'help-desk'?)" in err


def test_an_unknown_path_apologises_then_leads_to_the_failure_destination(
    caller: Caller,
) -> None:
    """As the README promises: an apology, then the guidance desk (open now) or a goodbye."""
    answer = caller.post("/voice/nope/deeper?s=4")
    assert answer.status_code == 200
    assert_valid_twiml(answer.data)
    doc = etree.fromstring(answer.data)
    said = [el.text or "" for el in doc.iter("Say")]
    assert said[0] == "Lo sentimos, tuvimos un problema técnico."
    assert "Para estudiantes, marque 2." not in " ".join(said)  # not the main menu
    assert doc.find("Enqueue") is not None or doc.find("Dial") is not None  # the desk, open
