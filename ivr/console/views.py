"""The console's pages: login, Now (and its live fragment), callbacks, the switch, the audit log.

The read-only pages on calls, the calendar and the menu are in ``reports``, on the same
blueprint (``ivr.console.blueprint``). The console's hooks are here, on that blueprint: the
gate (console on, CSRF, login), the security headers and the error pages run for console
routes only, never for a webhook.

Viewers see every page; operators also mark callbacks done and use the emergency switch. Every
change is written to the audit log with who made it. Times are shown in Lima time.
"""

from __future__ import annotations

import logging
import math
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from ivr.actions import ActionRefused, Actor, AuditAction, Door, record, when_words
from ivr.actions.callbacks import mark_callback, record_outcome
from ivr.actions.override import check_override, clear_override, set_override
from ivr.clock import to_lima
from ivr.console import live
from ivr.console.blueprint import IDLE_TIMEOUT, SESSION_LIMIT, blueprint, csrf, keys
from ivr.console.names import campus_name, desk_name, node_name, role_name
from ivr.core.say import SAY_LIMIT
from ivr.core.schedule.model import Override, parse_moment
from ivr.runtime import Runtime, current_runtime
from ivr.storage.callbacks import mask_number
from ivr.storage.console import ConsoleStore, Refused, User, account_key, check_password
from ivr.storage.database import STORE_ERRORS, describe
from ivr.storage.override import OverrideStore

log = logging.getLogger("ivr.console")

View = TypeVar("View", bound=Callable[..., Any])
Answer = str | Response | BaseResponse | tuple[str, int]

LIVE = "console.live"  # the Now page's fragment: it does not count as the user being active
PUBLIC = {"console.login", "console.static"}
# Served to anyone, like the static files: the same for every user, no data of the IVR's.
STYLESHEETS = {"console.static", "console.charts_css", "console.menu_css"}
HTTP_ERRORS = {
    404: "Esta página no existe en la consola.",
    413: "El formulario enviado es demasiado grande.",
}
UNEXPECTED = "Ocurrió un error inesperado. Intente de nuevo en un minuto."
LOGIN_FAILED = "Usuario o contraseña incorrectos."
# What a refused login says, by LoginPolicy's reason; then when to try again.
REFUSED = {
    "pair": "Demasiados intentos fallidos con este usuario desde esta dirección.",
    "address": "Demasiados intentos fallidos desde esta dirección.",
    "pace": "Hubo muchos intentos fallidos con este usuario desde otras direcciones.",
}
BAD_NEXT = "La dirección a la que volver después de ingresar no es válida."
# C0 and C1 control characters and DEL: none belongs in a path, and CR/LF would end a header.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


# -- who is asking -------------------------------------------------------------------------------
def _store() -> ConsoleStore:
    return ConsoleStore(current_runtime().engine)


def _override(rt: Runtime, now: datetime) -> Override | None:
    """The override in the database now: never this process's copy, up to a second old."""
    return OverrideStore(rt.engine, ttl=0).get(now)


def _user() -> User:
    user = g.get("console_user")
    assert isinstance(user, User), "a console view without a logged-in user"
    return user


@blueprint.before_request
def _gate() -> Answer | None:
    """Static files pass; otherwise the console must be on, the form signed, the user known."""
    if request.endpoint in STYLESHEETS:
        return None
    store = _store()
    if not store.has_users():
        return render_template("console/off.html"), 404
    csrf.protect()  # POST without a valid token: CSRFError, answered below
    g.console_user = _session_user(store, current_runtime().now())
    if g.console_user is not None or request.endpoint in PUBLIC:
        return None
    if request.endpoint == LIVE:  # the page's script goes to the login page
        return Response("", 401, {"X-Console-Login": url_for(".login")})
    wanted = request.full_path if request.method == "GET" else None
    return redirect(url_for(".login", next=wanted))


# What ends a session: (the session's stamp, how long after it, what the login page then says).
SESSION_ENDS = (
    (
        "seen",  # the last page asked for (the Now page's refresh does not count)
        IDLE_TIMEOUT,
        f"Su sesión venció tras {IDLE_TIMEOUT // timedelta(hours=1)} horas sin uso. "
        "Ingrese de nuevo.",
    ),
    (
        "since",  # the login
        SESSION_LIMIT,
        f"Su sesión venció: ingresó hace más de {SESSION_LIMIT // timedelta(hours=1)} horas. "
        "Ingrese de nuevo.",
    ),
)


def _session_user(store: ConsoleStore, now: datetime) -> User | None:
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    for key, limit, ended in SESSION_ENDS:
        stamp = session.get(key)
        if not isinstance(stamp, int | float) or now.timestamp() - stamp > limit.total_seconds():
            session.clear()
            flash(ended, "info")
            return None
    # The cookie is only a key: the session's row says whether it is still open («Salir», a
    # password change or the user's removal end it on every host, copied cookies included).
    user = store.session_user(token, now - SESSION_LIMIT)
    if user is None:
        session.clear()
        flash(
            "Su sesión terminó: se cerró, o su cuenta o su contraseña cambió. Ingrese de nuevo.",
            "info",
        )
        return None
    if request.endpoint != LIVE:
        session["seen"] = now.timestamp()
    return user


def operator_only(view: View) -> View:
    """Refuse (403) a viewer: only operators change anything."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if not _user().is_operator:
            message = "Solo un operador puede hacer esto; su cuenta es de lector."
            return render_template("console/error.html", message=message), 403
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]  # wraps types the wrapper Any, not View


def _actor() -> Actor:
    return Actor(_user().name, Door.CONSOLE)


def _audit(action: AuditAction, detail: str = "") -> None:
    record(current_runtime(), _actor(), action, detail)


@blueprint.after_request
def _headers(response: Response) -> Response:
    """No framing, no foreign scripts or styles, no caching of what a page showed."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint not in STYLESHEETS:
        response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.errorhandler(CSRFError)
def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    log.warning("console form refused: %s", error.description)
    message = (
        "El formulario no se aceptó porque venció o no vino de esta consola. "
        "Vuelva a cargar la página e intente de nuevo."
    )
    return render_template("console/error.html", message=message), 400


def _store_failed(error: Exception) -> tuple[str, int]:
    log.error("console: the database failed: %s", describe(error))
    message = "La base de datos no responde en este momento. Intente de nuevo en un minuto."
    return render_template("console/error.html", message=message), 503


for _error in STORE_ERRORS:
    blueprint.register_error_handler(_error, _store_failed)


@blueprint.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Answer | HTTPException:
    """Answer an HTTP error on a console route with the console's page, same status."""
    if error.code is None or error.code < 400:
        return error
    message = HTTP_ERRORS.get(error.code, f"La consola no pudo atender el pedido ({error.code}).")
    return render_template("console/error.html", message=message), error.code


@blueprint.errorhandler(Exception)
def _unexpected(error: Exception) -> tuple[str, int]:
    """Log a failure of a console page; answer with the console's page, a real 500."""
    log.exception("console: unexpected error on %s %s", request.method, request.path)
    return render_template("console/error.html", message=UNEXPECTED), 500


# -- formatting ------------------------------------------------------------------------------
@blueprint.app_template_filter("cuando")
def _when(moment: datetime | None) -> str:
    """'miércoles 18 de noviembre, 10:00' in Lima time."""
    if moment is None:
        return "—"
    return when_words(moment)


@blueprint.app_template_filter("mesa")
def _desk(queue: str) -> str:
    """A desk by the name the menus give it, not its queue."""
    return desk_name(current_runtime().config.menus, queue)


@blueprint.app_template_filter("sede")
def _campus(campus: str) -> str:
    return campus_name(campus)


@blueprint.app_template_filter("nodo")
def _node(node_id: str) -> str:
    return node_name(current_runtime().config.menus, node_id)


@blueprint.app_template_filter("rol")
def _role(role: str) -> str:
    return role_name(role)


@blueprint.app_template_filter("duracion")
def _duration(seconds: int) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {rest} s" if minutes else f"{rest} s"


@dataclass(frozen=True, slots=True)
class NavItem:
    endpoint: str
    label: str
    operators_only: bool = False
    also: tuple[str, ...] = ()  # other endpoints of the same page

    @property
    def current(self) -> tuple[str, ...]:
        return (self.endpoint, *self.also)


# The console's sections, in the order of its navigation.
NAV = [
    NavItem("console.now", "Ahora"),
    NavItem("console.calls", "Llamadas"),
    NavItem("console.calendar", "Calendario"),
    NavItem("console.menu", "Menú"),
    NavItem("console.callbacks", "Devoluciones"),
    NavItem("console.desk", "Mesa", also=("console.desk_state",)),
    NavItem("console.reminders", "Recordatorios"),
    NavItem(
        "console.closures",
        "Cierres",
        also=("console.closures_add", "console.closures_remove"),
    ),
    NavItem(
        "console.switch",
        "Cierre de emergencia",
        True,
        ("console.switch_set", "console.switch_clear"),
    ),
    NavItem("console.audit", "Auditoría"),
]
AUDIT_ACTIONS = {action.value: action.words for action in AuditAction}


@blueprint.context_processor
def _globals() -> dict[str, Any]:
    user = g.get("console_user")
    operator = isinstance(user, User) and user.is_operator
    return {
        "console_user": user,
        "console_nav": [item for item in NAV if operator or not item.operators_only],
        "audit_actions": AUDIT_ACTIONS,
        "csrf_token": generate_csrf,
    }


# -- login and logout ------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    """Only a console path: never another site's address (an open redirect)."""
    if target:
        parts = urlsplit(target)
        # "/console/../voice" leaves the console once the browser resolves it
        inside = posixpath.normpath(parts.path) + "/"
        if not parts.scheme and not parts.netloc and inside.startswith("/console/"):
            return target.rstrip("?")
    return url_for(".now")


def _refused(refusal: Refused, now: datetime) -> str:
    """What a refused login says: why, and when to try again (a wait, or an hour in Lima)."""
    seconds = max(1, math.ceil((refusal.until - now).total_seconds()))
    if seconds < 120:
        return f"{REFUSED[refusal.reason]} Intente de nuevo en {seconds} segundos."
    return f"{REFUSED[refusal.reason]} Intente de nuevo a las {to_lima(refusal.until):%H:%M}."


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Answer:
    target = request.values.get("next", "")
    if CONTROL.search(target):  # never let it near the Location header
        return render_template("console/error.html", message=BAD_NEXT), 400
    if g.console_user is not None and request.method == "GET":
        return redirect(url_for(".now"))
    if request.method == "GET":
        return render_template("console/login.html", next=target)
    rt = current_runtime()
    now = rt.now()
    store = _store()
    name = request.form.get("name", "")[:64].strip()
    password = request.form.get("password", "")
    address = (request.remote_addr or "-")[:64]
    attempt = store.attempt(account_key(keys().login_key, name), name, address, now)
    if isinstance(attempt, Refused):
        log.warning("console login refused before checking: too many failures (%s)", attempt.reason)
        page = render_template(
            "console/login.html", next=target, error=_refused(attempt, now), name=name
        )
        wait = max(1, math.ceil((attempt.until - now).total_seconds()))
        return Response(page, 429, {"Retry-After": str(wait)})
    user = store.get(name) if name else None
    if not check_password(user, password) or user is None:
        log.info("console login failed")  # counted already, by store.attempt
        return render_template("console/login.html", next=target, error=LOGIN_FAILED, name=name)
    store.succeeded(attempt)
    session.clear()
    session.permanent = True
    token = store.start_session(user.name, address, now)
    session.update(sid=token, seen=now.timestamp(), since=now.timestamp())
    g.console_user = user
    _audit(AuditAction.LOGIN)
    return redirect(_safe_next(target))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Answer:
    _audit(AuditAction.LOGOUT)
    _store().end_session(session["sid"], current_runtime().now())
    session.clear()
    flash("Sesión cerrada.", "info")
    return redirect(url_for(".login"))


# -- Now -------------------------------------------------------------------------------------
def _now_view(rt: Runtime) -> dict[str, Any]:
    now = rt.now()
    override = _override(rt, now)
    calls = live.calls_now(rt.engine, now)
    pending = rt.callbacks.list(status="pending")
    desks = live.desks_now(calls, now)
    return {
        "now": now,
        "override": override,
        "lines": live.lines_now(rt, now, override),
        "messages": live.messages_now(rt, now, override),
        "calls": calls,
        "desks": desks,
        "board": live.board(rt, desks, pending, now),
        "pending": live.pending_per_desk(pending),
        "pending_total": len(pending),
        "reload": live.reload_now(rt),
    }


@blueprint.route("/", methods=["GET"])
def now() -> str:
    return render_template("console/now.html", **_now_view(current_runtime()))


@blueprint.route("/now/live", methods=["GET"], endpoint="live")
def live_fragment() -> str:
    """The Now page's changing part, fetched by its script every few seconds."""
    return render_template("console/_now_live.html", **_now_view(current_runtime()))


# -- callbacks -------------------------------------------------------------------------------
@blueprint.route("/callbacks", methods=["GET"])
def callbacks() -> str:
    rt = current_runtime()
    now = rt.now()
    pending = rt.callbacks.list(status="pending")
    desks = sorted({callback.desk for callback in pending})
    chosen = request.args.get("mesa", "")
    operator = _user().is_operator
    rows = [
        {
            "id": callback.id,
            "requested_at": callback.requested_at,
            "age": age_words(now - callback.requested_at),
            "desk": callback.desk,
            "campus": callback.campus,
            # the operator dials it; a viewer needs only to see that it is there
            "number": callback.number if operator else mask_number(callback.number),
            "attempts": callback.attempts,
        }
        for callback in pending
        if not chosen or callback.desk == chosen
    ]
    return render_template(
        "console/callbacks.html", rows=rows, desks=desks, chosen=chosen, outcomes=OUTCOME_WORDS
    )


# The outcome buttons of a callback, in the order shown: (outcome, button, flash).
OUTCOME_WORDS = (
    ("reached", "Contactada", "marcada como contactada"),
    ("unreached", "No contestó", "sigue pendiente: se contó el intento"),
    ("cancelled", "Cancelar", "cancelada"),
)


def age_words(age: timedelta) -> str:
    """Say how long ago: "hace 12 min", "hace 2 h 5 min", "hace menos de 1 min"."""
    minutes = max(0, int(age.total_seconds() // 60))
    if minutes < 1:
        return "hace menos de 1 min"
    hours, minutes = divmod(minutes, 60)
    if hours >= 24:
        return f"hace {hours // 24} d {hours % 24} h"
    return f"hace {hours} h {minutes} min" if hours else f"hace {minutes} min"


@blueprint.route("/callbacks/<int:callback_id>/done", methods=["POST"])
@operator_only
def callback_done(callback_id: int) -> Answer:
    try:
        mark_callback(current_runtime(), _actor(), callback_id, "done", if_pending=True)
    except ActionRefused as refused:
        flash(refused.es, "error")
        return redirect(url_for(".callbacks"))
    flash(f"Solicitud {callback_id} marcada como hecha.", "info")
    return redirect(url_for(".callbacks"))


@blueprint.route("/callbacks/<int:callback_id>/outcome", methods=["POST"])
@operator_only
def callback_outcome(callback_id: int) -> Answer:
    outcome = request.form.get("outcome", "")
    back = url_for(".callbacks", mesa=request.form.get("mesa") or None)
    try:
        record_outcome(current_runtime(), _actor(), callback_id, outcome)
    except ActionRefused as refused:
        flash(refused.es, "error")
        return redirect(back)
    said = next(words for key, _, words in OUTCOME_WORDS if key == outcome)
    flash(f"Solicitud {callback_id} {said}.", "info")
    return redirect(back)


# -- the emergency switch --------------------------------------------------------------------
def _switch_form(rt: Runtime) -> tuple[str, datetime | None, dict[str, str]]:
    """Read the switch's form: the message, the optional end, and what is wrong with them."""
    now = rt.now()
    message = request.form.get("message", "").strip()
    until_text = request.form.get("until", "").strip()
    errors: dict[str, str] = {}
    until = parse_moment(until_text) if until_text else None
    if until_text and until is None:
        errors["until"] = "Escriba la fecha y hora de fin como AAAA-MM-DD HH:MM (hora de Lima)."
    try:
        check_override(now, message, until)
    except ActionRefused as refused:
        errors.setdefault(refused.field or "message", refused.es)
    return message, until, errors


def _switch_page(rt: Runtime, status: int = 200, **values: Any) -> tuple[str, int]:
    now = rt.now()
    page = render_template(
        "console/switch.html",
        override=_override(rt, now),
        now=now,
        limit=SAY_LIMIT,
        **values,
    )
    return page, status


@blueprint.route("/switch", methods=["GET"])
@operator_only
def switch() -> Answer:
    return _switch_page(current_runtime())


@blueprint.route("/switch/set", methods=["POST"])
@operator_only
def switch_set() -> Answer:
    """Check the form; show the confirmation; on confirmation, close every line."""
    rt = current_runtime()
    message, until, errors = _switch_form(rt)
    form = {"message": message, "until": request.form.get("until", "").strip()}
    if errors:
        return _switch_page(rt, 422, errors=errors, form=form)
    if request.form.get("confirm") != "yes":
        return render_template("console/switch_confirm.html", action="set", form=form, until=until)
    try:
        set_override(rt, _actor(), message, until)
    except ActionRefused as refused:  # the form was right, but its end passed while confirming
        return _switch_page(rt, 422, errors={refused.field or "message": refused.es}, form=form)
    flash("Cierre de emergencia activado: todas las líneas están cerradas.", "info")
    return redirect(url_for(".switch"))


@blueprint.route("/switch/clear", methods=["POST"])
@operator_only
def switch_clear() -> Answer:
    """Show the confirmation; on confirmation, remove the override the operator saw."""
    rt = current_runtime()
    override = _override(rt, rt.now())
    if override is None:
        flash("No hay un cierre de emergencia activo.", "info")
        return redirect(url_for(".switch"))
    seen = request.form.get("set_at", "")
    if request.form.get("confirm") != "yes" or seen != override.set_at.isoformat():
        # first step, or another operator set a new one meanwhile: confirm what is there now
        return render_template("console/switch_confirm.html", action="clear", override=override)
    try:
        clear_override(rt, _actor(), only=override)
    except ActionRefused as refused:
        flash(refused.es, "error")
        return redirect(url_for(".switch"))
    flash("Cierre de emergencia quitado: los horarios deciden de nuevo.", "info")
    return redirect(url_for(".switch"))


# -- the audit log ---------------------------------------------------------------------------
AUDIT_SHOWN = 200


@blueprint.route("/audit", methods=["GET"])
def audit() -> str:
    """The newest entries a page at a time; «Anteriores» goes on past the last one shown."""
    raw = request.args.get("antes", "")
    before = int(raw) if raw.isdigit() and len(raw) < 19 else None
    entries = _store().audit_log(AUDIT_SHOWN + 1, before=before)  # one more: is there a next?
    older = entries[AUDIT_SHOWN - 1].id if len(entries) > AUDIT_SHOWN else None
    return render_template(
        "console/audit.html",
        entries=entries[:AUDIT_SHOWN],
        shown=AUDIT_SHOWN,
        paged=before is not None,
        older=older,
    )
