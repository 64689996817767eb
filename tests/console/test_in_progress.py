"""One definition of a call in progress: «Ahora», «Llamadas» and ``ivr report`` agree.

Issue 20: at the same minute «Ahora» listed 9 calls and «Llamadas» said 2 "en curso ahora".
«Llamadas» counted a call as in progress only while nothing else described it (a caller
waiting in a queue was "transferred"), over a 30-minute window; «Ahora» every call still in
the IVR, over 6 minutes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ivr.clock import LIMA
from ivr.console.callspage import calls_page
from ivr.console.live import calls_now
from ivr.core.events import CallEvent
from ivr.observability.aggregates import sql_report
from ivr.observability.report import day_bounds, summarise
from tests.observability.conftest import MakeRecorder

NOW = datetime(2026, 11, 18, 10, 30, tzinfo=LIMA)
TODAY = NOW.date()

# sid -> (minutes before NOW, node, event, detail) steps, and Twilio's statuses
CALLS: dict[str, tuple[tuple[tuple[float, str, CallEvent, str], ...], tuple[str, ...]]] = {
    "CAmenu": (
        ((2, "principal", CallEvent.CALL_START, ""), (1, "estudiantes", CallEvent.ENTERED, "")),
        (),
    ),
    "CAwaiting": (  # a queued caller: "transferred" on «Llamadas» before
        (
            (4, "principal", CallEvent.CALL_START, ""),
            (3, "help-desk", CallEvent.TRANSFER, "helpdesk"),
            (1, "help-desk", CallEvent.QUEUE_WAIT, "position 2"),
        ),
        (),
    ),
    "CAdial": (  # put through to an extension: the call goes on
        ((3, "principal", CallEvent.CALL_START, ""), (2, "rectorado", CallEvent.TRANSFER, "dial")),
        ("in-progress",),
    ),
    "CAclosed": (  # heard the desk is closed, back at the menu: "after_hours" before
        (
            (3, "principal", CallEvent.CALL_START, ""),
            (2, "help-desk", CallEvent.AFTER_HOURS, "help-desk"),
            (1.5, "estudiantes", CallEvent.ENTERED, ""),
        ),
        (),
    ),
    "CAverified": (  # listening to the statement: "self_service" before
        (
            (3, "principal", CallEvent.CALL_START, ""),
            (2, "estado-de-cuenta", CallEvent.SELF_SERVICE_VERIFIED, "***456"),
            (1, "estado-de-cuenta", CallEvent.SELF_SERVICE_HEARD, "2"),
        ),
        (),
    ),
    # not in progress
    "CAanswered": (  # with a person now: the IVR is done with it
        (
            (5, "principal", CallEvent.CALL_START, ""),
            (4, "help-desk", CallEvent.TRANSFER, "helpdesk"),
            (1, "help-desk", CallEvent.QUEUE_ANSWERED, "helpdesk 180"),
        ),
        (),
    ),
    "CAgoodbye": (
        ((2, "principal", CallEvent.CALL_START, ""), (1, "despedida", CallEvent.HANGUP, "")),
        (),
    ),
    "CAfinished": (
        ((2, "principal", CallEvent.CALL_START, ""), (1, "estudiantes", CallEvent.ENTERED, "")),
        ("completed",),
    ),
    "CAlate": (  # Twilio's callbacks out of order: a "ringing" after "completed"
        ((2, "principal", CallEvent.CALL_START, ""), (1, "estudiantes", CallEvent.ENTERED, "")),
        ("completed", "ringing"),
    ),
    "CAsilent": (  # nothing for 7 minutes: gone, status callback or not
        ((8, "principal", CallEvent.CALL_START, ""), (7, "estudiantes", CallEvent.ENTERED, "")),
        (),
    ),
}
IN_PROGRESS = {"CAmenu", "CAwaiting", "CAdial", "CAclosed", "CAverified"}


def test_every_page_counts_the_same_calls_in_progress(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    for sid, (steps, statuses) in CALLS.items():
        for minutes, node, event, detail in steps:
            recorder.step(sid, NOW - timedelta(minutes=minutes), "Breña", node, event, detail)
        for n, status in enumerate(statuses):
            recorder.status(sid, NOW - timedelta(seconds=30 - n), status, None)
    recorder.flush()

    now_page = calls_now(recorder.engine, NOW)
    assert {call.ref for call in now_page} == {sid[-6:] for sid in IN_PROGRESS}
    assert {call.ref: call.state for call in now_page}["aiting"] == "en espera de helpdesk"
    assert calls_page(recorder.engine, TODAY, TODAY, NOW).in_progress == len(IN_PROGRESS)
    report = sql_report(recorder.engine, TODAY, TODAY, NOW)
    assert report.in_progress == len(IN_PROGRESS)
    assert summarise(recorder.calls(*day_bounds(TODAY, TODAY)), TODAY, TODAY, NOW) == report
    # once they are over, each call ends as it always did
    later = sql_report(recorder.engine, TODAY, TODAY, NOW + timedelta(hours=1))
    assert dict(later.endings) == {
        "transferred": 3,  # CAwaiting, CAdial, CAanswered
        "self_service": 1,
        "after_hours": 1,
        "flow_ended": 1,  # CAgoodbye
        "informed": 0,
        "gave_up": 4,  # CAmenu, CAfinished, CAlate, CAsilent
    }
