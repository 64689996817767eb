"""The defensive masks: no student code, DNI or amount survives in a record or a log line."""

from __future__ import annotations

import pytest

from ivr.observability.privacy import redact, scrub_detail, scrub_said

SID = "CA" + "0123456789abcdef" * 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("verified ***456", "verified ***456", id="already-masked"),
        pytest.param("helpdesk", "helpdesk", id="queue-name"),
        pytest.param("N00123456", "***456", id="code-with-letter"),
        pytest.param("verified N00123456", "verified ***456", id="code-in-text"),
        pytest.param("code 00123456", "code ***", id="8-digits-dni-shaped-hidden"),
        pytest.param("12345", "***345", id="5-digits"),
        pytest.param("1234", "1234", id="4-digits-kept"),
        pytest.param("0012 3456 7", "***567", id="spaced-9-digits"),
        pytest.param("0012-3456", "***", id="dashed-8-digits"),
        pytest.param("from +51999888777", "from +***777", id="phone-number"),
        pytest.param("saldo S/ 1,234.50", "saldo S/ ***", id="soles"),
        pytest.param("S/.15", "S/ ***", id="soles-dot"),
        pytest.param(SID, SID, id="call-sid-kept"),
    ],
)
def test_scrub_detail(text: str, expected: str) -> None:
    assert scrub_detail(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2", "2", id="key"),
        pytest.param("123", "123", id="3-digits"),
        pytest.param("estudiantes", "estudiantes", id="speech"),
        pytest.param("4567", "***", id="dni-last-4"),
        pytest.param("00123456", "***", id="code-digits"),
        pytest.param("mi código es N00123456", "mi código es ***", id="spoken-code"),
        pytest.param("mi dni 4 5 6 7", "mi dni ***", id="spoken-digits"),
    ],
)
def test_scrub_said(text: str, expected: str) -> None:
    assert scrub_said(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(f"call={SID} node=principal", f"call={SID} node=principal", id="sid"),
        pytest.param("code N00123456 failed", "code ***456 failed", id="code"),
        pytest.param("code n001234567", "code ***567", id="code-9-digits"),
        pytest.param("dni 45678912", "dni ***", id="dni"),
        pytest.param("digits 001234567", "digits ***567", id="9-digit-run"),
        pytest.param("balance S/ 1,234.50 due", "balance S/ *** due", id="soles"),
        pytest.param("PEN 80.00", "S/ ***", id="pen"),
        pytest.param(
            "override until 2026-11-18 on port 18000, 100000 rows",
            "override until 2026-11-18 on port 18000, 100000 rows",
            id="dates-ports-counts-kept",
        ),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected
