"""Callers waiting for a desk: the wait URL of every <Enqueue>, its keys, and the way out.

Twilio requests ``/voice/wait/<node>`` when a caller enters a desk's queue and again each time
our answer ends; a key goes to ``/voice/wait/<node>/key``; once out of the queue Twilio
requests the <Enqueue> action (``/voice/transfer/<node>``, served by ``ivr.web.voice``, which
hands a ``QueueResult`` to ``queue_result`` here), and a callback offered then comes back to
``/voice/queue/<node>/after``. A desk with agents asked for while closed offers a callback in
its next opening, answered at ``/voice/desk/<node>/callback``. What each answers is decided
by ``ivr.core.queue.dialogue``; these views parse Twilio's values, call it and render it.
"""

from __future__ import annotations

from flask import Response, g

from ivr.core.flow import CallContext
from ivr.core.queue import dialogue
from ivr.core.queue.dialogue import Waited
from ivr.core.queue.wait import QueueSettings
from ivr.observability import metrics
from ivr.outbound import desks as desks_dispatch
from ivr.runtime import Runtime, current_runtime
from ivr.storage.queue import DeskLink, QueueCall
from ivr.web import webhook

blueprint = webhook.blueprint("queue", __name__)


def _call() -> tuple[CallContext, QueueSettings, QueueCall]:
    """Return what every queue webhook starts from: the call's context, the desks, the stores."""
    rt = current_runtime()
    now = rt.clock()
    queues = rt.config.queues
    ctx = webhook.context(rt, now)
    services = QueueCall(
        rt.sessions,
        rt.callbacks,
        rt.sms,
        g.get("call_sid", ""),
        now,
        desk_link(rt, ctx),
        outbound=rt.outbound,
        limits=queues.limits,
        caller=webhook.param("From"),
        background=rt.background,
        clock=rt.clock,
        history=lambda queue: rt.wait_history.waits(queue, now),
    )
    return ctx, queues, services


def desk_link(rt: Runtime, ctx: CallContext) -> DeskLink:
    """Return what this call needs of the desks answered by the service (agents)."""
    return DeskLink(
        rt.desks,
        rt.schedules,
        rt.override_store.get(ctx.now),
        rt.config.queues,
        ctx.line.number if ctx.line else "",
        lambda: desks_dispatch.nudge(rt),
    )


@blueprint.route("/voice/wait/<node>", methods=["GET", "POST"])
def wait(node: str) -> Response:
    """Twilio's waitUrl: the caller's place, the estimate, the ways out, then hold audio."""
    ctx, queues, services = _call()
    waited = Waited(
        position=webhook.int_param("QueuePosition"),
        queue_time_s=webhook.int_param("QueueTime"),
        caller=webhook.param("From"),
    )
    reply = dialogue.wait(ctx, queues, webhook.state(node), waited, services)
    return webhook.answer_wait(reply, ctx)


@blueprint.route("/voice/wait/<node>/key", methods=["GET", "POST"])
def wait_key(node: str) -> Response:
    """A key pressed while waiting: the ways out, and the callback number's dialogue."""
    ctx, queues, services = _call()
    reply = dialogue.key(
        ctx,
        queues,
        webhook.state(node),
        webhook.param("Digits"),
        webhook.param("From"),
        services,
    )
    return webhook.answer_wait(reply, ctx)


def queue_result(node: str) -> Response:
    """Record how a caller left a desk's queue, and answer what they hear next (if anything)."""
    ctx, queues, services = _call()
    left = dialogue.result(
        ctx,
        queues,
        webhook.state(node),
        webhook.param("QueueResult")[:32],
        webhook.int_param("QueueTime"),
        webhook.param("From"),
        services,
    )
    metrics.observe_queue(left.queue, left.result, left.seconds)
    return webhook.answer(left.outcome, ctx, cache=False)


@blueprint.route("/voice/queue/<node>/after", methods=["GET", "POST"])
def after(node: str) -> Response:
    """The callback offered after the line closed or the wait was too long: 1 accepts."""
    ctx, queues, services = _call()
    outcome = dialogue.after(
        ctx, queues, webhook.state(node), webhook.param("Digits"), webhook.param("From"), services
    )
    return webhook.answer(outcome, ctx, cache=False)


@blueprint.route("/voice/desk/<node>/callback", methods=["GET", "POST"])
def closed_callback(node: str) -> Response:
    """The callback a closed desk with agents offers: 1 takes it, then the number's dialogue."""
    ctx, queues, services = _call()
    outcome = dialogue.closed_callback(
        ctx, queues, webhook.state(node), webhook.param("Digits"), webhook.param("From"), services
    )
    return webhook.answer(outcome, ctx, cache=False)
