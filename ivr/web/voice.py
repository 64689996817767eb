"""Twilio voice webhooks: parse the request, let the flow decide, render TwiML.

Every answer under /voice is TwiML with status 200 (or 403 for a bad signature): an unknown
path, a wrong method, garbage parameters or an internal error still give the caller something
sensible to hear, never an HTML error page.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Response, g, jsonify, request, url_for
from twilio.request_validator import RequestValidator
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from ivr import twiml
from ivr.core import flow
from ivr.core.flow import Action, CallContext, Outcome, State
from ivr.core.memo import by_identity
from ivr.core.menu import SelfServiceNode, Voice
from ivr.core.schedule import evaluation
from ivr.core.schedule.evaluation import LineStatus
from ivr.core.schedule.messages import ActiveMessages, active_messages
from ivr.core.schedule.model import Override, Schedules
from ivr.core.schedule.wording import describe_hours
from ivr.core.selfservice import phone
from ivr.observability import metrics
from ivr.runtime import Runtime, current_runtime
from ivr.storage.database import STORE_ERRORS, end_deadline, log_store_error, start_deadline
from ivr.storage.phone import PhoneStore
from ivr.storage.sessions import FINISHED
from ivr.web.security import call_sid, form_fields, is_valid, too_large

log = logging.getLogger("ivr.voice")
blueprint = Blueprint("voice", __name__)

NODE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_PARAM = 300  # longer Twilio values are cut: nothing we use is that long
# Twilio waits 15 s for an answer; storage may take this much of it, then the caller hears the
# apology (a lock held by an import, a stuck PostgreSQL): every answer comes within 5 s.
STORE_BUDGET_SECONDS = 4.0
TWIML = "application/xml"


@lru_cache(maxsize=4)
def _validator(token: str) -> RequestValidator:
    return RequestValidator(token)


# -- request plumbing ----------------------------------------------------------------------------
@blueprint.before_app_request
def _check_request() -> Response | None:
    """Refuse an unsigned webhook; only then use the request's values.

    Until the signature is checked nothing of the request is logged or stored: the lines
    written before say which route was asked, never a value the request carried. (Bodies over
    IVR_MAX_BODY_BYTES never get here: ``security.BodyLimit`` refuses them unread.)
    """
    # g outlives a request when the caller keeps an app context (a simulation, a test)
    g.params = g.args = g.fields = None
    rt = current_runtime()
    rt.watch()  # edited operator files are loaded by this process's watcher, never here
    if request.path.startswith("/voice") and not rt.settings.skip_signature:
        token = rt.settings.auth_token
        req = request._get_current_object()  # type: ignore[attr-defined]  # once, not per use
        if not token or not is_valid(req, rt.settings, _validator(token), _fields()):
            log.warning("rejected a request with a missing or wrong Twilio signature: %s", _route())
            return Response("Forbidden: invalid Twilio signature\n", 403, mimetype="text/plain")
    g.checked = True
    if request.path.startswith("/voice"):
        g.store_deadline = start_deadline(STORE_BUDGET_SECONDS)
    g.call_sid = call_sid(_param("CallSid"))  # '' unless shaped like Twilio's
    g.request_key = _request_key(rt)
    return _closed_call(rt)


@blueprint.teardown_app_request
def _end_deadline(_: BaseException | None) -> None:
    token = g.pop("store_deadline", None)
    if token is not None:
        end_deadline(token)


def _closed_call(rt: Runtime) -> Response | None:
    """Policy: once Twilio reported a call finished, any webhook of it hears only a goodbye."""
    if not g.call_sid or request.path in ("/voice/status", "/voice/fallback"):
        return None
    if not request.path.startswith("/voice"):
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
    goodbye = flow.enter(ctx, State(ctx.tree.settings.goodbye, steps=_int_arg("s") + 1))
    return _answer(replace(goodbye, event="closed_call"), ctx)


def _route() -> str:
    """Method and path once the request is signed; before, only the route it matched (ours)."""
    if g.get("checked"):
        return f"{request.method[:16]} {request.path[:MAX_PARAM]}"
    method = request.method if request.method in ("GET", "POST") else "other method"
    return f"{method} {request.url_rule.rule if request.url_rule else '(no such route)'}"


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
        _param("Digits"),
        _param("SpeechResult"),
    )
    secret = (rt.settings.auth_token or "").encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _param(name: str) -> str:
    """Return a Twilio parameter (form or query), cut to a sane length; '' when absent."""
    return _params().get(name, "")[:MAX_PARAM]


def _fields() -> dict[str, list[str]]:
    """A POST's form fields, every value of each, parsed once per request (signature check)."""
    fields: dict[str, list[str]] | None = g.get("fields")
    if fields is None:
        fields = g.fields = form_fields(request._get_current_object())  # type: ignore[attr-defined]
    return fields


def _params() -> dict[str, str]:
    """Twilio's parameters, the first value of each, read once per request into a plain dict.

    Twilio sends its parameters in the body of a POST, or in the query of a GET. (A plain dict:
    a MultiDict raises and catches an exception for every name it lacks.)
    """
    params: dict[str, str] | None = g.get("params")
    if params is None:
        if request.method == "POST":
            params = {name: values[0] for name, values in _fields().items()}
        else:
            params = _args()
        g.params = params
    return params


def _args() -> dict[str, str]:
    """The query string (where the call state travels), the first value of each, read once.

    Parsed as werkzeug parses ``request.args``, into a plain dict rather than a MultiDict.
    """
    args: dict[str, str] | None = g.get("args")
    if args is None:
        args = {}
        for name, value in parse_qsl(
            request.query_string.decode("utf-8", "werkzeug.url_quote"),
            keep_blank_values=True,
            errors="werkzeug.url_quote",
        ):
            args.setdefault(name, value)
        g.args = args
    return args


def _int_arg(name: str) -> int:
    raw = _args().get(name, "")
    return min(int(raw), 1000) if raw.isdigit() and len(raw) < 6 else 0


def _state(node: str) -> State:
    args = _args()
    trail = tuple(t for t in args.get("t", "").split(".") if NODE_ID.match(t))
    return State(
        node=node if NODE_ID.match(node) else "",
        trail=trail[-flow.MAX_TRAIL :],
        no_input=_int_arg("ni"),
        invalid=_int_arg("iv"),
        steps=_int_arg("s"),
        step=args.get("st", "")[:16],
        told=_int_arg("h"),
    )


def _url_for(route: str, state: State) -> str:
    """Build the callback URL for a route, carrying the call state in the query string."""
    params: dict[str, Any] = {"s": state.steps}
    if state.trail:
        params["t"] = ".".join(state.trail)
    if state.no_input:
        params["ni"] = state.no_input
    if state.invalid:
        params["iv"] = state.invalid
    if state.step:
        params["st"] = state.step
    if state.told:
        params["h"] = state.told
    endpoint = {
        "menu": "voice.menu",
        "transfer": "voice.transfer",
        "selfservice": "voice.selfservice",
        "wait": "queue.wait",  # ivr.web.queue: a caller waiting for a desk
        "wait_key": "queue.wait_key",
        "queue_after": "queue.after",
    }[route]
    return url_for(endpoint, node=state.node, **params)


def context(rt: Runtime, now: datetime | None = None) -> CallContext:
    """Return what the flow needs to know about this call at this instant."""
    config = rt.config
    moment = now or rt.clock()
    override = rt.override_store.get(moment)

    def status(line: str) -> LineStatus:
        return _line_status(config.schedules, moment, line, override)

    return CallContext(
        tree=config.menus,
        now=moment,
        line=config.directory.line_for(_param("To")),
        status=status,
        hours=_hours_text(config.schedules),
        active=lambda: _slots(active_messages(config.schedules, moment, override=override)),
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


def _answer(outcome: Outcome, ctx: CallContext, *, cache: bool = True) -> Response:
    rt = current_runtime()
    sid = g.get("call_sid", "")
    if sid:
        campus = ctx.line.names if ctx.line else None
        rt.calls.step(
            sid,
            rt.clock(),
            campus,
            outcome.node,
            outcome.event,
            outcome.detail,
            said=outcome.said,
            request=g.get("request_key", ""),
        )
    metrics.count_event(outcome.event)
    # Call records keep every step; the log line is for debugging only.
    log.debug("node=%s event=%s %s", outcome.node, outcome.event, outcome.detail)
    voice = ctx.tree.settings.voice
    if cache:
        body = _render(outcome.actions, voice, request.script_root)
    else:
        body = twiml.render(outcome.actions, voice, _url_for)
    response = Response(body, 200, mimetype=TWIML)
    if sid:
        response.headers["X-Call-Sid"] = sid  # for the access log (deploy/gunicorn.conf.py)
    return response


@lru_cache(maxsize=1024)
def _render(actions: tuple[Action, ...], voice: Voice, root: str) -> str:
    """Render menu answers, which depend only on their actions, once each.

    Self-service answers are never cached: they carry a student's balance.
    """
    return twiml.render(actions, voice, _url_for)


# -- webhooks ------------------------------------------------------------------------------
@blueprint.route("/voice", methods=["GET", "POST"])
def incoming() -> Response:
    """The Voice URL of every campus number: greet, announce, ask the main menu."""
    ctx = context(current_runtime())
    return _answer(flow.start(ctx), ctx)


@blueprint.route("/voice/menu/<node>", methods=["GET", "POST"])
def menu(node: str) -> Response:
    """A menu's <Gather> action (and the redirect after it, when the caller said nothing)."""
    ctx = context(current_runtime())
    outcome = flow.handle_input(
        ctx, _state(node), _param("Digits"), _param("SpeechResult"), _confidence()
    )
    return _answer(outcome, ctx)


def _confidence() -> float | None:
    """Twilio's speech Confidence (0.0-1.0), or None when absent or not a number."""
    try:
        value = float(_param("Confidence")[:16])
    except ValueError:
        return None
    return value if 0.0 <= value <= 1.0 else None


@blueprint.route("/voice/node/<node>", methods=["GET", "POST"])
def node(node: str) -> Response:
    """Enter any node (used by links and by a caller whose node vanished in a reload)."""
    ctx = context(current_runtime())
    return _answer(flow.enter(ctx, _state(node)), ctx)


@blueprint.route("/voice/transfer/<node>", methods=["GET", "POST"])
def transfer(node: str) -> Response:
    """The action of a <Dial> or <Enqueue>: the call with a desk ended, or never began."""
    if _param("QueueResult"):  # the <Enqueue> action: answered, abandoned, left or failed
        from ivr.web.queue import queue_result

        return queue_result(node)
    ctx = context(current_runtime())
    connected = _param("DialCallStatus") in {"completed", "answered"}
    return _answer(flow.transfer_result(ctx, _state(node), connected), ctx)


@blueprint.route("/voice/selfservice/<node>", methods=["GET", "POST"])
def selfservice(node: str) -> Response:
    """Self-service steps: student code, DNI digits, then the statement and its menu."""
    rt = current_runtime()
    now = rt.clock()
    ctx = context(rt, now)
    state = _state(node)
    here = ctx.tree.node(state.node)
    if not isinstance(here, SelfServiceNode):  # stale URL after a reload
        return _answer(flow.enter(ctx, state.at(ctx.tree.settings.start, ())), ctx)
    billing = rt.config.billing
    services = (
        PhoneStore(rt, billing, g.call_sid, now, g.request_key, _param("From"))
        if billing and g.call_sid
        else None
    )
    return _answer(phone.handle(ctx, here, state, _param("Digits"), services), ctx, cache=False)


@blueprint.route("/voice/status", methods=["POST", "GET"])
def status_callback() -> Response:
    """Twilio's status callback: record how the call ended."""
    rt = current_runtime()
    sid = g.get("call_sid", "")
    status, duration = _param("CallStatus")[:32], _param("CallDuration")
    if sid:
        seconds = int(duration) if duration.isdigit() and len(duration) < 7 else None
        rt.calls.status(sid, rt.clock(), status, seconds)
        if status in FINISHED:
            rt.sessions.close(sid, rt.clock())
    log.info("status=%s duration=%s", status, duration[:8])
    return Response("", 204)


@blueprint.route("/voice/fallback", methods=["POST", "GET"])
def fallback() -> Response:
    """Twilio's Fallback URL: static TwiML that needs nothing else to work."""
    log.error(
        "Twilio used the fallback URL (error %s)",
        _param("ErrorCode")[:16],
    )
    return Response(twiml.apology(), 200, mimetype=TWIML)


@blueprint.route("/healthz", methods=["GET"])
def healthz() -> Response:
    rt = current_runtime()
    body: Mapping[str, object] = {
        "status": "ok",
        "config": rt.config.fingerprint,
        "config_loaded_at": rt.loaded_at.isoformat() if rt.loaded_at else None,
        "config_error": bool(rt.last_error),
    }
    return jsonify(body)


# -- errors --------------------------------------------------------------------------------
@blueprint.app_errorhandler(Exception)
def _on_error(error: Exception) -> Response | HTTPException:
    """Under /voice every failure still answers TwiML; elsewhere HTTP errors stay HTTP errors."""
    if isinstance(error, RequestEntityTooLarge):  # MAX_CONTENT_LENGTH, under BodyLimit's check
        return too_large(current_runtime().settings.max_body_bytes)
    if not request.path.startswith("/voice"):
        if isinstance(error, HTTPException):
            return error
        log.exception("unexpected error on %s", _route())
        return Response("internal error\n", 500, mimetype="text/plain")
    if isinstance(error, HTTPException) and error.code in (404, 405):
        # A path or method we do not serve: as after any error, an apology, then the guidance
        # desk or a goodbye (settings.on_failure), never the main menu as if nothing happened.
        log.warning("unexpected request: %s", _route())
        try:
            ctx = context(current_runtime())
            return _answer(flow.apology(ctx, State("", steps=_int_arg("s") + 1)), ctx)
        except Exception:
            log.exception("could not answer an unexpected request")
            return Response(twiml.apology(), 200, mimetype=TWIML)
    if isinstance(error, STORE_ERRORS):  # an outage is told by ivr.outage, not per request
        log_store_error(log, f"storage failed while answering {_route()}", error)
    else:
        log.exception("error while answering %s", _route())
    try:
        ctx = context(current_runtime())
        return _answer(flow.apology(ctx, State("", steps=_int_arg("s") + 1)), ctx)
    except Exception:
        log.exception("call=%s the apology failed too; static answer", g.get("call_sid", ""))
        return Response(twiml.apology(), 200, mimetype=TWIML)
