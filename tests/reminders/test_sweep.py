"""A fake clock sweeps November 2026 to mid-January 2027, sending what is due every half hour."""

from __future__ import annotations

import re
import threading
from datetime import date, datetime, time

from flask import Flask

from ivr.actions import Actor, Door
from ivr.actions.reminders import send_due
from ivr.clock import LIMA
from ivr.runtime import Runtime
from tests.helpers import Clock
from tests.reminders.conftest import (
    CLOCK_STEP,
    CLOSURE,
    SENDER,
    FakeTwilio,
    outstanding,
    texts,
)

ACTOR = Actor("test", Door.CLI)
START = datetime(2026, 11, 1, tzinfo=LIMA)
END = datetime(2027, 1, 14, tzinfo=LIMA)
HOLIDAYS = {date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 25), date(2027, 1, 1)}
AMOUNT = re.compile(r"S/ ([\d,]+\.\d\d)")
CUOTA = re.compile(r"cuota (\d) del ciclo 2026-2")
# What each student gets, by the day it arrives (see conftest for their payments). The late
# fee of a cuota due 30 November starts on 8 December (policy 5.9.2: D+8), a holiday, as is
# the 9th (Batalla de Ayacucho): it goes on the 10th.
EXPECTED = {
    "+51987654321": [  # A: cuotas 4 and 5 unpaid
        (date(2026, 11, 27), 4), (date(2026, 12, 2), 4), (date(2026, 12, 10), 4),
        (date(2026, 12, 28), 5), (date(2026, 12, 31), 5), (date(2027, 1, 7), 5),
    ],
    "+51987654322": [(date(2026, 12, 28), 5)],  # B: cuota 4 paid early, cuota 5 on 29 Dec
    "+51987654325": [  # E: cuota 3 unpaid, cuota 4 in part
        (date(2026, 11, 2), 3), (date(2026, 11, 9), 3),
        (date(2026, 11, 27), 4), (date(2026, 12, 2), 4), (date(2026, 12, 10), 4),
        (date(2026, 12, 28), 5), (date(2026, 12, 31), 5), (date(2027, 1, 7), 5),
    ],
}  # fmt: skip
CODES = {"+51987654321": "N00200001", "+51987654322": "N00200002", "+51987654325": "N00200005"}


def runtime_of(app: Flask) -> Runtime:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    return runtime


def test_a_sweep_sends_each_reminder_once_inside_the_windows_with_the_statements_amount(
    reminders_app: Flask, twilio_api: FakeTwilio, clock: Clock
) -> None:
    runtime = runtime_of(reminders_app)
    arrived: list[tuple[datetime, dict[str, str]]] = []
    moment = START
    while moment < END:
        clock.set(moment)
        before = len(twilio_api.requests)
        send_due(runtime, ACTOR)
        if moment.minute == 0 and moment.hour in (7, 12):
            send_due(runtime, ACTOR)  # run twice: nothing more is sent
        arrived += [(moment, text) for text in texts(twilio_api)[before:]]
        moment += CLOCK_STEP
    got: dict[str, list[tuple[date, int]]] = {}
    for at, text in arrived:
        # Ley 29571 art. 62 b: Monday to Friday 07:00-20:00, no holiday, no closure
        assert at.weekday() < 5 and time(7) <= at.time() < time(20), at
        assert at.date() not in HOLIDAYS and at.date() != CLOSURE, at
        assert text["From"] == SENDER
        body = text["Body"]
        assert "BAJA" in body and "N00" not in body and "2000" not in body
        cuota = int(CUOTA.search(body).group(1))  # type: ignore[union-attr]
        amount = AMOUNT.search(body)
        assert amount is not None, body
        cents = int(amount.group(1).replace(",", "").replace(".", ""))
        assert cents == outstanding(runtime, CODES[text["To"]], cuota, at.date()), body
        got.setdefault(text["To"], []).append((at.date(), cuota))
        assert at.time() == time(7), at  # sent at the first permitted moment of its day
    assert got == EXPECTED  # nothing to C (opted out) or D (no mobile); each one once


def test_two_hosts_sending_at_once_send_each_reminder_once(
    reminders_app: Flask, make_app: object, twilio_api: FakeTwilio, clock: Clock, database_url: str
) -> None:
    assert callable(make_app)
    other = runtime_of(make_app(IVR_DATABASE_URL=database_url, TWILIO_ACCOUNT_SID="AC" + "1" * 32,
                                IVR_TWILIO_API_URL=twilio_api.url))  # fmt: skip
    runtime = runtime_of(reminders_app)
    clock.set(datetime(2026, 11, 27, 9, 0, tzinfo=LIMA))  # cuota 4's, to A and E
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(host: Runtime) -> None:
        try:
            barrier.wait(timeout=10)
            send_due(host, ACTOR)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(host,)) for host in (runtime, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(text["To"] for text in texts(twilio_api)) == ["+51987654321", "+51987654325"]
    send_due(other, ACTOR)
    send_due(runtime, ACTOR)
    assert len(twilio_api.requests) == 2
