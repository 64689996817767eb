"""The call-event vocabulary: the values the records hold, and what each event means."""

from __future__ import annotations

from ivr.core.events import (
    ENDS_CALL,
    QUEUE_RESULTS,
    TRANSFER_EVENTS,
    CallEvent,
    EventKind,
    meaning,
    parse,
)

# What call_steps.event has held since the records began: a renamed member must keep its value.
RECORDED = {
    "call_start", "entered", "invalid", "no_input", "repeat", "back", "main_menu", "not_meant",
    "ambiguous", "to_person", "menu_changed", "message", "hangup", "failed", "error",
    "after_hours", "transfer", "transfer_done", "transfer_failed", "closed_call",
    "selfservice", "selfservice_code", "selfservice_restart", "selfservice_verified",
    "selfservice_rejected", "selfservice_locked", "selfservice_failed",
    "selfservice_unavailable", "selfservice_paused", "selfservice_heard", "selfservice_done",
    "reminders_stopped",
    "unconfigured", "queue_wait", "queue_leave", "queue_callback", "queue_sms", "queue_invalid",
    "queue_answered", "queue_abandoned", "queue_left", "queue_failed", "queue_redirected",
    "desk_rung", "desk_answered", "desk_callback",
}  # fmt: skip


def test_the_values_on_the_wire() -> None:
    assert {event.value for event in CallEvent} == RECORDED | {"unknown"}
    assert all(parse(value) is CallEvent(value) for value in RECORDED)
    assert parse("queue_teleported") is CallEvent.UNKNOWN


def test_after_these_the_ivr_is_done_with_the_call() -> None:
    assert {event.value for event in ENDS_CALL} == {
        "hangup", "failed", "transfer_done", "closed_call",
        "queue_answered", "queue_abandoned", "queue_redirected",
    }  # fmt: skip


def test_a_caller_out_of_a_queue_ends_a_transfer() -> None:
    assert set(QUEUE_RESULTS) <= TRANSFER_EVENTS
    assert {event for event in CallEvent if meaning(event).kind is EventKind.CONNECTED} == {
        CallEvent.TRANSFER_DONE,
        CallEvent.QUEUE_ANSWERED,
    }
    assert meaning(CallEvent.QUEUE_WAIT).kind is EventKind.WAITING
