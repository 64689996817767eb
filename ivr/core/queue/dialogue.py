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

Pure: the web layer hands in Twilio's values and a ``QueueServices`` for this call; nothing here
reads a clock, a database or the network but through it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, assert_never

from ivr.core import flow
from ivr.core.events import CallEvent
from ivr.core.flow import CallContext, Hangup, Outcome, Say, State
from ivr.core.menu import TransferNode, spoken_name
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
    textable,
    wait_answer,
)
from ivr.core.schedule.evaluation import LineStatus

MAX_BAD_NUMBERS = 3  # wrongly keyed callback numbers before the caller just keeps waiting
ANSWERED = frozenset({"bridged", "bridging-in-process"})  # Twilio's QueueResult: put through


class Sent(StrEnum):
    """What became of a callback request or a text asked for while waiting."""

    DONE = "done"  # the request stored; the text on its way
    ALREADY = "already"  # this call asked before: nothing more done
    LIMITED = "limited"  # over a limit per number (or for all numbers): refused
    FAILED = "failed"  # not stored, or cannot be sent


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

    def request_callback(self, number: str, queue: str, campus: str) -> Sent:
        """Store a request to call ``number`` back for ``queue``, within the limits."""
        ...

    def send_sms(self, to: str, from_: str, body: str) -> Sent:
        """Send the text with the other channels once per call, within the limits, in the
        background: DONE means on its way, not yet accepted by Twilio."""
        ...


@dataclass(frozen=True, slots=True)
class Waited:
    """Twilio's figures for a queued caller (None: not sent, or not a number)."""

    position: int | None = None  # QueuePosition
    average_s: int | None = None  # AvgQueueTime
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
    texts = services.can_text and queues.sms_from is not None and textable(waited.caller)
    actions = wait_answer(desk, state, waited.position, waited.average_s, texts=texts)
    return WaitReply(
        actions, desk_node.id, CallEvent.QUEUE_WAIT, f"position {waited.position or '-'}"
    )


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
            requested = services.request_callback(str(number), desk_node.queue, campus(ctx))
            if requested is Sent.LIMITED:
                return reply(
                    (Say(_refused(ctx, CALLBACK_LIMITED)),), CallEvent.QUEUE_CALLBACK, "limited"
                )
            if requested is Sent.FAILED:
                return reply((Say(NOT_STORED),), CallEvent.QUEUE_CALLBACK, "not stored")
            services.note(left=CALLBACK, number=str(number))
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
    requested = services.request_callback(own, desk_node.queue, campus(ctx))
    if requested is Sent.LIMITED:
        channels = ctx.fill(ctx.tree.settings.texts.alternatives)
        said: tuple[Say, ...] = tuple(Say(t) for t in (CALLBACK_LIMITED, channels) if t)
        return Outcome((*said, *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "limited")
    if requested is Sent.FAILED:
        said = (Say("Lo sentimos, no pudimos registrar su pedido."),)
        return Outcome(
            (*said, *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "not stored"
        )
    texts = left_texts(
        CALLBACK,
        desk_title=spoken_name(ctx.tree, desk_node.id),
        number=own,
        next_open=None,
        hours=ctx.hours,
    )
    return Outcome(
        (*(Say(t) for t in texts), *goodbye.actions), state.node, CallEvent.QUEUE_CALLBACK, "stored"
    )
