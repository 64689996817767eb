"""The queue dialogue in the core, through a stand-in for its services (no Flask, no database)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ivr.core.flow import Ask, Say, State
from ivr.core.menu import TransferNode
from ivr.core.queue import dialogue
from ivr.core.queue.dialogue import CallbackStored, SmsFailed, Waited
from ivr.core.queue.wait import NOT_STORED, SMS_ALREADY, DeskWait, Leave, QueueSettings, WaitReply
from ivr.core.routes import Route
from tests.core.trees import context

QUEUES = QueueSettings(defaults=DeskWait(callback=True, sms=True), sms_from="+5116044799")
CALLER = "+51999888777"
WAITING = State("helpdesk", ("principal", "estudiantes"), steps=4)


class Services:
    """Remembers what the dialogue noted, stored and sent."""

    def __init__(self, *, stores: bool = True, sms: SmsFailed | None = None) -> None:
        self.saved: dict[str, Any] = {}
        self.callbacks: list[tuple[str, str, str]] = []
        self.texts: list[tuple[str, str, str]] = []
        self.stores, self.sms = stores, sms

    @property
    def can_text(self) -> bool:
        return True

    def notes(self) -> Mapping[str, Any]:
        return dict(self.saved)

    def note(self, **values: Any) -> None:
        self.saved.update(values)

    def request_callback(
        self, number: str, desk: TransferNode, campus: str
    ) -> CallbackStored | None:
        if not self.stores:
            return None
        assert desk.queue is not None
        self.callbacks.append((number, desk.queue, campus))
        return CallbackStored()

    def desk_waiting(self, queue: str, campus: str, queue_time_s: int, asked: str) -> int:
        return 0  # a desk without agents

    def desk_left(self, queue_result: str) -> None:
        pass

    def send_sms(self, to: str, from_: str, body: str) -> SmsFailed | None:
        self.texts.append((to, from_, body))
        return self.sms


def press(services: Services, step: str, digits: str) -> WaitReply:
    state = replace(WAITING, step=step)
    return dialogue.key(context(), QUEUES, state, digits, CALLER, services)


def test_the_text_is_sent_once_however_often_the_key_is_pressed() -> None:
    services = Services()
    assert press(services, "option", "2") == WaitReply((Leave(),), "helpdesk", "queue_leave", "sms")
    again = press(services, "option", "2")
    assert again == WaitReply((Say(SMS_ALREADY),), "helpdesk", "queue_sms", "already sent")
    assert services.texts == [(CALLER, "+5116044799", QUEUES.sms_text)]


def test_a_text_twilio_refused_keeps_the_caller_waiting() -> None:
    services = Services(sms=SmsFailed(400))
    reply = press(services, "option", "2")
    assert (reply.event, reply.detail) == ("queue_sms", "failed 400")
    assert Leave() not in reply.actions
    assert "left" not in services.saved


def test_a_confirmed_callback_is_stored_and_told_after_leaving() -> None:
    services = Services()
    assert press(services, "option", "1").detail == "confirm own"
    assert press(services, "confirm", "1").actions == (Leave(),)
    assert services.callbacks == [(CALLER, "helpdesk", "Breña")]
    left = dialogue.result(context(), QUEUES, WAITING, "leave", 40, CALLER, services)
    assert (left.queue, left.result, left.seconds) == ("helpdesk", "left_callback", 40)
    said = left.outcome.actions[0]
    assert isinstance(said, Say) and said.text.startswith("Registramos su pedido.")


def test_a_callback_not_stored_says_so_and_keeps_the_caller_waiting() -> None:
    services = Services(stores=False)
    press(services, "option", "1")
    reply = press(services, "confirm", "1")
    assert reply == WaitReply((Say(NOT_STORED),), "helpdesk", "queue_callback", "not stored")
    assert "left" not in services.saved


def test_a_closing_line_takes_the_caller_out_and_offers_a_callback() -> None:
    services = Services()
    closed = context(is_open=False)
    reply = dialogue.wait(closed, QUEUES, WAITING, Waited(position=2), services)
    assert reply == WaitReply((Leave(),), "helpdesk", "queue_leave", "closing")
    left = dialogue.result(closed, QUEUES, WAITING, "leave", None, CALLER, services)
    assert left.result == "left_closing"
    offer = left.outcome.actions[-1]
    assert isinstance(offer, Ask) and offer.route is Route.QUEUE_AFTER
    accepted = dialogue.after(closed, offer.state, "1", CALLER, services)
    assert (accepted.event, accepted.detail) == ("queue_callback", "stored")
    assert services.callbacks == [(CALLER, "helpdesk", "Breña")]
