"""The report added up by the database equals the report added up call by call, on both dialects."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ivr.clock import LIMA
from ivr.observability.aggregates import figures, sql_report
from ivr.observability.demo import simulate_day
from ivr.observability.report import day_bounds, render, summarise
from tests.helpers import shipped_callers
from tests.observability.conftest import MakeRecorder

DAY = date(2026, 11, 18)  # a Wednesday
T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 in Lima
# 10:05 in Lima: the calls without an end still in progress (ivr.storage.calls.IN_PROGRESS_WINDOW)
NOW = datetime(2026, 11, 18, 15, 5, tzinfo=UTC)

# (node, event, detail) steps, one second apart from a call's start; the call's status, if any
HAND_MADE: dict[str, tuple[tuple[tuple[str, str, str], ...], str | None]] = {
    "CAtransfers": (
        (
            ("principal", "call_start", ""),
            ("help-desk", "transfer", "helpdesk"),
            ("help-desk", "transfer_failed", ""),
            ("aula-virtual", "transfer", "aula-virtual"),
            ("aula-virtual", "queue_answered", "aula-virtual 40"),
            ("facturacion", "transfer_failed", ""),  # its start was not recorded
            ("help-desk", "transfer", ""),  # no queue: counted as "unknown"
            ("help-desk", "transfer", "helpdesk"),  # a second start: the first stays unknown
            ("help-desk", "queue_left", "helpdesk callback 75"),
            ("principal", "transfer", "dial"),
        ),
        "completed",
    ),
    "CAqueue": (
        (
            ("principal", "call_start", ""),
            ("help-desk", "transfer", "helpdesk"),
            ("help-desk", "queue_abandoned", "helpdesk -"),
            ("help-desk", "queue_failed", "helpdesk queue-full 3"),
        ),
        "completed",
    ),
    "CAnameless": (  # a step without a node does not split a visit
        (
            ("principal", "call_start", ""),
            ("", "error", ""),
            ("principal", "invalid", ""),
            ("estudiantes", "entered", ""),
        ),
        "completed",
    ),
    "CAlocked": (
        (
            ("principal", "call_start", ""),
            ("estado-de-cuenta", "selfservice_rejected", ""),
            ("estado-de-cuenta", "selfservice_locked", ""),
            ("estado-de-cuenta", "unconfigured", ""),
        ),
        "completed",
    ),
    "CAclosed": (
        (("principal", "call_start", ""), ("help-desk", "after_hours", "help-desk")),
        "completed",
    ),
    "CAmessage": (
        (("principal", "call_start", ""), ("whatsapp", "message", "canales")),
        None,  # no status callback: in progress when recent
    ),
    "CAlistening": ((("principal", "call_start", ""), ("estudiantes", "entered", "")), "ringing"),
    "CAended": ((("principal", "call_start", ""), ("estudiantes", "entered", "")), "busy"),
}


def record_hand_made(recorder: object, start: datetime) -> None:
    from ivr.observability.calls import SqlCallRecorder

    assert isinstance(recorder, SqlCallRecorder)
    for sid, (steps, status) in HAND_MADE.items():
        for n, (node, event, detail) in enumerate(steps):
            recorder.step(sid, start + timedelta(seconds=n), "Breña", node, event, detail)
        if status is not None:
            recorder.status(sid, start + timedelta(seconds=len(steps)), status, None)
    recorder.status("CAqueue", start + timedelta(seconds=30), "completed", 42)
    recorder.flush()


@pytest.mark.parametrize(
    "now",
    [
        pytest.param(None, id="without-now"),
        pytest.param(NOW, id="calls-in-progress"),
        pytest.param(NOW + timedelta(hours=1), id="an-hour-later"),
    ],
)
def test_hand_made_calls_add_up_the_same(make_recorder: MakeRecorder, now: datetime | None) -> None:
    recorder = make_recorder()
    record_hand_made(recorder, T0)
    start, end = day_bounds(DAY, DAY)
    expected = summarise(recorder.calls(start, end), DAY, DAY, now)
    assert sql_report(recorder.engine, DAY, DAY, now) == expected
    assert expected.calls == len(HAND_MADE)
    assert expected.in_progress == (2 if now == NOW else 0)  # CAmessage and CAlistening
    assert dict(expected.endings)["gave_up"] == (2 if now == NOW else 3)
    transfers = {t.queue: (t.transfers, t.connected, t.not_connected) for t in expected.transfers}
    assert transfers == {
        "helpdesk": (3, 0, 3),
        "help-desk": (1, 0, 1),  # CAqueue's second result found no transfer open
        "aula-virtual": (1, 1, 0),
        "facturacion": (1, 0, 1),
        "unknown": (1, 0, 0),
        "dial": (1, 0, 0),
    }


def test_in_progress_calls_are_shown_apart(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    record_hand_made(recorder, T0)
    text = render(sql_report(recorder.engine, DAY, DAY, NOW))
    assert "  gave_up           2  25.0%\n  in_progress       2  25.0%\n" in text
    later = render(sql_report(recorder.engine, DAY, DAY, NOW + timedelta(hours=1)))
    assert "in_progress" not in later


def test_simulated_days_add_up_the_same(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    for offset in range(3):
        simulate_day(recorder, DAY + timedelta(days=offset), *shipped_callers(), calls=120, seed=5)
    # a call that began the day before and goes on into the range is not the range's
    recorder.step(
        "CAlate",
        datetime(2026, 11, 17, 23, 59, tzinfo=LIMA),
        "Comas",
        "principal",
        "call_start",
        "",
    )
    recorder.step(
        "CAlate", datetime(2026, 11, 18, 0, 1, tzinfo=LIMA), "Comas", "estudiantes", "entered", ""
    )
    recorder.flush()
    for first, last in (
        (DAY, DAY),
        (DAY, DAY + timedelta(days=2)),
        (DAY + timedelta(days=1), DAY + timedelta(days=1)),
    ):
        start, end = day_bounds(first, last)
        expected = summarise(recorder.calls(start, end), first, last, NOW)
        assert sql_report(recorder.engine, first, last, NOW) == expected
    assert sql_report(recorder.engine, DAY, DAY, NOW).calls == 120


def test_an_empty_range_in_sql(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    assert sql_report(recorder.engine, DAY, DAY, NOW) == summarise([], DAY, DAY)


def test_calls_per_hour_in_lima(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    for sid, lima in (
        ("CA1", datetime(2026, 11, 18, 0, 10, tzinfo=LIMA)),
        ("CA2", datetime(2026, 11, 18, 23, 59, 59, tzinfo=LIMA)),  # 04:59 UTC the next day
        ("CA3", datetime(2026, 11, 18, 23, 5, tzinfo=LIMA)),
        ("CA4", datetime(2026, 11, 19, 0, 0, tzinfo=LIMA)),  # the next Lima day
    ):
        recorder.step(sid, lima, "Comas", "principal", "call_start", "")
        recorder.step(sid, lima + timedelta(hours=2), "Comas", "estudiantes", "entered", "")
    recorder.flush()
    assert figures(recorder.engine, DAY, DAY, NOW).per_hour == (
        (datetime(2026, 11, 18, 0, 0, tzinfo=LIMA), 1),
        (datetime(2026, 11, 18, 23, 0, tzinfo=LIMA), 2),
    )
