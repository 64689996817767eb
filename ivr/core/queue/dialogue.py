"""The dialogue of a caller waiting for a desk: the wait answer, its keys, and the way out.

Twilio requests the wait URL when a caller enters a desk's queue and again each time our
answer ends (``wait``). A key goes to ``key``: a callback request (the calling number, or
another one keyed in and read back), which ends in ``Leave``: Twilio then requests the
<Enqueue> action, answered by ``result``, which says what was done and says goodbye; or an SMS
with the other channels (offered to Peruvian mobiles only), sent in the background while the
caller hears that it is on its way and goes on waiting. The caller also leaves when the desk's
line closes or after ``max_wait``; then the action offers a callback, accepted or not in
``after``.

Why a caller left travels from the wait answer to the action in the call's notes
(``QueueServices.notes``), since Twilio tells the action only ``QueueResult=leave``.

A desk answered by the service (agents, ``ivr.core.desks``) learns from the same webhooks that a
caller waits (``desk_waiting``: the place they hear counts the callbacks ahead of them) and that
the wait ended (``desk_left``); a callback requested there keeps its caller's place, or is
promised an hour of the next opening, which the caller hears. A desk without agents works as
before: those hooks note nothing, and nothing is promised.

Pure: the web layer hands in Twilio's values and a ``QueueServices`` for this call; nothing here
reads a clock, a database or the network but through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol, assert_never

from ivr.core import desks, flow
from ivr.core.desks import CallbackWindow
from ivr.core.events import CallEvent
from ivr.core.flow import KEY_ACCEPT, Ask, CallContext, Hangup, Outcome, Say, State
from ivr.core.menu import TransferNode, spoken_name
from ivr.core.queue.estimate import estimate, runs_past
from ivr.core.queue.wait import (
    CALLBACK,
    CALLBACK_LIMITED,
    CLOSING,
    INVALID_KEY,
    KEY_CALLBACK,
    KEY_CONFIRM,
    KEY_OTHER_NUMBER,
    KEY_SMS,
    LEAVE_REASONS,
    MAX_WAIT,
    NOT_STORED,
    SMS_ALREADY,
    SMS_LIMITED,
    SMS_ON_ITS_WAY,
    DeskWait,
    Leave,
    QueueSettings,
    WaitAction,
    WaitReply,
    ask_confirm,
    ask_number,
    callable_number,
    exit_reason,
    left_texts,
    offer_callback,
    parse_number,
    spoken_digits,
    textable,
    wait_answer,
)
from ivr.core.routes import Route
from ivr.core.schedule.evaluation import LineStatus

MAX_BAD_NUMBERS = 3  # wrongly keyed callback numbers before the caller just keeps waiting
ANSWERED = frozenset({"bridged", "bridging-in-process"})  # Twilio's QueueResult: put through


class Sent(StrEnum):
    """What became of a callback request or a text asked for while waiting."""

    DONE = "done"  # the request stored; the text on its way
    ALREADY = "already"  # this call asked before: nothing more done
    LIMITED = "limited"  # over a limit per number (or for all numbers): refused
    FAILED = "failed"  # not stored, or cannot be sent


@dataclass(frozen=True, slots=True)
class CallbackStored:
    """A callback request stored; ``window``: the hour promised (None: in turn, or by hand)."""

    window: CallbackWindow | None = None


class QueueServices(Protocol):
    """What the dialogue needs outside the core, for this call."""

    @property
    def can_text(self) -> bool:
        """Whether texts can be sent at all (an account to send them from)."""
        ...

    def notes(self) -> Mapping[str, Any]:
        """Return what earlier webhooks of this call noted ({} when none or unreadable)."""
        ...

    def note(self, **values: Any) -> None:
        """Note values for the later webhooks of this call (lost if they cannot be written)."""
        ...

    def request_callback(
        self, number: str, desk: TransferNode, campus: str
    ) -> CallbackStored | Sent:
        """Store a request to call ``number`` back for ``desk``, within the limits.

        A ``Sent`` when it is not stored: ``LIMITED`` (over a limit) or ``FAILED``.
        """
        ...

    def desk_waiting(self, queue: str, campus: str, queue_time_s: int, asked: str) -> int:
        """Note this caller waiting for ``queue``; return the callbacks ahead (0: no agents)."""
        ...

    def desk_left(self, queue_result: str) -> None:
        """Note this caller out of the desk's queue, however they left."""
        ...

    def answered_waits(self, queue: str) -> Sequence[int]:
        """Return the desk's answered waits of this weekday and half hour in the last weeks
        (``ivr.core.queue.estimate``; cached, not a query per call; () when unreadable)."""
        ...

    def closing_window(self, desk: TransferNode) -> CallbackWindow | None:
        """Return the hour of the desk's next opening a callback would be promised (without
        booking it); None: no agents, no callbacks, or that opening full."""
        ...

    def send_sms(self, to: str, from_: str, body: str) -> Sent:
        """Send the text with the other channels once per call, within the limits, in the
        background: DONE means on its way, not yet accepted by Twilio."""
        ...


@dataclass(frozen=True, slots=True)
class Waited:
    """Twilio's figures for a queued caller (None: not sent, or not a number)."""

    position: int | None = None  # QueuePosition
    queue_time_s: int | None = None  # QueueTime: how long this caller has waited
    caller: str = ""  # From: the SMS is offered only to a Peruvian mobile


@dataclass(frozen=True, slots=True)
class QueueExit:
    """How a caller left a desk's queue, named for the metrics, and what they hear next."""

    outcome: Outcome
    queue: str
    result: str  # answered, abandoned, redirected, failed, left_<reason>
    seconds: int | None


def desk_of(ctx: CallContext, state: State) -> TransferNode | None:
    """Return the desk this call waits for, or None when its node no longer puts through one."""
    node = ctx.tree.node(state.node)
    return node if isinstance(node, TransferNode) and node.queue else None


def campus(ctx: CallContext) -> str:
    return ctx.line.names if ctx.line else "unknown"


def _plain(title: str) -> str:
    return title.split(" (")[0]  # without the operator's note: "Aula Virtual"


def asked(ctx: CallContext, state: State, desk_node: TransferNode) -> str:
    """The menu choices that led the caller here ("Estudiantes, Help Desk"), for the whisper."""
    titles = [_plain(node.title) for n in state.trail[1:] if (node := ctx.tree.node(n))]
    return ", ".join([*titles, _plain(desk_node.title)])


def stored_texts(
    ctx: CallContext, desk_node: TransferNode, number: str, stored: CallbackStored
) -> tuple[str, ...]:
    """What a caller hears once their callback is stored: the hour promised, if one was."""
    if stored.window is not None:
        return desks.promised_texts(stored.window, number, ctx.now)
    return left_texts(
        CALLBACK,
        desk_title=spoken_name(ctx.tree, desk_node.id),
        number=number,
        next_open=None,
        hours=ctx.hours,
    )


# -- the wait URL ----------------------------------------------------------------------------
def wait(
    ctx: CallContext, queues: QueueSettings, state: State, waited: Waited, services: QueueServices
) -> WaitReply:
    """The wait answer: the caller's place, the estimate, the ways out; or out, and why."""
    desk_node = desk_of(ctx, state)
    if desk_node is None or desk_node.queue is None:  # the desk vanished in a reload
        return WaitReply((Leave(),), state.node, CallEvent.QUEUE_LEAVE, "unknown")
    desk = queues.desk(desk_node.queue)
    reason = exit_reason(desk, ctx.status(desk_node.line).open, waited.queue_time_s or 0)
    if reason is not None:
        services.note(left=reason)
        return WaitReply((Leave(),), desk_node.id, CallEvent.QUEUE_LEAVE, reason)
    ahead = services.desk_waiting(
        desk_node.queue, campus(ctx), waited.queue_time_s or 0, asked(ctx, state, desk_node)
    )
    position = waited.position + ahead if waited.position else waited.position
    texts = services.can_text and queues.sms_from is not None and textable(waited.caller)
    waits = services.answered_waits(desk_node.queue)
    told = estimate(waits)
    warning: tuple[str, ...] = ()
    offered = False
    if not waited.queue_time_s:  # entering the queue: the closing guard, before they wait
        warning, offered = closing_guard(ctx, desk_node, desk, waits, services)
    actions = wait_answer(
        desk, state, position, told, texts=texts, warning=warning, said_callback=offered
    )
    detail = f"position {position or '-'}"
    if told is not None:
        detail += f" estimate {told.code}"
    if warning:
        detail += " closing"
    return WaitReply(actions, desk_node.id, CallEvent.QUEUE_WAIT, detail)


CLOSES_FIRST = "Es probable que la central cierre antes de que un asesor pueda atenderle."


def closing_guard(
    ctx: CallContext,
    desk_node: TransferNode,
    desk: DeskWait,
    waits: Sequence[int],
    services: QueueServices,
) -> tuple[tuple[str, ...], bool]:
    """Warn a caller whose usual wait runs past the desk's closing, and offer the callback in
    the next opening (or the other channels) before they wait; () when it does not. True when
    the callback was offered (key 1)."""
    status = ctx.status(desk_node.line)
    if not status.open or not runs_past(waits, ctx.now, status.next_change):
        return (), False
    window = services.closing_window(desk_node) if desk.callback else None
    if window is not None:
        offer = (
            f"Si prefiere que le llamemos {desks.window_when(window, ctx.now)}, "
            f"marque {KEY_CALLBACK}."
        )
        return (CLOSES_FIRST, offer), True
    channels = ctx.fill(ctx.tree.settings.texts.alternatives)
    return tuple(part for part in (CLOSES_FIRST, channels) if part), False


def key(
    ctx: CallContext,
    queues: QueueSettings,
    state: State,
    digits: str,
    caller: str,
    services: QueueServices,
) -> WaitReply:
    """A key pressed while waiting (``caller``: Twilio's From): the ways out, the number."""
    desk_node = desk_of(ctx, state)
    if desk_node is None or desk_node.queue is None:
        return WaitReply((Leave(),), state.node, CallEvent.QUEUE_LEAVE, "unknown")
    desk = queues.desk(desk_node.queue)
    digits = digits.strip()

    def reply(actions: tuple[WaitAction, ...], event: CallEvent, detail: str = "") -> WaitReply:
        return WaitReply(actions, desk_node.id, event, detail)

    if state.step == "option":
        if digits == KEY_CALLBACK and desk.callback:
            own = callable_number(caller, queues.own_numbers)
            if own is None:
                return reply(ask_number(state), CallEvent.QUEUE_CALLBACK, "ask number")
            services.note(pending=own, bad=0)
            return reply(ask_confirm(own, state), CallEvent.QUEUE_CALLBACK, "confirm own")
        if digits == KEY_SMS and desk.sms and textable(caller):
            return _send_sms(ctx, queues, caller, services, reply)
        return reply((Say(INVALID_KEY),), CallEvent.QUEUE_INVALID)
    if state.step == "confirm":
        if digits == KEY_CONFIRM:
            number = services.notes().get("pending") or callable_number(caller, queues.own_numbers)
            if not number:
                return reply(ask_number(state), CallEvent.QUEUE_CALLBACK, "ask number")
            stored = services.request_callback(str(number), desk_node, campus(ctx))
            if stored is Sent.LIMITED:
                return reply(
                    (Say(_refused(ctx, CALLBACK_LIMITED)),), CallEvent.QUEUE_CALLBACK, "limited"
                )
            if not isinstance(stored, CallbackStored):
                return reply((Say(NOT_STORED),), CallEvent.QUEUE_CALLBACK, "not stored")
            window = desks.window_note(stored.window)
            services.note(left=CALLBACK, number=str(number), window=window)
            return reply((Leave(),), CallEvent.QUEUE_LEAVE, CALLBACK)
        if digits == KEY_OTHER_NUMBER:
            return reply(ask_number(state), CallEvent.QUEUE_CALLBACK, "ask number")
        return reply((Say("Sigue en espera."),), CallEvent.QUEUE_CALLBACK, "kept waiting")
    if state.step == "number":
        keyed = parse_number(digits, queues.own_numbers)
        if keyed is not None:
            services.note(pending=keyed, bad=0)
            return reply(ask_confirm(keyed, state), CallEvent.QUEUE_CALLBACK, "confirm keyed")
        bad = int(services.notes().get("bad", 0)) + 1
        services.note(bad=bad)
        if bad >= MAX_BAD_NUMBERS:
            return reply((Say(NOT_STORED),), CallEvent.QUEUE_CALLBACK, "bad number")
        return reply(ask_number(state, again=True), CallEvent.QUEUE_CALLBACK, "bad number")
    return reply((Say(INVALID_KEY),), CallEvent.QUEUE_INVALID)


def _send_sms(
    ctx: CallContext,
    queues: QueueSettings,
    to: str,
    services: QueueServices,
    reply: Callable[..., WaitReply],
) -> WaitReply:
    unsent = Say(ctx.fill(ctx.tree.settings.texts.sms_unsent))  # the channels, instead
    if not services.can_text or queues.sms_from is None:
        return reply((unsent,), CallEvent.QUEUE_SMS, "unavailable")
    match services.send_sms(to, queues.sms_from, queues.sms_text):
        case Sent.DONE:  # Twilio's answer comes later: the caller goes on waiting meanwhile
            return reply((Say(SMS_ON_ITS_WAY),), CallEvent.QUEUE_SMS, "sending")
        case Sent.ALREADY:  # pressed again, or Twilio retried this webhook
            return reply((Say(SMS_ALREADY),), CallEvent.QUEUE_SMS, "already sent")
        case Sent.LIMITED:
            return reply((Say(_refused(ctx, SMS_LIMITED)),), CallEvent.QUEUE_SMS, "limited")
        case Sent.FAILED:
            return reply((unsent,), CallEvent.QUEUE_SMS, "failed")
        case unreachable:
            assert_never(unreachable)


def _refused(ctx: CallContext, why: str) -> str:
    """Say why a request was refused, then the other channels, then that the wait goes on."""
    channels = ctx.fill(ctx.tree.settings.texts.alternatives)
    return " ".join(part for part in (why, channels, "Sigue en espera.") if part)


# -- the <Enqueue> action: the caller is out of the queue --------------------------------------
def result(
    ctx: CallContext,
    queues: QueueSettings,
    state: State,
    queue_result: str,
    seconds: int | None,
    caller: str,
    services: QueueServices,
) -> QueueExit:
    """How a caller left a desk's queue (Twilio's QueueResult), and what they hear next."""
    services.desk_left(queue_result)
    desk_node = desk_of(ctx, state)
    queue_name = desk_node.queue if desk_node and desk_node.queue else state.node or "unknown"
    shown = "-" if seconds is None else str(seconds)
    ended = (Hangup(),)
    if queue_result in ANSWERED:
        outcome = Outcome(ended, state.node, CallEvent.QUEUE_ANSWERED, f"{queue_name} {shown}")
        return QueueExit(outcome, queue_name, "answered", seconds)
    if queue_result == "hangup":
        outcome = Outcome(ended, state.node, CallEvent.QUEUE_ABANDONED, f"{queue_name} {shown}")
        return QueueExit(outcome, queue_name, "abandoned", seconds)
    if queue_result == "redirected":  # moved elsewhere by the REST API: that TwiML has the call
        outcome = Outcome(ended, state.node, CallEvent.QUEUE_REDIRECTED, f"{queue_name} {shown}")
        return QueueExit(outcome, queue_name, "redirected", seconds)
    if queue_result == "leave":
        return _left(ctx, queues, state, desk_node, queue_name, seconds, caller, services)
    failed = flow.transfer_result(ctx, state, connected=False)
    detail = f"{queue_name} {queue_result or '-'} {shown}"
    return QueueExit(
        Outcome(failed.actions, state.node, CallEvent.QUEUE_FAILED, detail),
        queue_name,
        "failed",
        seconds,
    )


def _left(
    ctx: CallContext,
    queues: QueueSettings,
    state: State,
    desk_node: TransferNode | None,
    queue_name: str,
    seconds: int | None,
    caller: str,
    services: QueueServices,
) -> QueueExit:
    notes = services.notes()
    desk = queues.desk(queue_name)
    reason = str(notes.get("left", ""))
    if reason not in LEAVE_REASONS and desk_node is not None:
        # the notes could not be written: what can still be told from here
        if not ctx.status(desk_node.line).open:
            reason = CLOSING
        elif seconds is not None and seconds >= desk.max_wait:
            reason = MAX_WAIT
    detail = f"{queue_name} {reason or 'unknown'} {'-' if seconds is None else seconds}"
    status = ctx.status(desk_node.line) if desk_node is not None else None
    texts = left_texts(
        reason,
        desk_title=spoken_name(ctx.tree, desk_node.id) if desk_node else "el área",
        number=notes.get("number"),
        next_open=status.next_change
        if isinstance(status, LineStatus) and not status.open
        else None,
        hours=ctx.hours,
    )
    promised = desks.noted_window(notes.get("window"))
    if reason == CALLBACK and promised is not None and notes.get("number"):
        texts = desks.promised_texts(promised, str(notes["number"]), ctx.now)
    said = tuple(Say(text) for text in texts) or (Say(ctx.tree.settings.texts.transfer_failed),)
    own = callable_number(caller, queues.own_numbers)
    if reason in (CLOSING, MAX_WAIT) and desk.callback and own:
        offer = offer_callback(own, State(state.node, state.trail, steps=state.steps + 1))
        outcome = Outcome((*said, offer), state.node, CallEvent.QUEUE_LEFT, detail)
    else:
        goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=state.steps + 1))
        outcome = Outcome((*said, *goodbye.actions), state.node, CallEvent.QUEUE_LEFT, detail)
    return QueueExit(outcome, queue_name, f"left_{reason or 'unknown'}", seconds)


# -- the callback offered once out of the queue ------------------------------------------------
def after(
    ctx: CallContext,
    queues: QueueSettings,
    state: State,
    digits: str,
    caller: str,
    services: QueueServices,
) -> Outcome:
    """The callback offered after the line closed or the wait was too long: 1 accepts."""
    desk_node = desk_of(ctx, state)
    own = callable_number(caller, queues.own_numbers)
    goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=state.steps + 1))
    if digits.strip() != KEY_CONFIRM or desk_node is None or desk_node.queue is None or not own:
        return Outcome(goodbye.actions, state.node, CallEvent.QUEUE_CALLBACK, "declined")
    stored = services.request_callback(own, desk_node, campus(ctx))
    if stored is Sent.LIMITED:
        channels = ctx.fill(ctx.tree.settings.texts.alternatives)
        said: tuple[Say, ...] = tuple(Say(t) for t in (CALLBACK_LIMITED, channels) if t)
        return Outcome((*said, *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "limited")
    if not isinstance(stored, CallbackStored):
        said = (Say("Lo sentimos, no pudimos registrar su pedido."),)
        return Outcome(
            (*said, *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "not stored"
        )
    texts = stored_texts(ctx, desk_node, own, stored)
    return Outcome(
        (*(Say(t) for t in texts), *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "stored"
    )


# -- the callback offered while a desk is closed (a desk with agents) ----------------------------
ASK_NUMBER = (
    "Marque el número al que debemos llamarle: un celular de nueve dígitos, o un teléfono fijo "
    "con su código de ciudad. Al final, marque la tecla numeral."
)
BAD_NUMBER = "Ese número no está completo o no es válido."
NOT_REGISTERED = "Lo sentimos, no pudimos registrar su pedido."


def closed_callback(
    ctx: CallContext,
    queues: QueueSettings,
    state: State,
    digits: str,
    caller: str,
    services: QueueServices,
) -> Outcome:
    """The callback a closed desk offers (``flow``): 1 takes it, the number is read back and
    confirmed as in the queue (1 confirms, 2 keys another); anything else goes on as closed."""
    desk_node = desk_of(ctx, state)
    if desk_node is None or desk_node.queue is None:  # the desk vanished in a reload
        return flow.enter(ctx, state.at(ctx.tree.settings.start))
    here = replace(state, steps=state.steps + 1)
    digits = digits.strip()

    def ask(prompt: str, step: str, detail: str, *said: str, keys: int = 1) -> Outcome:
        question = Ask(
            (prompt,), replace(here, step=step), route=Route.DESK_CALLBACK, digits=keys,
            speech=False,
        )  # fmt: skip
        return Outcome(
            (*(Say(t) for t in said), question), desk_node.id, CallEvent.DESK_CALLBACK, detail
        )

    def confirm(number: str, detail: str) -> Outcome:
        services.note(pending=number, bad=0)
        prompt = (
            f"Le llamaremos al {spoken_digits(number)}. Si es correcto, marque {KEY_CONFIRM}. "
            f"Para indicar otro número, marque {KEY_OTHER_NUMBER}."
        )
        return ask(prompt, "confirm", detail)

    def back(detail: str, *said: str) -> Outcome:
        target = desk_node.when_closed(ctx.tree.settings)
        nxt = flow.enter(ctx, here.at(target))
        actions = (*(Say(t) for t in said), *nxt.actions)
        return Outcome(actions, desk_node.id, CallEvent.DESK_CALLBACK, detail)

    if state.step == "offer":
        if digits != KEY_ACCEPT:
            return back("declined")
        own = callable_number(caller, queues.own_numbers)
        if own is None:
            return ask(ASK_NUMBER, "number", "ask number", keys=15)
        return confirm(own, "confirm own")
    if state.step == "confirm":
        if digits == KEY_OTHER_NUMBER:
            return ask(ASK_NUMBER, "number", "ask number", keys=15)
        number = services.notes().get("pending")
        if digits != KEY_CONFIRM or not number:
            return back("declined")
        stored = services.request_callback(str(number), desk_node, campus(ctx))
        if stored is Sent.LIMITED:
            return back("limited", CALLBACK_LIMITED)
        if not isinstance(stored, CallbackStored):
            return back("not stored", NOT_REGISTERED)
        goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=here.steps))
        texts = stored_texts(ctx, desk_node, str(number), stored)
        detail = "stored, window" if stored.window else "stored, in line"
        return Outcome(
            (*(Say(t) for t in texts), *goodbye.actions),
            desk_node.id,
            CallEvent.DESK_CALLBACK,
            detail,
        )
    if state.step == "number":
        keyed = parse_number(digits, queues.own_numbers)
        if keyed is not None:
            return confirm(keyed, "confirm keyed")
        bad = int(services.notes().get("bad", 0)) + 1
        services.note(bad=bad)
        if bad >= MAX_BAD_NUMBERS:
            return back("bad number", NOT_REGISTERED)
        return ask(ASK_NUMBER, "number", "bad number", BAD_NUMBER, keys=15)
    return back("declined")
