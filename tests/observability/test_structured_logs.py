"""Structured logs: the JSON line's shape, the CallSid on every line of a call, redaction."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask, g
from freezegun import freeze_time

from ivr.observability.logs import configure_logging

SID = "CA" + "0123456789abcdef" * 2


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    """Capture what configure_logging writes; put the root logger back afterwards."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    out = io.StringIO()
    yield out
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def app() -> Flask:
    return Flask("logs-test")


@freeze_time("2026-11-18 15:00:00.123456")
def test_json_line_in_a_call(stream: io.StringIO, app: Flask) -> None:
    configure_logging(json=True, stream=stream)
    with app.test_request_context("/voice"):
        g.call_sid = SID
        logging.getLogger("ivr.voice").info("node=%s event=%s", "principal", "call_start")
    assert json.loads(stream.getvalue()) == {
        "ts": "2026-11-18T15:00:00.123Z",
        "level": "INFO",
        "logger": "ivr.voice",
        "message": "node=principal event=call_start",
        "call_sid": SID,
    }


@freeze_time("2026-11-18 15:00:00")
def test_json_line_outside_a_call_has_no_call_sid(stream: io.StringIO, app: Flask) -> None:
    configure_logging(json=True, stream=stream)
    logging.getLogger("ivr.config").warning("configuration reloaded")
    with app.test_request_context("/healthz"):  # a request without a CallSid
        g.call_sid = ""
        logging.getLogger("ivr.web").warning("no call here")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines == [
        {
            "ts": "2026-11-18T15:00:00.000Z",
            "level": "WARNING",
            "logger": "ivr.config",
            "message": "configuration reloaded",
        },
        {
            "ts": "2026-11-18T15:00:00.000Z",
            "level": "WARNING",
            "logger": "ivr.web",
            "message": "no call here",
        },
    ]


def test_json_line_with_an_exception_is_redacted(stream: io.StringIO, app: Flask) -> None:
    configure_logging(json=True, stream=stream)
    with app.test_request_context("/voice/selfservice/estado-de-cuenta"):
        g.call_sid = SID
        try:
            raise LookupError("no student N00123456 with DNI 45678912")
        except LookupError:
            logging.getLogger("ivr.voice").exception("lookup failed for %s", "N00123456")
    line = json.loads(stream.getvalue())
    assert set(line) == {"ts", "level", "logger", "message", "call_sid", "exc_info"}
    assert line["level"] == "ERROR"
    assert line["message"] == "lookup failed for ***456"
    assert line["exc_info"].startswith("Traceback (most recent call last):\n")
    assert line["exc_info"].endswith("LookupError: no student ***456 with DNI ***")
    assert "N00123456" not in stream.getvalue()
    assert "45678912" not in stream.getvalue()


@freeze_time("2026-11-18 15:00:00.5")
def test_plain_lines_carry_the_call_sid(stream: io.StringIO, app: Flask) -> None:
    configure_logging(json=False, stream=stream)
    log = logging.getLogger("ivr.voice")
    with app.test_request_context("/voice"):
        g.call_sid = SID
        log.info("status=%s duration=%s", "completed", 42)
    log.info("outside")
    assert stream.getvalue().splitlines() == [
        f"2026-11-18T15:00:00.500Z INFO ivr.voice [{SID}] status=completed duration=42",
        "2026-11-18T15:00:00.500Z INFO ivr.voice outside",
    ]


@pytest.mark.parametrize(
    ("message", "args", "logged"),
    [
        pytest.param("code %s", ("N00123456",), "code ***456", id="code-in-args"),
        pytest.param("code N00123456", (), "code ***456", id="code-in-message"),
        pytest.param("dni %s ok", ("45678912",), "dni *** ok", id="dni"),
        pytest.param("balance %s", ("S/ 1,234.50",), "balance S/ ***", id="amount"),
        pytest.param("call %s", (SID,), f"call {SID}", id="call-sid-kept"),
        pytest.param("%d rows", (100000,), "100000 rows", id="count-kept"),
    ],
)
def test_redaction(
    stream: io.StringIO, message: str, args: tuple[object, ...], logged: str
) -> None:
    configure_logging(json=True, stream=stream)
    logging.getLogger("ivr.storage.ledger").warning(message, *args)
    assert json.loads(stream.getvalue())["message"] == logged


def test_configure_twice_keeps_one_handler_and_others(stream: io.StringIO) -> None:
    root = logging.getLogger()
    other = logging.NullHandler()
    root.addHandler(other)
    try:
        first = configure_logging(json=True, stream=stream)
        second = configure_logging(json=False, level="WARNING", stream=stream)
        assert first not in root.handlers
        assert second in root.handlers
        assert other in root.handlers
        assert root.level == logging.WARNING
        logging.getLogger("ivr").info("hidden")
        logging.getLogger("ivr").warning("shown")
        assert stream.getvalue().endswith(" WARNING ivr shown\n")
        assert "hidden" not in stream.getvalue()
    finally:
        root.removeHandler(other)
