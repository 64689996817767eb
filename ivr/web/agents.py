"""Desks answered by the service: the agent's webhooks, and what the queue webhooks tell it.

The dispatcher (``ivr.desks_dispatch``) rings an agent with Twilio's REST API; Twilio then
requests, on the agent's leg:

- ``/voice/agent/<name>/answer?ring=N`` when the agent picks up: the whisper (who is next, or
  which callback), then ``<Dial><Queue>DESK</Queue></Dial>``, or a <Gather> for key 1 that
  dials the student (``/voice/agent/<name>/callback/<id>``, then its result);
- ``/voice/agent/<name>/status?ring=N`` with the leg's progress: not answered (no-answer, busy,
  failed) sets the agent away and rings the next; completed starts the wrap-up;

and on the caller's leg, just before the bridge, ``/voice/agent/<name>/bridged`` (the
<Queue> noun's url): who was answered, by whom. Every one is a webhook of the one door
(``ivr.web.webhook``): signed, within the storage deadline, TwiML 200. ``ring`` names the
ring: a webhook of an older ring of the same agent changes nothing.

The queue webhooks learn who waits and who left through ``ivr.core.queue.dialogue``'s hooks
(``ivr.storage.queue.DeskLink``); for a desk without agents they note nothing.
"""

from __future__ import annotations

import logging

from flask import Response, g, url_for

from ivr.core import desks
from ivr.core.desks import AgentState, Kind
from ivr.core.events import CallEvent
from ivr.core.menu import TransferNode, Voice
from ivr.core.routes import Route
from ivr.outbound import desks as desks_dispatch
from ivr.runtime import Runtime, current_runtime
from ivr.twiml import desks as agent_twiml
from ivr.web import webhook

log = logging.getLogger("ivr.desks")
blueprint = webhook.blueprint("agents", __name__)

NOT_ANSWERED = {"no-answer", "busy", "failed", "canceled"}
REACHED = {"completed", "answered"}


# -- the agent's leg -------------------------------------------------------------------------------
def _ring() -> int:
    raw = webhook.args().get("ring", "")
    return int(raw) if raw.isdigit() and len(raw) < 9 else -1


_twiml = webhook.answer_twiml


def _title(node: TransferNode) -> str:
    return node.title.split(" (")[0]  # without the operator's note: "Aula Virtual"


def _voice(rt: Runtime) -> Voice:
    return rt.config.menus.settings.voice


def _desk_title(rt: Runtime, desk: str) -> str:
    for node in rt.config.menus.nodes.values():
        if isinstance(node, TransferNode) and node.queue == desk:
            return _title(node)
    return desk


def _url(route: Route, name: str, ring: int, callback: int | None = None) -> str:
    if callback is None:
        return url_for(webhook.endpoint(route), name=name, ring=ring)
    return url_for(webhook.endpoint(route), name=name, ring=ring, callback=callback)


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
        key = _url(Route.AGENT_CALLBACK_KEY, name, ring, placed.id)
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
            whisper,
            desk,
            voice,
            _url(Route.AGENT_DONE, name, ring),
            _url(Route.AGENT_BRIDGED, name, ring),
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
        rt.calls.step(
            sid, now, was.campus, was.desk, CallEvent.DESK_ANSWERED, f"{was.desk} agent {name}"
        )
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
    if webhook.param("Digits").strip() != desks.KEY_CALL:
        return _twiml(agent_twiml.goodbye(desks.NO_KEY, voice))
    placed = rt.desks.dial(callback, name, rt.now())
    if placed is None:
        return _twiml(agent_twiml.goodbye(desks.ALREADY_DIALLED, voice))
    log.info("callback %d dialled by agent %s (attempt %d)", callback, name, placed.attempts)
    result = _url(Route.AGENT_CALLBACK_RESULT, name, _ring(), callback)
    return _twiml(
        agent_twiml.dial_number(desks.DIALLING, placed.number, placed.central or "", voice, result)
    )


@blueprint.route("/voice/agent/<name>/callback/<int:callback>/result", methods=["POST"])
def callback_result(name: str, callback: int) -> Response:
    """How the student's phone answered: reached, or tried again later, or unreached."""
    rt = current_runtime()
    reached = webhook.param("DialCallStatus") in REACHED
    placed = rt.desks.placed(callback)
    retry = rt.config.queues.desk(placed.desk).retry_after if placed else desks.DEFAULT_RETRY_AFTER
    status = rt.desks.dialled(callback, name, reached, rt.now(), retry)
    log.info("callback %d: %s", callback, status or "no dial to record")
    return _twiml(agent_twiml.goodbye(desks.THANKS, _voice(rt)))


@blueprint.route("/voice/agent/<name>/status", methods=["POST"])
@webhook.for_ended_calls
def status(name: str) -> Response:
    """The agent leg's status callback: not answered sets them away; the end, wrap-up."""
    rt = current_runtime()
    now = rt.now()
    ring = _ring()
    call_status = webhook.param("CallStatus")[:32]
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
