"""Desks answered by the service: the agent's webhooks, and what the queue webhooks tell it.

The dispatcher (``ivr.desks_dispatch``) rings an agent with Twilio's REST API; Twilio then
requests, on the agent's leg:

- ``/voice/agent/<name>/answer?ring=N`` when the agent picks up: the whisper (who is next, or
  which callback), then ``<Dial><Queue>DESK</Queue></Dial>``, or a <Gather> for key 1 that
  dials the student (``/voice/agent/<name>/callback/<id>``, then its result);
- ``/voice/agent/<name>/status?ring=N`` with the leg's progress: not answered (no-answer, busy,
  failed) sets the agent away and rings the next; completed starts the wrap-up;

and on the caller's leg, just before the bridge, ``/voice/agent/<name>/bridged`` (the
<Queue> noun's url): who was answered, by whom. Every one is a signed /voice webhook (the
signature check of ``ivr.web.voice`` covers them). ``ring`` names the ring: a webhook of an
older ring of the same agent changes nothing.

The queue webhooks (``ivr.web.queue``) call ``note_waiting``, ``note_left`` and
``note_callback``; for a desk without agents each is a no-op and the desk works as before.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import Blueprint, Response, g, url_for

from ivr import desks_dispatch
from ivr.core import desks
from ivr.core.desks import AgentState, CallbackWindow, Kind
from ivr.core.flow import CallContext, State
from ivr.core.menu import TransferNode, Voice
from ivr.core.queue import spoken_digits
from ivr.core.schedule import evaluation
from ivr.runtime import Runtime, current_runtime
from ivr.storage.database import STORE_ERRORS, describe
from ivr.twiml import desks as agent_twiml
from ivr.web.voice import TWIML, _args, _param

log = logging.getLogger("ivr.desks")
blueprint = Blueprint("agents", __name__)

NOT_ANSWERED = {"no-answer", "busy", "failed", "canceled"}
REACHED = {"completed", "answered"}
# Seconds an agent is assumed to take per caller ahead (and for the callback itself), to judge
# whether a callback is placed before the desk closes; a later one is promised the next opening.
HANDLE_S = 300


# -- what the queue webhooks tell the desks -------------------------------------------------------
def _staffed(rt: Runtime, desk: str) -> bool:
    try:
        return desk in rt.desks.staffed_desks()
    except STORE_ERRORS as error:
        log.error("desks: cannot read the agents (%s)", describe(error))
        return False


def _title(node: TransferNode) -> str:
    return node.title.split(" (")[0]  # without the operator's note: "Aula Virtual"


def _asked(ctx: CallContext, state: State, desk_node: TransferNode) -> str:
    """The menu choices that led the caller here ("Estudiantes, Help Desk"), for the whisper."""
    titles = []
    for node_id in state.trail[1:]:
        node = ctx.tree.node(node_id)
        if node is not None:
            titles.append(node.title.split(" (")[0])
    return ", ".join([*titles, _title(desk_node)])


def note_waiting(
    rt: Runtime, ctx: CallContext, state: State, desk_node: TransferNode, queue_time: int
) -> int:
    """Note a caller waiting for a staffed desk (and nudge the dispatcher when new); return
    how many callbacks are ahead of them, which their announced place counts."""
    sid = g.get("call_sid", "")
    desk = desk_node.queue
    if not sid or desk is None or not _staffed(rt, desk):
        return 0
    now = rt.now()
    try:
        session = rt.sessions.get(sid, now)
        new = rt.desks.caller_waits(
            sid,
            desk,
            campus=ctx.line.names if ctx.line else "unknown",
            central=ctx.line.number if ctx.line else "",
            entered_at=now - timedelta(seconds=queue_time),
            verified="code" in session,
            asked=_asked(ctx, state, desk_node),
        )
        waiting = rt.desks.waiting(sid)
        ahead = desks.callbacks_ahead(waiting.entered_at, rt.desks.line(desk)) if waiting else 0
    except STORE_ERRORS as error:
        log.error("desks: cannot note a waiting caller (%s)", describe(error))
        return 0
    if new:
        desks_dispatch.nudge(rt)
    return ahead


def note_left(rt: Runtime, result: str) -> None:
    """Note that a caller left a desk's queue (the <Enqueue> action), however they left."""
    sid = g.get("call_sid", "")
    if not sid:
        return
    try:
        rt.desks.caller_left(sid, result, rt.now())
    except STORE_ERRORS as error:
        log.error("desks: cannot note a caller leaving (%s)", describe(error))


def note_callback(
    rt: Runtime, ctx: CallContext, desk_node: TransferNode, callback_id: int
) -> CallbackWindow | None:
    """Give a callback its caller's place in line, or a promised window when it would not be
    placed before the desk closes; return the window promised (None: placed in line)."""
    sid = g.get("call_sid", "")
    desk = desk_node.queue
    if desk is None or not _staffed(rt, desk):
        return None
    now = rt.now()
    central = ctx.line.number if ctx.line else ""
    try:
        waiting = rt.desks.waiting(sid) if sid else None
        entered = waiting.entered_at if waiting else now
        override = rt.override_store.get(now)
        schedules = rt.config.schedules
        line_status = evaluation.status(schedules, now, line=desk_node.line, override=override)
        ahead = desks.position(entered, rt.desks.line(desk)) - 1
        closes = line_status.next_change if line_status.open else None
        in_time = line_status.open and (
            closes is None or now + timedelta(seconds=HANDLE_S * (ahead + 1)) < closes
        )
        if in_time:
            rt.desks.keep_place(callback_id, entered_at=entered, central=central)
            desks_dispatch.nudge(rt)
            return None
        windows = evaluation.windows(
            schedules, now, evaluation.HORIZON.days, line=desk_node.line, override=override
        )
        capacity = rt.config.queues.desk(desk).window_capacity
        slot = rt.desks.promise(
            callback_id,
            desk,
            desks.slots(windows, now),
            capacity,
            entered_at=entered,
            central=central,
        )
    except STORE_ERRORS as error:
        log.error("desks: cannot place a callback in line (%s)", describe(error))
        return None
    if slot is None:  # the next opening is full: in line, placed when an agent is free
        rt.desks.keep_place(callback_id, entered_at=entered, central=central)
    return slot


def promised_texts(window: CallbackWindow, number: str, now: datetime) -> tuple[str, ...]:
    """What the caller hears when their callback was promised a window."""
    when = desks.window_text(window, now).removesuffix(".")
    return ("Registramos su pedido.", f"{when}, al {spoken_digits(number)}.")


def window_note(window: CallbackWindow | None) -> list[str] | None:
    """The promised window as the call's queue notes keep it (JSON), or None."""
    return [window.start.isoformat(), window.end.isoformat()] if window else None


def noted_window(note: object) -> CallbackWindow | None:
    """Read back ``window_note``."""
    if not isinstance(note, list) or len(note) != 2:
        return None
    try:
        return CallbackWindow(datetime.fromisoformat(note[0]), datetime.fromisoformat(note[1]))
    except (TypeError, ValueError):
        return None


# -- the agent's leg -------------------------------------------------------------------------------
def _ring() -> int:
    raw = _args().get("ring", "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else -1


def _twiml(body: str) -> Response:
    response = Response(body, 200, mimetype=TWIML)
    sid = g.get("call_sid", "")
    if sid:
        response.headers["X-Call-Sid"] = sid
    return response


def _voice(rt: Runtime) -> Voice:
    return rt.config.menus.settings.voice


def _desk_title(rt: Runtime, desk: str) -> str:
    for node in rt.config.menus.nodes.values():
        if isinstance(node, TransferNode) and node.queue == desk:
            return _title(node)
    return desk


def _urls(name: str, ring: int, what: str, callback: int | None = None) -> str:
    if callback is None:
        return url_for(f"agents.{what}", name=name, ring=ring)
    return url_for(f"agents.{what}", name=name, ring=ring, callback=callback)


@blueprint.route("/voice/agent/<name>/answer", methods=["POST"])
def answer(name: str) -> Response:
    """The agent picked up: whisper who is next, then bridge (or offer the callback)."""
    rt = current_runtime()
    now = rt.now()
    ring = _ring()
    voice = _voice(rt)
    agent = rt.desks.answered(name, ring, now)
    if agent is None or agent.offer_desk is None:
        return _twiml(agent_twiml.goodbye(desks.NOBODY_WAITS, voice))
    desk = agent.offer_desk
    title = _desk_title(rt, desk)
    if agent.offer_kind == Kind.CALLBACK and agent.offer_ref:
        placed = rt.desks.placed(int(agent.offer_ref))
        if placed is None:
            rt.desks.call_ended(name, ring, now, 0)
            return _twiml(agent_twiml.goodbye(desks.NOBODY_WAITS, voice))
        whisper = desks.callback_whisper(
            title, (now - placed.requested_at).total_seconds(), placed.number
        )
        log.info("agent %s answered: callback %d, desk %s", name, placed.id, desk)
        key = _urls(name, ring, "callback_key", callback=placed.id)
        return _twiml(agent_twiml.offer_callback(whisper, voice, key, desks.NO_KEY))
    head = rt.desks.head(desk)
    if head is None:  # the caller hung up while the agent's phone rang: no wrap-up
        rt.desks.call_ended(name, ring, now, 0)
        rt.desks.end_wrap_ups(now)
        desks_dispatch.nudge(rt)
        return _twiml(agent_twiml.goodbye(desks.NOBODY_WAITS, voice))
    whisper = desks.caller_whisper(
        title, (now - head.entered_at).total_seconds(), head.verified, head.asked
    )
    log.info("agent %s answered: desk %s", name, desk)
    return _twiml(
        agent_twiml.bridge(
            whisper, desk, voice, _urls(name, ring, "done"), _urls(name, ring, "bridged")
        )
    )


@blueprint.route("/voice/agent/<name>/bridged", methods=["POST"])
def bridged(name: str) -> Response:
    """On the caller's leg, just before the bridge: who was answered, by whom."""
    rt = current_runtime()
    now = rt.now()
    sid = g.get("call_sid", "")
    was = rt.desks.bridged(sid, name, now) if sid else None
    if was is not None:
        rt.calls.step(sid, now, was.campus, was.desk, "desk_answered", f"{was.desk} agent {name}")
    return _twiml(agent_twiml.bridging(desks.BRIDGING, _voice(rt)))


@blueprint.route("/voice/agent/<name>/done", methods=["POST"])
def done(name: str) -> Response:
    """The bridge ended (the <Dial> action on the agent's leg): hang up."""
    return _twiml(agent_twiml.goodbye(desks.THANKS, _voice(current_runtime())))


@blueprint.route("/voice/agent/<name>/callback/<int:callback>", methods=["POST"])
def callback_key(name: str, callback: int) -> Response:
    """The agent's key after a callback's whisper: 1 dials the student, once."""
    rt = current_runtime()
    voice = _voice(rt)
    if _param("Digits").strip() != desks.KEY_CALL:
        return _twiml(agent_twiml.goodbye(desks.NO_KEY, voice))
    placed = rt.desks.dial(callback, name, rt.now())
    if placed is None:
        return _twiml(agent_twiml.goodbye(desks.ALREADY_DIALLED, voice))
    log.info("callback %d dialled by agent %s (attempt %d)", callback, name, placed.attempts)
    result = _urls(name, _ring(), "callback_result", callback=callback)
    return _twiml(
        agent_twiml.dial_number(desks.DIALLING, placed.number, placed.central or "", voice, result)
    )


@blueprint.route("/voice/agent/<name>/callback/<int:callback>/result", methods=["POST"])
def callback_result(name: str, callback: int) -> Response:
    """How the student's phone answered: reached, or tried again later, or unreached."""
    rt = current_runtime()
    reached = _param("DialCallStatus") in REACHED
    placed = rt.desks.placed(callback)
    retry = rt.config.queues.desk(placed.desk).retry_after if placed else desks.DEFAULT_RETRY_AFTER
    status = rt.desks.dialled(callback, name, reached, rt.now(), retry)
    log.info("callback %d: %s", callback, status or "no dial to record")
    return _twiml(agent_twiml.goodbye(desks.THANKS, _voice(rt)))


@blueprint.route("/voice/agent/<name>/status", methods=["POST"])
def status(name: str) -> Response:
    """The agent leg's status callback: not answered sets them away; the end, wrap-up."""
    rt = current_runtime()
    now = rt.now()
    ring = _ring()
    call_status = _param("CallStatus")[:32]
    if call_status in NOT_ANSWERED:
        if rt.desks.unanswered(name, ring, now):
            log.warning("agent %s did not answer (%s): set away", name, call_status)
            desks_dispatch.nudge(rt)
    elif call_status == "completed":
        agent = rt.desks.agent(name)
        wrap = rt.config.queues.desk(agent.offer_desk).wrap_up if agent and agent.offer_desk else 0
        if rt.desks.call_ended(name, ring, now, wrap):
            log.info("agent %s: call ended, wrap-up %d s", name, wrap)
            if wrap == 0:
                rt.desks.end_wrap_ups(now)
                desks_dispatch.nudge(rt)
        elif agent is not None and agent.state == AgentState.RINGING and agent.ring == ring:
            rt.desks.unanswered(name, ring, now)
            desks_dispatch.nudge(rt)
    return Response("", 204)
