"""The one door of every Twilio webhook: its checks, Twilio's values, the call, the answer.

A webhook module makes its blueprint with ``blueprint(name, __name__)``. That blueprint's
requests, and only those, have their Twilio signature checked, run within the storage deadline
and answer TwiML with status 200 (403 for a bad signature) whatever happens: an unknown path,
a wrong method, garbage parameters or an internal error still give the caller something
sensible to hear, never an HTML error page. Its views read Twilio's values (``param``), the
call state carried in the URL (``state``), build the call's ``context`` and answer through one
path that records the step, counts it and renders it (``answer``, ``answer_wait``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar, assert_never
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, g, request
from flask import url_for as flask_url_for
from flask.blueprints import BlueprintSetupState
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import HTTPException, NotFound, RequestEntityTooLarge, default_exceptions
from werkzeug.routing import BaseConverter, Rule

from ivr import twiml
from ivr.core import desks, flow
from ivr.core.events import CallEvent
from ivr.core.flow import Action, CallContext, Outcome, State
from ivr.core.memo import by_identity
from ivr.core.menu import TransferNode, Voice
from ivr.core.queue.wait import WaitReply
from ivr.core.routes import Route
from ivr.core.schedule import evaluation
from ivr.core.schedule.evaluation import LineStatus
from ivr.core.schedule.messages import ActiveMessages, active_messages
from ivr.core.schedule.model import Override, Schedules
from ivr.core.schedule.wording import describe_hours
from ivr.observability import metrics
from ivr.runtime import Runtime, current_runtime
from ivr.storage.database import STORE_ERRORS, end_deadline, log_store_error, start_deadline
from ivr.storage.queue import offered_window
from ivr.web.security import call_sid, form_fields, is_valid, too_large

log = logging.getLogger("ivr.voice")

NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_PARAM = 300  # longer Twilio values are cut: nothing we use is that long
# Twilio waits 15 s for an answer; storage may take this much of it, then the caller hears the
# apology (a lock held by an import, a stuck PostgreSQL): every answer comes within 5 s.
STORE_BUDGET_SECONDS = 4.0
TWIML = "application/xml"

V = TypeVar("V", bound=Callable[..., Response])


def endpoint(route: Route) -> str:
    """Return the Flask endpoint of the webhook that serves ``route``."""
    match route:
        case Route.MENU:
            return "voice.menu"
        case Route.TRANSFER:
            return "voice.transfer"
        case Route.SELFSERVICE:
            return "voice.selfservice"
        case Route.WAIT:
            return "queue.wait"  # ivr.web.queue: a caller waiting for a desk
        case Route.WAIT_KEY:
            return "queue.wait_key"
        case Route.QUEUE_AFTER:
            return "queue.after"
        case Route.DESK_CALLBACK:
            return "queue.closed_callback"
        case Route.AGENT_ANSWER:
            return "agents.answer"  # ivr.web.agents: desks answered by the service
        case Route.AGENT_STATUS:
            return "agents.status"
        case Route.AGENT_BRIDGED:
            return "agents.bridged"
        case Route.AGENT_DONE:
            return "agents.done"
        case Route.AGENT_CALLBACK_KEY:
            return "agents.callback_key"
        case Route.AGENT_CALLBACK_RESULT:
            return "agents.callback_result"
        case _:
            assert_never(route)


# -- the blueprint of a webhook module -----------------------------------------------------------
def blueprint(name: str, import_name: str) -> Blueprint:
    """Return a webhook blueprint: signed requests only, the storage deadline, TwiML always."""
    bp = Blueprint(name, import_name)
    bp.before_request(_check_request)
    bp.teardown_request(_end_deadline)
    bp.register_error_handler(Exception, _on_error)
    # A handler for a status code wins over one for a class, even the app's over a blueprint's:
    # so each code gets this blueprint's, and no app-wide handler ever answers a webhook.
    for code in default_exceptions:
        bp.register_error_handler(code, _on_error)
    return bp


class _Rest(BaseConverter):
    """Anything after a prefix, slashes and nothing included."""

    regex = r"[\s\S]*"  # newlines too: "." stops at one
    part_isolating = False


class _UnknownPath(Rule):
    """A path under a webhook prefix that no webhook serves, with any method."""


def answer_unknown_paths(bp: Blueprint, prefix: str) -> None:
    """Make every other path and method under ``prefix`` a request of ``bp``: TwiML too.

    Without it such a request matches no blueprint, and only app-wide hooks would see it.
    """

    def mount(setup: BlueprintSetupState) -> None:
        name = f"{setup.name_prefix}.{setup.name}.unknown".lstrip(".")
        setup.app.url_map.converters["webhook_rest"] = _Rest
        # A werkzeug rule: Flask's routes take a list of methods, this one takes any method.
        setup.app.url_map.add(_UnknownPath(f"{prefix}<webhook_rest:rest>", endpoint=name))
        setup.app.view_functions[name] = _unknown

    bp.record_once(mount)


_FOR_ENDED_CALLS: set[Callable[..., Any]] = set()


def for_ended_calls(view: V) -> V:
    """Let ``view`` answer a call Twilio reported finished (status callbacks, the fallback)."""
    _FOR_ENDED_CALLS.add(view)
    return view


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


def _check_request() -> Response | None:
    """Refuse an unsigned webhook; only then use the request's values.

    Until the signature is checked nothing of the request is logged or stored: the lines
    written before say which route was asked, never a value the request carried. (Bodies over
    IVR_MAX_BODY_BYTES never get here: ``security.BodyLimit`` refuses them unread.)
    """
    # g outlives a request when the caller keeps an app context (a simulation, a test)
    g.params = g.args = g.fields = None
    rt = current_runtime()
    if not rt.settings.skip_signature:
        token = rt.settings.auth_token
        req = request._get_current_object()  # type: ignore[attr-defined]  # once, not per use
        if not token or not is_valid(req, rt.settings, _validator(token), fields()):
            log.warning("rejected a request with a missing or wrong Twilio signature: %s", _route())
            return Response("Forbidden: invalid Twilio signature\n", 403, mimetype="text/plain")
    g.checked = True
    g.store_deadline = start_deadline(STORE_BUDGET_SECONDS)
    g.call_sid = call_sid(param("CallSid"))  # '' unless shaped like Twilio's
    g.request_key = _request_key(rt)
    return _closed_call(rt)


def _end_deadline(_: BaseException | None) -> None:
    token = g.pop("store_deadline", None)
    if token is not None:
        end_deadline(token)


def _closed_call(rt: Runtime) -> Response | None:
    """Policy: once Twilio reported a call finished, any webhook of it hears only a goodbye."""
    if not g.call_sid or current_app.view_functions.get(request.endpoint or "") in _FOR_ENDED_CALLS:
        return None
    try:
        closed = rt.sessions.closed(g.call_sid, rt.clock())
    except STORE_ERRORS as error:  # menus go on without the database; self-service apologises
        log_store_error(log, "cannot tell whether the call ended", error)
        return None
    if not closed:
        return None
    log.warning("a webhook came for a call that had ended: answered with a goodbye")
    ctx = context(rt)
    goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=int_arg("s") + 1))
    return answer(replace(goodbye, event=CallEvent.CLOSED_CALL), ctx)


def _route() -> str:
    """Method and path once the request is signed; before, only the route it matched (ours)."""
    if g.get("checked"):
        return f"{request.method[:16]} {request.path[:MAX_PARAM]}"
    method = request.method if request.method in ("GET", "POST") else "other method"
    rule = request.url_rule
    if rule is None or isinstance(rule, _UnknownPath):
        return f"{method} (no such route)"
    return f"{method} {rule.rule}"


def _request_key(rt: Runtime) -> str:
    """Name this webhook: the same request sent again (a balancer retrying it) has the same name.

    Within a call every step's URL differs (it carries the step count), so the call, the URL and
    what the caller keyed or said identify a step. The name is an HMAC keyed with the Twilio
    token every host shares and the database never holds: stored with a verification failure
    or a call step, it reveals nothing of the digits it covers.
    """
    parts = (
        g.call_sid,
        request.method,
        request.full_path,
        param("Digits"),
        param("SpeechResult"),
    )
    secret = (rt.settings.auth_token or "").encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _unknown(rest: str = "") -> Response:
    """A path or method we do not serve: the error handler apologises."""
    raise NotFound


def _on_error(error: Exception) -> Response:
    """Every failure of a webhook still answers TwiML (a body over the limit: 413)."""
    if isinstance(error, RequestEntityTooLarge):  # MAX_CONTENT_LENGTH, under BodyLimit's check
        return too_large(current_runtime().settings.max_body_bytes)
    if isinstance(error, HTTPException) and error.code in (404, 405):
        # A path or method we do not serve: as after any error, an apology, then the guidance
        # desk or a goodbye (settings.on_failure), never the main menu as if nothing happened.
        log.warning("unexpected request: %s", _route())
        try:
            ctx = context(current_runtime())
            return answer(flow.apology(ctx, State("", steps=int_arg("s") + 1)), ctx)
        except Exception:
            log.exception("could not answer an unexpected request")
            return static_apology()
    if isinstance(error, STORE_ERRORS):  # an outage is told by ivr.outage, not per request
        log_store_error(log, f"storage failed while answering {_route()}", error)
    else:
        log.exception("error while answering %s", _route())
    try:
        ctx = context(current_runtime())
        return answer(flow.apology(ctx, State("", steps=int_arg("s") + 1)), ctx)
    except Exception:
        log.exception("call=%s the apology failed too; static answer", g.get("call_sid", ""))
        return static_apology()


def static_apology() -> Response:
    """Answer the static apology, worded by the loaded operator files when there are any."""
    try:
        settings = current_runtime().config.menus.settings
    except Exception:  # the apology must answer whatever else failed
        settings = None
    return Response(twiml.apology(settings), 200, mimetype=TWIML)


# -- Twilio's parameters -------------------------------------------------------------------------
def param(name: str) -> str:
    """Return a Twilio parameter (form or query), cut to a sane length; '' when absent."""
    return params().get(name, "")[:MAX_PARAM]


def fields() -> dict[str, list[str]]:
    """A POST's form fields, every value of each, parsed once per request (signature check)."""
    found: dict[str, list[str]] | None = g.get("fields")
    if found is None:
        found = g.fields = form_fields(request._get_current_object())  # type: ignore[attr-defined]  # LocalProxy
    return found


def params() -> dict[str, str]:
    """Twilio's parameters, the first value of each, read once per request into a plain dict.

    Twilio sends its parameters in the body of a POST, or in the query of a GET. (A plain dict:
    a MultiDict raises and catches an exception for every name it lacks.)
    """
    found: dict[str, str] | None = g.get("params")
    if found is None:
        if request.method == "POST":
            found = {name: values[0] for name, values in fields().items()}
        else:
            found = args()
        g.params = found
    return found


def args() -> dict[str, str]:
    """The query string (where the call state travels), the first value of each, read once.

    Parsed as werkzeug parses ``request.args``, into a plain dict rather than a MultiDict.
    """
    found: dict[str, str] | None = g.get("args")
    if found is None:
        found = {}
        for name, value in parse_qsl(
            request.query_string.decode("utf-8", "werkzeug.url_quote"),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        ):
            found.setdefault(name, value)
        g.args = found
    return found


def int_arg(name: str) -> int:
    """Return a small count carried in the query string (0 when absent or not one)."""
    raw = args().get(name, "")
    return min(int(raw), 1000) if raw.isdigit() and len(raw) < 6 else 0


def int_param(name: str) -> int | None:
    """Return a Twilio parameter that counts something (seconds, a place), or None."""
    raw = param(name)
    return int(raw) if raw.isdigit() and len(raw) < 7 else None


# -- the call's state, carried in the URLs Twilio calls back ---------------------------------------
def state(node: str) -> State:
    """Return the call state of this request: ``node`` from the path, the rest from the query."""
    query = args()
    trail = tuple(t for t in query.get("t", "").split(".") if NODE_ID.match(t))
    return State(
        node=node if NODE_ID.match(node) else "",
        trail=trail[-flow.MAX_TRAIL :],
        no_input=int_arg("ni"),
        invalid=int_arg("iv"),
        steps=int_arg("s"),
        step=query.get("st", "")[:16],
        told=int_arg("h"),
    )


def url_for(route: Route, state: State) -> str:
    """Build the callback URL for a route, carrying the call state in the query string."""
    query: dict[str, Any] = {"s": state.steps}
    if state.trail:
        query["t"] = ".".join(state.trail)
    if state.no_input:
        query["ni"] = state.no_input
    if state.invalid:
        query["iv"] = state.invalid
    if state.step:
        query["st"] = state.step
    if state.told:
        query["h"] = state.told
    return flask_url_for(endpoint(route), node=state.node, **query)


# -- the call's context --------------------------------------------------------------------------
def context(rt: Runtime, now: datetime | None = None) -> CallContext:
    """Return what the flow needs to know about this call at this instant."""
    config = rt.config
    schedules = rt.schedules  # the files' with the closures stored from the console
    moment = now or rt.clock()
    override = rt.override_store.get(moment)

    def status(line: str) -> LineStatus:
        return _line_status(schedules, moment, line, override)

    def callback_offer(desk: TransferNode) -> str | None:
        window = offered_window(rt.desks, schedules, override, config.queues, desk, moment)
        return desks.window_when(window, moment) if window is not None else None

    return CallContext(
        tree=config.menus,
        now=moment,
        line=config.directory.line_for(param("To")),
        status=status,
        hours=_hours_text(schedules),
        active=lambda: _slots(active_messages(schedules, moment, override=override)),
        schedules=schedules,
        callback_offer=callback_offer,
    )


# line's status, by (schedules, line, override): (schedules, status, from, until)
_STATUSES: dict[tuple[int, str, Override | None], tuple[Schedules, LineStatus, datetime, datetime]]
_STATUSES = {}


def _line_status(
    schedules: Schedules, moment: datetime, line: str, override: Override | None
) -> LineStatus:
    """Return ``evaluation.status``, worked out once for every call until the answer changes.

    Keyed by the identity of the loaded schedules (replaced whole on reload) and the override;
    kept over the instants ``evaluation.status_holding`` says give the same answer.
    """
    key = (id(schedules), line, override)
    hit = _STATUSES.get(key)
    if hit is not None and hit[0] is schedules and hit[2] <= moment < hit[3]:
        return hit[1]
    found, until = evaluation.status_holding(schedules, moment, line=line, override=override)
    if until is not None:
        if len(_STATUSES) >= 256:  # old configurations' and overrides' entries
            _STATUSES.clear()
        _STATUSES[key] = (schedules, found, moment, until)
    return found


def _slots(active: ActiveMessages) -> dict[str, tuple[str, ...]]:
    """Greeting and after-hours texts replace the default (first wins); announcements add up."""
    slots: dict[str, tuple[str, ...]] = {}
    for slot in ("greeting", "after_hours"):
        first = active.first(slot)
        if first is not None:
            slots[slot] = (first,)
    if active.announcement:
        slots["announcement"] = active.announcement
    return slots


@by_identity
def _hours_text(schedules: Schedules) -> str:
    return describe_hours(schedules)


# -- the answer: record the step, count it, render it --------------------------------------------
def answer(outcome: Outcome, ctx: CallContext, *, cache: bool = True) -> Response:
    """Answer with the flow's outcome; ``cache=False`` for answers that carry personal data."""
    _record(
        ctx, outcome.node, outcome.event, outcome.detail, outcome.said, g.get("request_key", "")
    )
    # Call records keep every step; the log line is for debugging only.
    log.debug("node=%s event=%s %s", outcome.node, outcome.event, outcome.detail)
    voice = ctx.tree.settings.voice
    if cache:
        body = _render(outcome.actions, voice, request.script_root)
    else:
        body = twiml.render(outcome.actions, voice, url_for)
    return _twiml(body)


def answer_wait(reply: WaitReply, ctx: CallContext) -> Response:
    """Answer a queued caller with a wait document.

    Twilio requests the same wait URL again and again: each request is a step of its own,
    never named as a retry of the one before.
    """
    _record(ctx, reply.node, reply.event, reply.detail)
    return _twiml(twiml.render_wait(reply.actions, ctx.tree.settings.voice, url_for))


def _record(
    ctx: CallContext, node: str, event: CallEvent, detail: str, said: str = "", key: str = ""
) -> None:
    rt = current_runtime()
    sid = g.get("call_sid", "")
    if sid:
        campus = ctx.line.names if ctx.line else None
        rt.calls.step(sid, rt.clock(), campus, node, event, detail, said=said, request=key)
    metrics.count_event(event)


def answer_twiml(body: str) -> Response:
    """Answer a TwiML document rendered elsewhere (``ivr.twiml.desks``: an agent's leg)."""
    return _twiml(body)


def _twiml(body: str) -> Response:
    response = Response(body, 200, mimetype=TWIML)
    sid = g.get("call_sid", "")
    if sid:
        response.headers["X-Call-Sid"] = sid  # for the access log (deploy/gunicorn.conf.py)
    return response


@lru_cache(maxsize=1024)
def _render(actions: tuple[Action, ...], voice: Voice, root: str) -> str:
    """Render menu answers, which depend only on their actions, once each.

    Self-service answers are never cached: they carry a student's balance.
    """
    return twiml.render(actions, voice, url_for)
