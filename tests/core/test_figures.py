"""The desk figures, defined once (ivr.core.figures): hand-computed expectations."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ivr.core.events import CallEvent
from ivr.core.figures import CallbackFact, half_hour, outcome, tally

LIMA = ZoneInfo("America/Lima")


def at(hour: int, minute: int) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=LIMA)


def test_outcome_reads_both_detail_forms():
    answered = outcome(CallEvent.QUEUE_ANSWERED, "helpdesk 42", at(9, 0))
    assert answered is not None
    assert (answered.desk, answered.result, answered.reason, answered.seconds) == (
        "helpdesk", "answered", "", 42,
    )  # fmt: skip
    left = outcome(CallEvent.QUEUE_LEFT, "helpdesk callback -")
    assert left is not None
    assert (left.result, left.reason, left.seconds) == ("left", "callback", None)
    assert outcome(CallEvent.QUEUE_WAIT, "position 2") is None


def test_half_hour_floors_to_the_half_hour():
    assert half_hour(at(9, 44)) == at(9, 30)
    assert half_hour(at(10, 5)) == at(10, 0)


def test_the_figures_of_one_desk_by_hand():
    steps = [
        (CallEvent.QUEUE_ANSWERED, "helpdesk 30", at(9, 5)),  # within 60 s
        (CallEvent.QUEUE_ANSWERED, "helpdesk 90", at(9, 10)),  # past 60 s
        (CallEvent.QUEUE_ANSWERED, "helpdesk 60", at(9, 40)),  # exactly 60 s: within
        (CallEvent.QUEUE_ABANDONED, "helpdesk 3", at(9, 12)),  # short: apart
        (CallEvent.QUEUE_ABANDONED, "helpdesk 120", at(9, 50)),  # abandoned
        (CallEvent.QUEUE_LEFT, "helpdesk callback 200", at(9, 20)),  # not abandoned
        (CallEvent.QUEUE_FAILED, "helpdesk queue-full 0", at(9, 45)),
        (CallEvent.QUEUE_ANSWERED, "caja 10", at(9, 1)),
    ]
    found = [o for e, d, t in steps if (o := outcome(e, d, t)) is not None]
    callbacks = [
        CallbackFact("helpdesk", at(9, 20), placed=True, reached=True),
        CallbackFact("helpdesk", at(9, 35), placed=True, reached=False),
        CallbackFact("helpdesk", at(9, 36), placed=False, reached=False),
    ]
    table = tally(found, callbacks, {"caja": 5})
    desk = table.desks["helpdesk"]
    assert desk.offered == 7
    assert desk.answered == 3
    assert desk.abandoned == 1
    assert desk.short_abandoned == 1
    assert desk.left_callback == 1
    assert desk.average_answer_s == 60.0  # (30 + 90 + 60) / 3
    assert desk.service_level == 2 / 6  # 30 and 60 within, over 7 offered less 1 short
    assert (desk.callbacks_requested, desk.callbacks_placed, desk.callbacks_reached) == (3, 2, 1)
    # caja's threshold is 5 s: 10 s is outside it
    assert table.desks["caja"].service_level == 0.0
    first = table.half_hours[("helpdesk", at(9, 0))]
    assert (first.offered, first.answered, first.short_abandoned, first.left_callback) == (
        4, 2, 1, 1,
    )  # fmt: skip
    assert first.service_level == 1 / 3  # 30 s within; over 4 less 1 short
    second = table.half_hours[("helpdesk", at(9, 30))]
    assert (second.offered, second.answered, second.abandoned) == (3, 1, 1)
    assert (second.callbacks_requested, second.callbacks_placed) == (2, 1)


def test_no_callers_no_rates():
    table = tally([], [])
    assert table.desks == {}
