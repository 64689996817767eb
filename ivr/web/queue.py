"""Callers waiting for a desk: the wait URL of every <Enqueue>, its keys, and the way out.

Twilio requests ``/voice/wait/<node>`` when a caller enters a desk's queue and again each time
our answer ends; the answer (``ivr.core.queue``) says where the caller stands and offers the ways
out. A key goes to ``/voice/wait/<node>/key``: a callback request (the calling number, or
another one keyed in and read back) or an SMS with the other channels. Either ends in
``<Leave/>``: Twilio then requests the <Enqueue> action (``/voice/transfer/<node>``), which says
what was done and says goodbye. The same happens when the desk's line closes or the caller has
waited ``max_wait``; then the action offers a callback.

Why a caller left travels from the wait answer to the action in the call's session (keyed by
CallSid, in the shared database), since Twilio tells the action only ``QueueResult=leave``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g

from ivr import twiml
from ivr.core import flow
from ivr.core import queue as waiting
from ivr.core.flow import CallContext, Hangup, Outcome, Say, State
from ivr.core.menu import TransferNode
from ivr.core.queue import Leave, WaitAction
from ivr.core.schedule import evaluation
from ivr.observability import metrics
from ivr.runtime import Runtime, current_runtime
from ivr.storage.callbacks import mask_number
from ivr.storage.database import STORE_ERRORS
from ivr.web import agents
from ivr.web.sms import SmsError
from ivr.web.voice import TWIML, _answer, _param, _state, _url_for, context

log = logging.getLogger("ivr.queue")
blueprint = Blueprint("queue", __name__)

# QueueResult -> how the report and the metrics name it
ANSWERED = {"bridged", "bridging-in-process"}
FAILED = {"error", "system-error", "queue-full"}
MAX_BAD_NUMBERS = 3  # wrongly keyed callback numbers before the caller just keeps waiting


def _seconds(name: str) -> int | None:
    raw = _param(name)
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


def _desk(ctx: CallContext, state: State) -> TransferNode | None:
    node = ctx.tree.node(state.node)
    return node if isinstance(node, TransferNode) and node.queue else None


def _call(node: str) -> tuple[Runtime, datetime, CallContext, State, TransferNode | None]:
    """Return what every queue webhook starts from: runtime, now, context, state, its desk."""
    rt = current_runtime()
    now = rt.clock()
    ctx = context(rt, now)
    state = _state(node)
    return rt, now, ctx, state, _desk(ctx, state)


def _campus(ctx: CallContext) -> str:
    return ctx.line.names if ctx.line else "unknown"


# -- what the wait answer leaves for the <Enqueue> action -------------------------------------
def _notes_key(sid: str) -> str:
    return f"{sid}:queue"  # beside, not inside, the call's self-service session


def _notes(rt: Runtime, now: datetime) -> dict[str, Any]:
    sid = g.get("call_sid", "")
    if not sid:
        return {}
    try:
        return rt.sessions.get(_notes_key(sid), now)
    except STORE_ERRORS:
        log.exception("cannot read the queue notes of this call")
        return {}


def _note(rt: Runtime, now: datetime, **values: Any) -> bool:
    sid = g.get("call_sid", "")
    if not sid:
        return False
    try:
        notes = rt.sessions.get(_notes_key(sid), now)
        rt.sessions.put(_notes_key(sid), {**notes, **values}, now)
    except STORE_ERRORS:
        log.exception("cannot write the queue notes of this call")
        return False
    return True


def _wait_answer(
    actions: tuple[WaitAction, ...], ctx: CallContext, node: str, event: str, detail: str = ""
) -> Response:
    rt = current_runtime()
    sid = g.get("call_sid", "")
    if sid:
        rt.calls.step(sid, rt.clock(), _campus(ctx), node, event, detail)
    metrics.count_event(event)
    body = twiml.render_wait(actions, ctx.tree.settings.voice, _url_for)
    response = Response(body, 200, mimetype=TWIML)
    if sid:
        response.headers["X-Call-Sid"] = sid
    return response


# -- the wait URL ----------------------------------------------------------------------------
@blueprint.route("/voice/wait/<node>", methods=["GET", "POST"])
def wait(node: str) -> Response:
    """Twilio's waitUrl: the caller's place, the estimate, the ways out, then hold audio."""
    rt, now, ctx, state, desk_node = _call(node)
    if desk_node is None or desk_node.queue is None:  # the desk vanished in a reload
        return _wait_answer((Leave(),), ctx, state.node, "queue_leave", "unknown")
    desk = rt.config.queues.desk(desk_node.queue)
    reason = waiting.exit_reason(desk, ctx.status(desk_node.line).open, _seconds("QueueTime") or 0)
    if reason is not None:
        _note(rt, now, left=reason)
        return _wait_answer((Leave(),), ctx, desk_node.id, "queue_leave", reason)
    position = _seconds("QueuePosition")
    ahead = agents.note_waiting(rt, ctx, state, desk_node, _seconds("QueueTime") or 0)
    position = position + ahead if position else position  # callbacks keep their place
    actions = waiting.wait_answer(desk, state, position, _seconds("AvgQueueTime"))
    return _wait_answer(actions, ctx, desk_node.id, "queue_wait", f"position {position or '-'}")


@blueprint.route("/voice/wait/<node>/key", methods=["GET", "POST"])
def wait_key(node: str) -> Response:
    """A key pressed while waiting: the ways out, and the callback number's dialogue."""
    rt, now, ctx, state, desk_node = _call(node)
    if desk_node is None or desk_node.queue is None:
        return _wait_answer((Leave(),), ctx, state.node, "queue_leave", "unknown")
    desk = rt.config.queues.desk(desk_node.queue)
    digits = _param("Digits").strip()
    here = desk_node.id

    def answer(actions: tuple[WaitAction, ...], event: str, detail: str = "") -> Response:
        return _wait_answer(actions, ctx, here, event, detail)

    if state.step == "option":
        if digits == waiting.KEY_CALLBACK and desk.callback:
            own = waiting.callable_number(_param("From"))
            if own is None:
                return answer(waiting.ask_number(state), "queue_callback", "ask number")
            _note(rt, now, pending=own, bad=0)
            return answer(waiting.ask_confirm(own, state), "queue_callback", "confirm own")
        if digits == waiting.KEY_SMS and desk.sms:
            return _send_sms(rt, ctx, desk_node, now, answer)
        return answer((Say(waiting.INVALID_KEY),), "queue_invalid")
    if state.step == "confirm":
        if digits == waiting.KEY_CONFIRM:
            number = _notes(rt, now).get("pending") or waiting.callable_number(_param("From"))
            if not number:
                return answer(waiting.ask_number(state), "queue_callback", "ask number")
            return _store_callback(rt, ctx, desk_node, now, str(number), answer)
        if digits == waiting.KEY_OTHER_NUMBER:
            return answer(waiting.ask_number(state), "queue_callback", "ask number")
        return answer((Say("Sigue en espera."),), "queue_callback", "kept waiting")
    if state.step == "number":
        number = waiting.parse_number(digits)
        if number is not None:
            _note(rt, now, pending=number, bad=0)
            return answer(waiting.ask_confirm(number, state), "queue_callback", "confirm keyed")
        bad = int(_notes(rt, now).get("bad", 0)) + 1
        _note(rt, now, bad=bad)
        if bad >= MAX_BAD_NUMBERS:
            return answer((Say(waiting.NOT_STORED),), "queue_callback", "bad number")
        return answer(waiting.ask_number(state, again=True), "queue_callback", "bad number")
    return answer((Say(waiting.INVALID_KEY),), "queue_invalid")


def _store_callback(
    rt: Runtime, ctx: CallContext, desk_node: TransferNode, now: datetime, number: str, answer: Any
) -> Response:
    assert desk_node.queue is not None
    sid = g.get("call_sid", "")
    try:
        stored = rt.callbacks.request(sid, number, desk_node.queue, _campus(ctx), now)
    except STORE_ERRORS:
        log.exception("cannot store a callback request")
        result: Response = answer((Say(waiting.NOT_STORED),), "queue_callback", "not stored")
        return result
    log.info("callback requested for %s, desk %s", mask_number(number), desk_node.queue)
    window = agents.note_callback(rt, ctx, desk_node, stored.id)  # a desk with agents
    _note(rt, now, left=waiting.CALLBACK, number=number, window=agents.window_note(window))
    result = answer((Leave(),), "queue_leave", waiting.CALLBACK)
    return result


def _send_sms(
    rt: Runtime, ctx: CallContext, desk_node: TransferNode, now: datetime, answer: Any
) -> Response:
    settings = rt.config.queues
    sender = rt.sms
    to = _param("From")
    notes = _notes(rt, now)
    result: Response
    if notes.get("sms") == "sent":  # pressed again, or Twilio retried this webhook
        result = answer((Say(waiting.SMS_ALREADY),), "queue_sms", "already sent")
        return result
    if sender is None or settings.sms_from is None or not waiting.E164_PERU.match(to):
        result = answer((Say(waiting.SMS_FAILED),), "queue_sms", "unavailable")
        return result
    try:
        sender.send(to, settings.sms_from, settings.sms_text)
    except SmsError as error:
        log.warning("SMS to %s not sent: %s (status %s)", mask_number(to), error, error.status)
        result = answer((Say(waiting.SMS_FAILED),), "queue_sms", f"failed {error.status or '-'}")
        return result
    log.info("SMS with the channels sent to %s", mask_number(to))
    _note(rt, now, sms="sent", left=waiting.SMS)
    result = answer((Leave(),), "queue_leave", waiting.SMS)
    return result


# -- the <Enqueue> action: the caller is out of the queue --------------------------------------
def queue_result(node: str) -> Response:
    """Record how a caller left a desk's queue, and answer what they hear next (if anything)."""
    rt, now, ctx, state, desk_node = _call(node)
    queue_name = desk_node.queue if desk_node and desk_node.queue else state.node or "unknown"
    result = _param("QueueResult")[:32]
    agents.note_left(rt, result)  # a desk with agents: this caller waits no more
    seconds = _seconds("QueueTime")
    shown = "-" if seconds is None else str(seconds)
    if result in ANSWERED:
        metrics.observe_queue(queue_name, "answered", seconds)
        outcome = Outcome((Hangup(),), state.node, "queue_answered", f"{queue_name} {shown}")
    elif result == "hangup":
        metrics.observe_queue(queue_name, "abandoned", seconds)
        outcome = Outcome((Hangup(),), state.node, "queue_abandoned", f"{queue_name} {shown}")
    elif result == "redirected":  # moved elsewhere by the REST API: that TwiML has the call now
        metrics.observe_queue(queue_name, "redirected", seconds)
        outcome = Outcome((Hangup(),), state.node, "queue_redirected", f"{queue_name} {shown}")
    elif result == "leave":
        outcome = _left(rt, ctx, state, desk_node, queue_name, seconds, now)
    else:
        metrics.observe_queue(queue_name, "failed", seconds)
        failed = flow.transfer_result(ctx, state, connected=False)
        outcome = Outcome(
            failed.actions, state.node, "queue_failed", f"{queue_name} {result or '-'} {shown}"
        )
    return _answer(outcome, ctx, cache=False)


def _left(
    rt: Runtime,
    ctx: CallContext,
    state: State,
    desk_node: TransferNode | None,
    queue_name: str,
    seconds: int | None,
    now: datetime,
) -> Outcome:
    notes = _notes(rt, now)
    desk = rt.config.queues.desk(queue_name)
    reason = str(notes.get("left", ""))
    if reason not in waiting.LEAVE_REASONS and desk_node is not None:
        # the notes could not be written: what can still be told from here
        if not ctx.status(desk_node.line).open:
            reason = waiting.CLOSING
        elif seconds is not None and seconds >= desk.max_wait:
            reason = waiting.MAX_WAIT
    metrics.observe_queue(queue_name, f"left_{reason or 'unknown'}", seconds)
    detail = f"{queue_name} {reason or 'unknown'} {'-' if seconds is None else seconds}"
    status = ctx.status(desk_node.line) if desk_node is not None else None
    texts = waiting.left_texts(
        reason,
        desk_title=desk_node.title if desk_node else "el área",
        number=notes.get("number"),
        next_open=status.next_change
        if isinstance(status, evaluation.LineStatus) and not status.open
        else None,
        hours=ctx.hours,
    )
    promised = agents.noted_window(notes.get("window"))
    if reason == waiting.CALLBACK and promised and notes.get("number"):
        texts = agents.promised_texts(promised, str(notes["number"]), now)
    said = tuple(Say(text) for text in texts) or (Say(ctx.tree.settings.texts.transfer_failed),)
    own = waiting.callable_number(_param("From"))
    if reason in (waiting.CLOSING, waiting.MAX_WAIT) and desk.callback and own:
        offer = waiting.offer_callback(own, State(state.node, state.trail, steps=state.steps + 1))
        return Outcome((*said, offer), state.node, "queue_left", detail)
    goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=state.steps + 1))
    return Outcome((*said, *goodbye.actions), state.node, "queue_left", detail)


@blueprint.route("/voice/queue/<node>/after", methods=["GET", "POST"])
def after(node: str) -> Response:
    """The callback offered after the line closed or the wait was too long: 1 accepts."""
    rt, now, ctx, state, desk_node = _call(node)
    own = waiting.callable_number(_param("From"))
    goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=state.steps + 1))
    if _param("Digits").strip() != waiting.KEY_CONFIRM or desk_node is None or own is None:
        return _answer(replace_event(goodbye, state.node, "queue_callback", "declined"), ctx)
    assert desk_node.queue is not None
    try:
        stored = rt.callbacks.request(
            g.get("call_sid", ""), own, desk_node.queue, _campus(ctx), now
        )
    except STORE_ERRORS:
        log.exception("cannot store a callback request")
        said: tuple[Say, ...] = (Say("Lo sentimos, no pudimos registrar su pedido."),)
        outcome = Outcome((*said, *goodbye.actions), state.node, "queue_callback", "not stored")
        return _answer(outcome, ctx, cache=False)
    log.info("callback requested for %s, desk %s", mask_number(own), desk_node.queue)
    texts = waiting.left_texts(
        waiting.CALLBACK, desk_title=desk_node.title, number=own, next_open=None, hours=ctx.hours
    )
    window = agents.note_callback(rt, ctx, desk_node, stored.id)  # a desk with agents
    if window is not None:
        texts = agents.promised_texts(window, own, now)
    outcome = Outcome(
        (*(Say(t) for t in texts), *goodbye.actions), state.node, "queue_callback", "stored"
    )
    return _answer(outcome, ctx, cache=False)


def replace_event(outcome: Outcome, node: str, event: str, detail: str) -> Outcome:
    return Outcome(outcome.actions, node, event, detail)
