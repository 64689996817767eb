"""The desks' wait history: the same half hour of the last four weeks, read once and cached."""

from __future__ import annotations

from datetime import datetime, timedelta

from ivr.clock import LIMA
from ivr.core.events import CallEvent
from ivr.storage.calls import CallStore
from ivr.storage.waits import WaitHistory
from tests.observability.conftest import MakeRecorder

NOW = datetime(2026, 11, 21, 13, 50, tzinfo=LIMA)  # a Saturday


def test_the_history_is_this_half_hour_of_the_last_weeks_and_is_cached(
    make_recorder: MakeRecorder,
) -> None:
    recorder = make_recorder()
    answered = [
        (NOW - timedelta(weeks=1), "helpdesk 120"),  # same half hour, a week ago
        (NOW - timedelta(weeks=4, minutes=15), "helpdesk 400"),  # 13:35, four weeks ago
        (NOW - timedelta(weeks=5), "helpdesk 999"),  # five weeks ago: out
        (NOW - timedelta(weeks=1, minutes=30), "helpdesk 888"),  # 13:20: another half hour
        (NOW - timedelta(days=1), "helpdesk 777"),  # Friday: another weekday
        (NOW - timedelta(weeks=2), "caja 60"),
        (NOW - timedelta(weeks=2), "caja -"),  # no QueueTime: no wait to count
    ]
    for n, (at, detail) in enumerate(answered):
        recorder.step(f"CA{n}", at, "Breña", "help-desk", CallEvent.QUEUE_ANSWERED, detail)
    recorder.step("CAx", NOW - timedelta(weeks=1), "Breña", "help-desk",
                  CallEvent.QUEUE_ABANDONED, "helpdesk 50")  # fmt: skip
    recorder.flush()
    history = WaitHistory(CallStore(recorder.engine))
    assert sorted(history.waits("helpdesk", NOW)) == [120, 400]
    assert history.waits("caja", NOW) == (60,)
    assert history.waits("nadie", NOW + timedelta(minutes=5)) == ()
    assert history.queries == 1  # one read for every desk and request of the half hour
    history.waits("helpdesk", NOW + timedelta(minutes=9, seconds=59))
    assert history.queries == 1
    assert history.waits("helpdesk", NOW + timedelta(minutes=10)) == ()  # 14:00: next half hour
    assert history.queries == 2
