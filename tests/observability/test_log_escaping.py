"""No value starts a log line of its own: values escaped, our multi-line texts indented."""

from __future__ import annotations

import json
import logging

import pytest
from flask import Flask, g
from freezegun import freeze_time

from ivr.config.errors import ConfigError, Problem
from ivr.observability.logs import escape
from tests.logcapture import captured_logs

FORGED = "ok\n2026-11-18T15:00:00.000Z CRITICAL ivr forged"


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        pytest.param("plain text, ñandú 東京", "plain text, ñandú 東京", id="printable-unchanged"),
        pytest.param("a\nb\rc\td", "a\\nb\\rc\\td", id="line-breaks-and-tab"),
        pytest.param("nul\x00 esc\x1b del\x7f", "nul\\x00 esc\\x1b del\\x7f", id="c0-and-del"),
        pytest.param("nel\x85 csi\x9b", "nel\\x85 csi\\x9b", id="c1"),
        pytest.param("ls\u2028 ps\u2029", "ls\\u2028 ps\\u2029", id="unicode-separators"),
        pytest.param("rlo\u202e lri\u2066", "rlo\\u202e lri\\u2066", id="bidi-overrides"),
    ],
)
def test_escape(value: str, escaped: str) -> None:
    assert escape(value) == escaped


@freeze_time("2026-11-18 15:00:00")
def test_a_value_with_line_breaks_stays_on_its_record_line_in_plain_text() -> None:
    with captured_logs(json=False) as logs:
        logging.getLogger("ivr.voice").info("status=%s duration=%d", FORGED, 7)
    assert logs.getvalue() == (
        "2026-11-18T15:00:00.000Z INFO ivr.voice status=ok\\n2026-11-18T15:00:00.000Z "
        "CRITICAL ivr forged duration=7\n"
    )


@freeze_time("2026-11-18 15:00:00")
def test_a_value_with_line_breaks_stays_in_its_json_message() -> None:
    with captured_logs(json=True) as logs:
        logging.getLogger("ivr.voice").warning("a %(what)s", {"what": FORGED + "\u2028"})
    [line] = logs.getvalue().splitlines()
    assert json.loads(line)["message"] == (
        "a ok\\n2026-11-18T15:00:00.000Z CRITICAL ivr forged\\u2028"
    )


def test_a_call_sid_in_flask_g_is_escaped_too() -> None:
    with captured_logs(json=False) as logs, Flask("t").test_request_context("/voice"):
        g.call_sid = "CA1\nforged"
        logging.getLogger("ivr.voice").info("x")
    assert logs.getvalue().endswith(" [CA1\\nforged] x\n")


@freeze_time("2026-11-18 15:00:00")
def test_a_traceback_is_indented_under_its_record_in_plain_text() -> None:
    with captured_logs(json=False) as logs:
        try:
            raise ValueError(f"bad value {FORGED}\u2028")
        except ValueError:
            logging.getLogger("ivr.voice").exception("error while answering %s", "/voice")
    first, *rest = logs.getvalue().splitlines()
    assert first == "2026-11-18T15:00:00.000Z ERROR ivr.voice error while answering /voice"
    assert rest[0] == "    Traceback (most recent call last):"
    assert all(line.startswith("    ") for line in rest)
    assert rest[-2:] == [
        "    ValueError: bad value ok",
        "    2026-11-18T15:00:00.000Z CRITICAL ivr forged\\u2028",
    ]


@freeze_time("2026-11-18 15:00:00")
def test_a_configuration_error_keeps_one_problem_a_line() -> None:
    error = ConfigError(
        [Problem("menus/a.yaml", 3, "nodes.x", "first"), Problem("menus/b.yaml", 4, "", "second")]
    )
    with captured_logs(json=False) as logs:
        logging.getLogger("ivr.config").error("rejected:\n%s", error)
    assert logs.getvalue().splitlines() == [
        "2026-11-18T15:00:00.000Z ERROR ivr.config rejected:",
        "    menus/a.yaml:3: nodes.x: first",
        "    menus/b.yaml:4: second",
    ]
