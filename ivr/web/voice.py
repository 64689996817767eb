"""Twilio voice webhooks: parse the request, let the flow decide, render TwiML.

Every answer under /voice is TwiML with status 200 (or 403 for a bad signature), through the
webhook door (``ivr.web.webhook``): this blueprint also answers every path and method under
/voice that no webhook serves.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Response, g

from ivr.actions.base import Door
from ivr.actions.reminders import student_opt_out
from ivr.core import flow
from ivr.core.menu import SelfServiceNode
from ivr.core.selfservice import phone
from ivr.observability import metrics
from ivr.runtime import Runtime, current_runtime
from ivr.storage.phone import PhoneStore
from ivr.storage.sessions import FINISHED
from ivr.web import webhook
from ivr.web.queue import queue_result
from ivr.web.webhook import answer, context, param, state

log = logging.getLogger("ivr.voice")
blueprint = webhook.blueprint("voice", __name__)
webhook.answer_unknown_paths(blueprint, "/voice")


# -- webhooks ------------------------------------------------------------------------------
@blueprint.route("/voice", methods=["GET", "POST"])
def incoming() -> Response:
    """The Voice URL of every campus number: greet, announce, ask the main menu."""
    ctx = context(current_runtime())
    return answer(flow.start(ctx), ctx)


@blueprint.route("/voice/menu/<node>", methods=["GET", "POST"])
def menu(node: str) -> Response:
    """A menu's <Gather> action (and the redirect after it, when the caller said nothing)."""
    ctx = context(current_runtime())
    outcome = flow.handle_input(
        ctx, state(node), param("Digits"), param("SpeechResult"), _confidence()
    )
    return answer(outcome, ctx)


def _confidence() -> float | None:
    """Twilio's speech Confidence (0.0-1.0), or None when absent or not a number."""
    try:
        value = float(param("Confidence")[:16])
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


@blueprint.route("/voice/node/<node>", methods=["GET", "POST"])
def node(node: str) -> Response:
    """Enter any node (used by links and by a caller whose node vanished in a reload)."""
    ctx = context(current_runtime())
    return answer(flow.enter(ctx, state(node)), ctx)


@blueprint.route("/voice/transfer/<node>", methods=["GET", "POST"])
def transfer(node: str) -> Response:
    """The action of a <Dial> or <Enqueue>: the call with a desk ended, or never began."""
    if param("QueueResult"):  # the <Enqueue> action: answered, abandoned, left or failed
        return queue_result(node)
    ctx = context(current_runtime())
    connected = param("DialCallStatus") in {"completed", "answered"}
    return answer(flow.transfer_result(ctx, state(node), connected), ctx)


@blueprint.route("/voice/selfservice/<node>", methods=["GET", "POST"])
def selfservice(node: str) -> Response:
    """Self-service steps: student code, DNI digits, then the statement and its menu."""
    rt = current_runtime()
    now = rt.clock()
    ctx = context(rt, now)
    at = state(node)
    here = ctx.tree.node(at.node)
    if not isinstance(here, SelfServiceNode):  # stale URL after a reload
        return answer(flow.enter(ctx, at.at(ctx.tree.settings.start, ())), ctx)
    billing = rt.config.billing
    services = (
        PhoneStore(
            rt.settings,
            rt.ledger,
            rt.sessions,
            rt.callers,
            billing=billing,
            call_sid=g.call_sid,
            now=now,
            request=g.request_key,
            number=param("From"),
            count=metrics.count_verification,
            stop_reminders=_stop_reminders(rt) if rt.config.reminders.enabled else None,
        )
        if billing and g.call_sid
        else None
    )
    return answer(phone.handle(ctx, here, at, param("Digits"), services), ctx, cache=False)


def _stop_reminders(rt: Runtime) -> Callable[[str], None]:
    """Opt a verified student out of the due-date reminders (their key in the menu)."""

    def stop(code: str) -> None:
        student_opt_out(rt, Door.IVR, code=code)

    return stop


@blueprint.route("/voice/status", methods=["POST", "GET"])
@webhook.for_ended_calls
def status_callback() -> Response:
    """Twilio's status callback: record how the call ended."""
    rt = current_runtime()
    sid = g.get("call_sid", "")
    status, duration = param("CallStatus")[:32], param("CallDuration")
    if sid:
        rt.calls.status(sid, rt.clock(), status, webhook.int_param("CallDuration"))
        if status in FINISHED:
            rt.sessions.close(sid, rt.clock())
    log.info("status=%s duration=%s", status, duration[:8])
    return Response("", 204)


@blueprint.route("/voice/fallback", methods=["POST", "GET"])
@webhook.for_ended_calls
def fallback() -> Response:
    """Twilio's Fallback URL: static TwiML that needs nothing else to work."""
    log.error(
        "Twilio used the fallback URL (error %s)",
        param("ErrorCode")[:16],
    )
    return webhook.static_apology()
