"""The call tables' store: records read back, Twilio's statuses, events it does not know."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.core.events import CallEvent
from ivr.observability.report import summarise_call
from ivr.storage.calls import CallStore, in_progress
from tests.observability.conftest import MakeRecorder

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # 10:00 in Lima


def test_an_event_this_version_does_not_know_reads_back_as_unknown(
    make_recorder: MakeRecorder,
) -> None:
    recorder = make_recorder()
    recorder.step("CA1", T0, "Comas", "principal", CallEvent.CALL_START, "")
    recorder.step(
        "CA1", T0 + timedelta(seconds=5), "Comas", "principal", "retired_event", "x"
    )  # another version wrote it
    recorder.flush()
    (call,) = CallStore(recorder.engine).calls(T0, T0 + timedelta(hours=1))
    assert [step.event for step in call.steps] == [CallEvent.CALL_START, CallEvent.UNKNOWN]
    assert call.steps[-1].event.value == "unknown"
    assert summarise_call(call).ending == "gave_up"
    assert in_progress(call, T0 + timedelta(minutes=1))


def test_a_finished_call_stays_finished_whatever_status_comes_after(
    make_recorder: MakeRecorder,
) -> None:
    recorder = make_recorder()
    recorder.step("CA1", T0, "Comas", "principal", CallEvent.CALL_START, "")
    recorder.status("CA1", T0 + timedelta(seconds=40), "completed", 38)
    recorder.status("CA1", T0 + timedelta(seconds=41), "ringing", None)
    recorder.flush()
    store = CallStore(recorder.engine)
    (call,) = store.calls(T0, T0 + timedelta(hours=1))
    assert (call.call_status, call.duration_s) == ("completed", 38)
    assert store.in_progress(T0 + timedelta(minutes=1)) == []


def test_the_calls_in_progress_come_with_their_steps_but_not_what_was_said(
    make_recorder: MakeRecorder,
) -> None:
    recorder = make_recorder()
    recorder.step("CA1", T0, "Comas", "principal", CallEvent.CALL_START, "")
    recorder.step(
        "CA1", T0 + timedelta(seconds=9), "Comas", "estudiantes", CallEvent.ENTERED, "", said="2"
    )
    recorder.flush()
    (call,) = CallStore(recorder.engine).in_progress(T0 + timedelta(minutes=1))
    assert [(s.node, s.event, s.said) for s in call.steps] == [
        ("principal", CallEvent.CALL_START, ""),
        ("estudiantes", CallEvent.ENTERED, ""),
    ]
    assert CallStore(recorder.engine).in_progress(T0 + timedelta(minutes=7)) == []
