"""Set and clear the emergency override: checked once, written, audited, logged."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from ivr.actions import ActionRefused
from ivr.actions.override import check_override, clear_override, set_override
from ivr.clock import LIMA
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from tests.actions.conftest import ANA, ROOT, audited, logged
from tests.conftest import WEEKDAY_10AM
from tests.helpers import Clock

MESSAGE = "Por una emergencia, la central está cerrada."
UNTIL = datetime(2026, 11, 18, 15, 30, tzinfo=LIMA)


@pytest.mark.parametrize(
    ("message", "until", "field", "en", "es"),
    [
        pytest.param(
            "   ",
            None,
            "message",
            "the message must not be empty",
            "Escriba el mensaje que oirán quienes llamen.",
            id="empty",
        ),
        pytest.param(
            "x" * 3001,
            None,
            "message",
            "the message is 3001 bytes long; one <Say> speaks at most 3000",
            "El mensaje es demasiado largo: tiene 3001 bytes y caben 3000.",
            id="longer-than-one-say",
        ),
        pytest.param(
            "ñ" * 1501,  # 2 bytes each: the limit is Twilio's, in bytes
            None,
            "message",
            "the message is 3002 bytes long; one <Say> speaks at most 3000",
            "El mensaje es demasiado largo: tiene 3002 bytes y caben 3000.",
            id="bytes-not-characters",
        ),
        pytest.param(
            MESSAGE,
            WEEKDAY_10AM,
            "until",
            "2026-11-18 10:00 is not in the future (it is now 2026-11-18 10:00 in Lima)",
            "El fin (miércoles 18 de noviembre, 10:00) ya pasó: ahora es el miércoles 18 de "
            "noviembre, 10:00. Elija un momento futuro o deje el campo vacío.",
            id="until-now",
        ),
        pytest.param(
            MESSAGE,
            WEEKDAY_10AM - timedelta(minutes=1),
            "until",
            "2026-11-18 09:59 is not in the future (it is now 2026-11-18 10:00 in Lima)",
            "El fin (miércoles 18 de noviembre, 09:59) ya pasó: ahora es el miércoles 18 de "
            "noviembre, 10:00. Elija un momento futuro o deje el campo vacío.",
            id="until-past",
        ),
    ],
)
def test_set_refuses_and_changes_nothing(
    runtime: Runtime,
    console: ConsoleStore,
    caplog: pytest.LogCaptureFixture,
    message: str,
    until: datetime | None,
    field: str,
    en: str,
    es: str,
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.actions"), pytest.raises(ActionRefused) as no:
        set_override(runtime, ROOT, message, until)
    assert (no.value.field, no.value.en, no.value.es, str(no.value)) == (field, en, es, en)
    assert runtime.override_store.get() is None
    assert audited(console) == []
    assert logged(caplog) == []


def test_check_returns_the_message_as_stored() -> None:
    assert check_override(WEEKDAY_10AM, f"  {MESSAGE}\n", UNTIL) == MESSAGE
    assert check_override(WEEKDAY_10AM, "x" * 3000, None) == "x" * 3000  # the limit itself


def test_set_writes_audits_and_logs_without_the_message(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        override = set_override(runtime, ANA, f" {MESSAGE} ", UNTIL)
    assert (override.message, override.set_at, override.until) == (MESSAGE, WEEKDAY_10AM, UNTIL)
    assert runtime.override_store.get() == override
    assert audited(console) == [
        ("ana", "override_set", f"hasta el miércoles 18 de noviembre, 15:30; mensaje: {MESSAGE}")
    ]
    assert logged(caplog) == [
        "override_set: every line closed until 2026-11-18T15:30:00-05:00; "
        "by ana through the console"
    ]


def test_set_without_an_end_lasts_until_cleared(runtime: Runtime, console: ConsoleStore) -> None:
    set_override(runtime, ROOT, MESSAGE, None)
    assert audited(console) == [("cli:root", "override_set", f"hasta quitarlo; mensaje: {MESSAGE}")]


def test_clear_removes_audits_and_logs(
    runtime: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    set_override(runtime, ANA, MESSAGE, UNTIL)
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        cleared = clear_override(runtime, ROOT)
    assert cleared is not None and cleared.message == MESSAGE
    assert runtime.override_store.get() is None
    assert audited(console)[0] == (
        "cli:root",
        "override_clear",
        f"hasta el miércoles 18 de noviembre, 15:30; mensaje: {MESSAGE}",
    )
    assert logged(caplog) == ["override_clear: the schedules decide again; by root through the cli"]


def test_clearing_nothing_records_nothing(runtime: Runtime, console: ConsoleStore) -> None:
    assert clear_override(runtime, ROOT) is None
    assert audited(console) == []


def test_clear_refuses_when_another_override_was_set_meanwhile(
    runtime: Runtime, console: ConsoleStore, clock: Clock
) -> None:
    seen = set_override(runtime, ANA, MESSAGE, None)
    clock.set(WEEKDAY_10AM + timedelta(minutes=1))
    set_override(runtime, ROOT, "Otro cierre.", None)
    with pytest.raises(ActionRefused) as no:
        clear_override(runtime, ANA, only=seen)
    assert (no.value.field, no.value.es) == (
        None,
        "El cierre cambió mientras tanto; revise el estado actual.",
    )
    still = runtime.override_store.get()
    assert still is not None and still.message == "Otro cierre."
    assert [action for _, action, _ in audited(console)] == ["override_set", "override_set"]
