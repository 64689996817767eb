"""The operator console: server-rendered pages under /console/, in Spanish, for people.

What keeps it apart from the webhooks:

- Its session is a signed cookie (Flask's) keyed with a subkey of the server key, so every
  host reads the cookies of every other; the cookie's path is /console, so Twilio's requests
  never carry it, and it is HttpOnly, SameSite=Lax, and Secure when IVR_PUBLIC_URL is https.
  The cookie holds only the key of a session row in the shared database (``console_sessions``),
  checked on every page: «Salir», a password change or a removed user end it on every host.
- Every form carries a CSRF token (Flask-WTF's CSRFProtect), checked on the console's own
  routes only: the webhooks are authenticated by Twilio's signature instead, and a console
  route is never reachable by a Twilio signature (every one asks for a logged-in user).
- Its hooks (the gate, the security headers, the error pages) are the blueprint's, never the
  app's: a webhook runs none of them, and the console none of the webhooks'.
- With no console user defined the console is off: every page answers 404, saying how to
  create the first user (``flask --app app ivr users add NAME --role operator``).

Modules: ``blueprint`` (the blueprint and what its pages share), ``views`` (login, Now,
callbacks, the switch, the audit log, and the hooks), ``live`` (the Now page's data),
``closures`` (closures and special hours added here), ``reports`` (calls, calendar, menu
map) with their data in ``callspage``, ``charts``, ``calendar`` and ``menumap``; ``desk`` (the
«Mesa» page: desks' agents and who waits).
"""

from __future__ import annotations

from flask import Flask

from ivr.console import (  # noqa: F401 (importing them adds their pages and hooks)
    closures,
    desk,
    reminders,
    reports,
    views,
)
from ivr.console.blueprint import (
    COOKIE,
    EXTENSION,
    IDLE_TIMEOUT,
    ConsoleKeys,
    ConsoleSessions,
    blueprint,
)
from ivr.runtime import EXTENSION as RUNTIME
from ivr.runtime import Runtime
from ivr.secret import server_key, subkey

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    """Mount the console on ``app``: session cookie settings, CSRF, the blueprint."""
    runtime = app.extensions[RUNTIME]
    assert isinstance(runtime, Runtime), "mount the console after the runtime (create_app)"
    settings = runtime.settings
    key = server_key(settings)  # Runtime.start read it already: a bad key stopped the start
    app.secret_key = subkey(key, "console-session")
    app.extensions[EXTENSION] = ConsoleKeys(login_key=subkey(key, "console-login"))
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH=blueprint.url_prefix,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_url and settings.public_url.startswith("https")),
        # The idle timeout is the console's own (on the runtime's clock, IDLE_TIMEOUT); this
        # bounds the cookie itself, should a browser keep it.
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
        # CSRFProtect.init_app is not called (it would add an app-wide hook): views._gate
        # calls csrf.protect() on the console's routes, which reads these.
        WTF_CSRF_ENABLED=True,
        WTF_CSRF_METHODS={"POST", "PUT", "PATCH", "DELETE"},
        WTF_CSRF_FIELD_NAME="csrf_token",
        WTF_CSRF_HEADERS=["X-CSRFToken", "X-CSRF-Token"],
        WTF_CSRF_SSL_STRICT=True,
        # A token lives as long as the session that holds it (the idle timeout ends both).
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = ConsoleSessions()
    app.register_blueprint(blueprint)
