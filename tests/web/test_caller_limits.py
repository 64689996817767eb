"""Guess spraying and replays, through the webhooks: limits per calling number, closed calls."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from flask import Flask
from lxml import etree

from ivr.clock import LIMA
from ivr.observability.metrics import FAILURE_ALARMS
from ivr.storage.ledger.demo import generate
from tests.helpers import Caller, Clock, assert_valid_twiml

LOCKED = "Por su seguridad, la consulta telefónica de este código"
BALANCE = "Tiene mil dieciocho soles con cincuenta céntimos vencidos"  # N00012345


@pytest.fixture
def app(make_app: object, clock: Clock) -> Flask:
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=LIMA))  # Saturday morning: open
    application: Flask = make_app(IVR_FAILURE_ALARM_PER_HOUR="12")  # type: ignore[operator]
    generate(application.extensions["ivr"].ledger, students=20)
    return application


def says(data: bytes) -> list[str]:
    assert_valid_twiml(data)
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def attempt(caller: Caller, call: int, code: str, dni: str, number: str) -> list[str]:
    """One new call from ``number`` that keys a code and a DNI; return what it heard."""
    caller.call["CallSid"] = f"CA{call:032x}"
    caller.call["From"] = number
    asked_dni = caller.post(caller.code_prompt(), Digits=code)
    return says(caller.follow(asked_dni, Digits=dni).data)


def spray(caller: Caller, number: str, failures: int, first_call: int = 0) -> None:
    """Fail ``failures`` times from ``number``, each on another unknown code and call."""
    for n in range(failures):
        heard = attempt(caller, first_call + n, f"9{first_call + n:07d}", "0000", number)
        assert heard[0] == "Los datos ingresados no coinciden con nuestros registros."


def test_the_eleventh_try_from_one_number_is_refused_even_on_a_fresh_code(
    caller: Caller,
) -> None:
    spray(caller, "+51999000111", 10)
    refused = attempt(caller, 100, "00012345", "2468", "+51999000111")  # the right DNI
    assert refused[0].startswith(LOCKED)
    assert not any(BALANCE in said for said in refused)
    # another number is not affected, on the very same code
    assert attempt(caller, 101, "00012345", "2468", "+51999000222")[0].startswith(BALANCE)


def test_ten_failures_are_allowed(caller: Caller) -> None:
    spray(caller, "+51999000111", 9)
    assert attempt(caller, 50, "00012345", "2468", "+51999000111")[0].startswith(BALANCE)


@pytest.mark.parametrize("last", ["anonymous", "+266696687", "Restricted"])
def test_withheld_numbers_share_one_budget(caller: Caller, last: str) -> None:
    spray(caller, "", 4)
    spray(caller, "anonymous", 3, first_call=10)
    spray(caller, "unknown", 3, first_call=20)
    refused = attempt(caller, 100, "00012345", "2468", last)
    assert refused[0].startswith(LOCKED)


def test_the_hour_passing_restores_the_budget(caller: Caller, clock: Clock) -> None:
    spray(caller, "+51999000111", 10)
    clock.set(clock() + timedelta(minutes=59))
    assert attempt(caller, 100, "00012345", "2468", "+51999000111")[0].startswith(LOCKED)
    clock.set(clock() + timedelta(minutes=2))  # an hour and a minute after the first failure
    assert attempt(caller, 101, "00012345", "2468", "+51999000111")[0].startswith(BALANCE)


def test_failures_across_codes_over_the_rate_raise_the_alarm(
    caller: Caller, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="ivr.selfservice")
    before = FAILURE_ALARMS._value.get()
    spray(caller, "+51999000111", 7)
    spray(caller, "+51999000222", 5, first_call=20)  # 12 in the hour: not over the rate
    assert FAILURE_ALARMS._value.get() == before
    assert "alarm" not in caplog.text
    spray(caller, "+51999000333", 1, first_call=40)  # the 13th
    assert FAILURE_ALARMS._value.get() == before + 1
    warnings = [r for r in caplog.records if "alarm threshold" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "13 in the last hour" in warnings[0].getMessage()
    assert "51999" not in caplog.text  # no calling number in the logs


def test_a_replayed_request_after_the_call_completed_hears_a_goodbye(caller: Caller) -> None:
    asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
    gather = etree.fromstring(asked_dni.data).find("Gather")
    assert gather is not None
    dni_step = str(gather.get("action"))
    statement = caller.post(dni_step, Digits="2468")
    assert says(statement.data)[0].startswith(BALANCE)
    menu_step = str(etree.fromstring(statement.data).find("Gather").get("action"))  # type: ignore[union-attr]
    # the same signed request again, before the call ends: still the caller's own statement
    assert says(caller.post(menu_step, Digits="1").data)[0].startswith(BALANCE)

    assert (
        caller.post("/voice/status", CallStatus="completed", CallDuration="95").status_code == 204
    )
    for path, digits in ((dni_step, "2468"), (menu_step, "1"), ("/voice", "")):
        replayed = caller.post(path, Digits=digits)
        assert replayed.status_code == 200
        heard = says(replayed.data)
        assert not any("saldo" in said or "soles" in said for said in heard), heard
        assert heard[-1] == "Gracias por llamar. Hasta pronto."
        assert etree.fromstring(replayed.data)[-1].tag == "Hangup"


@pytest.mark.parametrize("status", ["busy", "failed", "no-answer", "canceled"])
def test_every_finished_status_closes_the_call(caller: Caller, status: str) -> None:
    caller.post("/voice/status", CallStatus=status)
    heard = says(caller.post(caller.code_prompt(), Digits="00012345").data)
    assert heard[-1] == "Gracias por llamar. Hasta pronto."


def test_a_status_that_is_not_an_end_leaves_the_call_open(caller: Caller) -> None:
    caller.post("/voice/status", CallStatus="in-progress")
    asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
    assert says(caller.follow(asked_dni, Digits="2468").data)[0].startswith(BALANCE)


def test_a_verified_session_expires_ten_minutes_after_verification(
    caller: Caller, clock: Clock
) -> None:
    asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
    statement = caller.follow(asked_dni, Digits="2468")
    start = clock()
    clock.set(start + timedelta(minutes=9, seconds=59))
    again = caller.follow(statement, Digits="1")
    assert says(again.data)[0].startswith(BALANCE)
    clock.set(start + timedelta(minutes=10))
    expired = says(caller.follow(again, Digits="1").data)
    assert not any(BALANCE in said for said in expired)
    assert "código de estudiante" in expired[0]


def test_the_verified_time_is_a_setting(make_app: object, clock: Clock) -> None:
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=LIMA))
    application: Flask = make_app(IVR_VERIFIED_SESSION_MINUTES="2")  # type: ignore[operator]
    generate(application.extensions["ivr"].ledger, students=20)
    with application.test_client() as client:
        caller = Caller(client)
        statement = caller.follow(
            caller.post(caller.code_prompt(), Digits="00012345"), Digits="2468"
        )
        clock.set(clock() + timedelta(minutes=2))
        assert not any(BALANCE in said for said in says(caller.follow(statement, Digits="1").data))


PAUSED = (
    "Por seguridad, la consulta telefónica de estado de cuenta está en pausa por un tiempo. "
    "Intente más tarde."
)


def test_with_the_pause_set_an_alarm_pauses_callers_not_yet_verified(
    make_app: object, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 21, 10, 0, tzinfo=LIMA))
    app: Flask = make_app(  # type: ignore[operator]
        IVR_FAILURE_ALARM_PER_HOUR="12", IVR_PAUSE_ON_ALARM="1"
    )
    generate(app.extensions["ivr"].ledger, students=20)
    with app.test_client() as client:
        caller = Caller(client)
        verified = caller.post(caller.code_prompt(), Digits="00012345")  # before the alarm
        statement = caller.follow(verified, Digits="2468")
        for number, failures in enumerate((5, 5, 3)):  # 13 in the hour: over 12
            spray(caller, f"+5199900{number:04d}", failures, first_call=10 * number + 1)
        # A new caller, on the right code and DNI, hears the pause and the other channels.
        caller.call["CallSid"], caller.call["From"] = f"CA{999:032x}", "+51988000111"
        paused = says(caller.post(caller.code_prompt(), Digits="00012345").data)
        assert paused[0] == PAUSED
        assert paused[1].startswith("Puede consultar su estado de cuenta escribiendo al WhatsApp")
        # A caller verified before the alarm goes on hearing their statement.
        caller.call["CallSid"], caller.call["From"] = f"CA{0:032x}", "+51999000111"
        assert BALANCE in says(caller.follow(statement, Digits="1").data)[0]
        # An hour after the failures began, self-service is back.
        clock.set(datetime(2026, 11, 21, 11, 1, tzinfo=LIMA))
        caller.call["CallSid"], caller.call["From"] = f"CA{998:032x}", "+51988000222"
        asked_dni = caller.post(caller.code_prompt(), Digits="00012345")
        assert BALANCE in says(caller.follow(asked_dni, Digits="2468").data)[0]


def test_without_the_pause_setting_an_alarm_pauses_nobody(caller: Caller) -> None:
    for number in range(3):
        spray(caller, f"+5199900{number:04d}", 5, first_call=10 * number + 1)
    assert attempt(caller, 999, "00012345", "2468", "+51988000111")[0].startswith(BALANCE)
