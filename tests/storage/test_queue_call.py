"""What a call's queue dialogue keeps: its notes and callback requests, on both databases."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from ivr.clock import LIMA
from ivr.core.menu import TransferNode
from ivr.core.queue.dialogue import CallbackStored
from ivr.storage.callbacks import CallbackStore
from ivr.storage.queue import QueueCall
from ivr.storage.sessions import SessionStore

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
HELPDESK = TransferNode("helpdesk", "Help Desk", None, "helpdesk", None, "central", None)
SID = "CA" + "1" * 32


def test_notes_add_up_and_stay_beside_the_call_session(engine: Engine) -> None:
    sessions = SessionStore(engine)
    call = QueueCall(sessions, CallbackStore(engine), None, SID, NOW)
    call.note(pending="+51999888777", bad=0)
    call.note(bad=1)
    assert call.notes() == {"pending": "+51999888777", "bad": 1}
    assert sessions.get(SID, NOW) == {}  # self-service's session is another one
    assert not call.can_text


def test_without_a_call_sid_nothing_is_noted(engine: Engine) -> None:
    call = QueueCall(SessionStore(engine), CallbackStore(engine), None, "", NOW)
    call.note(left="sms")
    assert call.notes() == {}


def test_a_callback_request_is_stored_once_per_call(engine: Engine) -> None:
    store = CallbackStore(engine)
    call = QueueCall(SessionStore(engine), store, None, SID, NOW)
    assert call.request_callback("+51999888777", HELPDESK, "Breña") == CallbackStored()
    assert call.request_callback("+51999888777", HELPDESK, "Breña") == CallbackStored()
    [stored] = store.list()
    assert (stored.number, stored.desk, stored.campus, stored.call_sid) == (
        "+51999888777",
        "helpdesk",
        "Breña",
        SID,
    )
