"""The queue dialogue in the core, through a stand-in for its services (no Flask, no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from ivr.core.desks import CallbackWindow
from ivr.core.flow import Ask, CallContext, Say, State
from ivr.core.lima import LIMA
from ivr.core.menu import TransferNode
from ivr.core.queue import dialogue
from ivr.core.queue.dialogue import CallbackStored, Sent, Waited
from ivr.core.queue.wait import (
    CALLBACK_LIMITED,
    NOT_STORED,
    SMS_ALREADY,
    SMS_ON_ITS_WAY,
    DeskWait,
    Leave,
    Listen,
    QueueSettings,
    WaitReply,
)
from ivr.core.routes import Route
from tests.core.trees import NOON, Status, context

QUEUES = QueueSettings(defaults=DeskWait(callback=True, sms=True), sms_from="+5116044799")
CALLER = "+51999888777"
WAITING = State("helpdesk", ("principal", "estudiantes"), steps=4)


class Services:
    """Remembers what the dialogue noted, stored and sent."""

    def __init__(self, *, stores: Sent = Sent.DONE, sms: Sent = Sent.DONE) -> None:
        self.saved: dict[str, Any] = {}
        self.callbacks: list[tuple[str, str, str]] = []
        self.texts: list[tuple[str, str, str]] = []
        self.stores, self.sms = stores, sms
        self.waits: Sequence[int] = ()  # the desk's answered waits (ivr.core.queue.estimate)
        self.window: CallbackWindow | None = None  # the next opening's callback hour

    @property
    def can_text(self) -> bool:
        return True

    def notes(self) -> Mapping[str, Any]:
        return dict(self.saved)

    def note(self, **values: Any) -> None:
        self.saved.update(values)

    def request_callback(
        self, number: str, desk: TransferNode, campus: str
    ) -> CallbackStored | Sent:
        if self.stores is not Sent.DONE:
            return self.stores
        assert desk.queue is not None
        self.callbacks.append((number, desk.queue, campus))
        return CallbackStored()

    def desk_waiting(self, queue: str, campus: str, queue_time_s: int, asked: str) -> int:
        return 0  # a desk without agents

    def desk_left(self, queue_result: str) -> None:
        pass

    def answered_waits(self, queue: str) -> Sequence[int]:
        return self.waits

    def closing_window(self, desk: TransferNode) -> CallbackWindow | None:
        return self.window

    def send_sms(self, to: str, from_: str, body: str) -> Sent:
        if self.texts and self.sms is Sent.DONE:
            return Sent.ALREADY
        self.texts.append((to, from_, body))
        return self.sms


CHANNELS = "Puede escribirnos por WhatsApp."


def with_channels() -> CallContext:
    """Return the test context whose settings name the other channels (texts.alternatives)."""
    ctx = context()
    settings = ctx.tree.settings
    texts = replace(settings.texts, alternatives=CHANNELS)
    return replace(ctx, tree=replace(ctx.tree, settings=replace(settings, texts=texts)))


def press(
    services: Services, step: str, digits: str, caller: str = CALLER, queues: QueueSettings = QUEUES
) -> WaitReply:
    state = replace(WAITING, step=step)
    return dialogue.key(with_channels(), queues, state, digits, caller, services)


def said(reply: WaitReply) -> list[str]:
    """Return what the caller hears, in order (inside a <Gather> or not)."""
    spoken: list[str] = []
    for action in reply.actions:
        inner = action.content if isinstance(action, Listen) else (action,)
        spoken.extend(a.text for a in inner if isinstance(a, Say))
    return spoken


def test_the_text_is_on_its_way_and_the_caller_goes_on_waiting() -> None:
    services = Services()
    sending = press(services, "option", "2")
    assert sending == WaitReply((Say(SMS_ON_ITS_WAY),), "helpdesk", "queue_sms", "sending")
    assert SMS_ON_ITS_WAY.endswith("Sigue en espera.")
    again = press(services, "option", "2")
    assert again == WaitReply((Say(SMS_ALREADY),), "helpdesk", "queue_sms", "already sent")
    assert services.texts == [(CALLER, "+5116044799", QUEUES.sms_text)]
    assert "left" not in services.saved


def test_a_text_that_cannot_be_sent_keeps_the_caller_waiting() -> None:
    services = Services(sms=Sent.FAILED)
    reply = press(services, "option", "2")
    assert (reply.event, reply.detail) == ("queue_sms", "failed")
    assert Leave() not in reply.actions
    assert "left" not in services.saved


def test_a_text_over_its_limit_is_refused_politely_with_the_other_channels() -> None:
    reply = press(Services(sms=Sent.LIMITED), "option", "2")
    assert (reply.event, reply.detail) == ("queue_sms", "limited")
    assert said(reply) == [
        "Lo sentimos, por ahora no podemos enviarle más mensajes de texto a este número. "
        f"{CHANNELS} Sigue en espera."
    ]


def test_a_callback_over_its_limit_is_refused_politely_with_the_other_channels() -> None:
    services = Services(stores=Sent.LIMITED)
    press(services, "option", "1")
    reply = press(services, "confirm", "1")
    assert (reply.event, reply.detail) == ("queue_callback", "limited")
    assert said(reply) == [f"{CALLBACK_LIMITED} {CHANNELS} Sigue en espera."]
    assert Leave() not in reply.actions and "left" not in services.saved


@pytest.mark.parametrize(
    "caller",
    [
        "+5116044700",  # a Lima landline
        "+5144606200",  # a provincial landline
        "+51808123456",  # special rate
        "+14155550100",  # international
        "anonymous",
    ],
)
def test_the_text_is_offered_and_sent_only_to_a_peruvian_mobile(caller: str) -> None:
    services = Services()
    waiting = dialogue.wait(context(), QUEUES, WAITING, Waited(position=2, caller=caller), services)
    [listen] = waiting.actions
    assert isinstance(listen, Listen)
    spoken = " ".join(a.text for a in listen.content if isinstance(a, Say))
    assert "mensaje de texto" not in spoken
    assert "marque 1" in spoken  # the callback is still offered
    assert said(press(services, "option", "2", caller)) == [
        "Esa opción no es válida. Sigue en espera."
    ]
    assert services.texts == []
    mobile = dialogue.wait(context(), QUEUES, WAITING, Waited(position=2, caller=CALLER), services)
    assert "mensaje de texto" in str(mobile.actions)


@pytest.mark.parametrize(
    "keyed",
    [
        "016044700",  # a campus central of the shipped files' kind: the university's own
        "080012345",  # toll-free
        "080812345",  # premium rate
        "0801123456",  # shared cost
        "105",  # short
        "0014155550100",  # international
        "010000000",  # Lima with no subscriber's number (+5110000000)
    ],
)
def test_special_short_international_and_own_numbers_are_not_called_back(keyed: str) -> None:
    queues = replace(QUEUES, own_numbers=frozenset({"+5116044700"}))
    services = Services()
    reply = press(services, "number", keyed, queues=queues)
    assert reply.detail == "bad number"
    assert said(reply)[0] == "Ese número no está completo o no es válido."
    assert services.callbacks == []


def test_the_universitys_own_number_calling_is_asked_for_another_one() -> None:
    queues = replace(QUEUES, own_numbers=frozenset({"+5116044700"}))
    reply = press(Services(), "option", "1", "+5116044700", queues)
    assert reply.detail == "ask number"


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
    services = Services(stores=Sent.FAILED)
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
    accepted = dialogue.after(closed, QUEUES, offer.state, "1", CALLER, services)
    assert (accepted.event, accepted.detail) == ("queue_callback", "stored")
    assert services.callbacks == [(CALLER, "helpdesk", "Breña")]


# -- the wait told from history, and the closing guard (issue 20) ------------------------------
def closing_at(minutes: int) -> CallContext:
    """The context of a call at noon whose desk's line closes ``minutes`` later."""
    closes = NOON + timedelta(minutes=minutes)
    return replace(with_channels(), status=lambda _line: Status(True, next_change=closes))


def spoken(reply: WaitReply) -> str:
    return " ".join(said(reply))


def test_the_wait_is_said_as_a_range_from_history_and_recorded() -> None:
    services = Services()
    services.waits = [200] * 25
    reply = dialogue.wait(context(), QUEUES, WAITING, Waited(position=3, caller=CALLER), services)
    assert spoken(reply).startswith(
        "Usted es la tercera persona en espera. "
        "El tiempo de espera estimado es de menos de cinco minutos."
    )
    assert reply.detail == "position 3 estimate lt5"
    services.waits = [200] * 19  # too thin: only the place
    thin = dialogue.wait(context(), QUEUES, WAITING, Waited(position=3, caller=CALLER), services)
    assert "estimado" not in spoken(thin)
    assert thin.detail == "position 3"


def test_a_wait_past_closing_is_told_and_the_next_opening_offered_on_entering() -> None:
    services = Services()
    services.waits = [700] * 25  # usually answered after 11 min 40 s; the desk closes in 10
    services.window = CallbackWindow(
        datetime(2026, 12, 3, 9, 0, tzinfo=LIMA), datetime(2026, 12, 3, 10, 0, tzinfo=LIMA)
    )
    entering = Waited(position=6, queue_time_s=0, caller=CALLER)
    reply = dialogue.wait(closing_at(10), QUEUES, WAITING, entering, services)
    assert spoken(reply) == (
        "Usted es la sexta persona en espera. "
        "El tiempo de espera estimado es de más de diez minutos. "
        "Es probable que la central cierre antes de que un asesor pueda atenderle. "
        "Si prefiere que le llamemos el jueves 3 de diciembre entre las 9 y las 10 de la mañana, "
        "marque 1. Si prefiere recibir por "
        "mensaje de texto nuestro WhatsApp y el enlace para registrar un ticket, marque 2."
    )
    assert reply.detail == "position 6 estimate gt10 closing"
    # without a window (no agents, or the opening full): the other channels
    services.window = None
    channels = dialogue.wait(closing_at(10), QUEUES, WAITING, entering, services)
    assert f"atenderle. {CHANNELS} Si prefiere que le devolvamos la llamada" in spoken(channels)
    # said on entering only, and only when the usual wait runs past closing
    later = Waited(position=6, queue_time_s=45, caller=CALLER)
    assert "cierre" not in spoken(dialogue.wait(closing_at(10), QUEUES, WAITING, later, services))
    assert "cierre" not in spoken(
        dialogue.wait(closing_at(20), QUEUES, WAITING, entering, services)
    )
