"""The operator console: server-rendered pages under /console/, in Spanish, for people.

What keeps it apart from the webhooks:

- Its session is a signed cookie (Flask's) keyed with a subkey of the server key, so every
  host reads the cookies of every other; the cookie's path is /console, so Twilio's requests
  never carry it, and it is HttpOnly, SameSite=Lax, and Secure when IVR_PUBLIC_URL is https.
- Every form carries a CSRF token (Flask-WTF's CSRFProtect), checked on the console's own
  routes only: the webhooks are authenticated by Twilio's signature instead, and a console
  route is never reachable by a Twilio signature (every one asks for a logged-in user).
- With no console user defined the console is off: every page answers 404, saying how to
  create the first user (``flask --app app ivr users add NAME --role operator``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, Request, current_app
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from ivr.runtime import EXTENSION as RUNTIME
from ivr.runtime import Runtime
from ivr.secret import server_key, subkey

EXTENSION = "ivr.console"
# A session unused this long ends: the next page asks for the password again.
IDLE_TIMEOUT = timedelta(hours=8)
# Any session ends this long after its login, used or not: a cookie taken from a browser
# left logged in does not open the console for ever.
SESSION_LIMIT = timedelta(hours=12)
COOKIE = "ivr_console"

csrf = CSRFProtect()


@dataclass(frozen=True)
class ConsoleKeys:
    """What the console signs with besides the session cookie."""

    login_key: bytes  # keys the hash failed logins are counted under


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions for the console's pages; no session anywhere else.

    Flask opens a session for every request, and building the cookie's signing serializer
    costs a webhook about 12 microseconds for a session it never uses (the cookie's path is
    /console, so no webhook carries one). Elsewhere Flask's null session stands in: empty,
    and any write to it raises.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(self.get_cookie_path(app)):
            return None
        return super().open_session(app, request)


def init_app(app: Flask) -> None:
    """Mount the console on ``app``: session cookie settings, CSRF, the blueprint."""
    from ivr.console import reports  # noqa: F401 (adds its pages to the blueprint)
    from ivr.console.views import blueprint

    runtime = app.extensions[RUNTIME]
    assert isinstance(runtime, Runtime), "mount the console after the runtime (create_app)"
    settings = runtime.settings
    key = server_key(settings)  # Runtime.start read it already: a bad key stopped the start
    app.secret_key = subkey(key, "console-session")
    app.extensions[EXTENSION] = ConsoleKeys(login_key=subkey(key, "console-login"))
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.public_url and settings.public_url.startswith("https")),
        # The idle timeout is the console's own (on the runtime's clock, IDLE_TIMEOUT); this
        # bounds the cookie itself, should a browser keep it.
        PERMANENT_SESSION_LIFETIME=IDLE_TIMEOUT,
        # Checked by the console's routes only (views.before_request), never the webhooks'.
        WTF_CSRF_CHECK_DEFAULT=False,
        # A token lives as long as the session that holds it (the idle timeout ends both).
        WTF_CSRF_TIME_LIMIT=None,
    )
    app.session_interface = ConsoleSessions()
    csrf.init_app(app)
    app.register_blueprint(blueprint)


def keys() -> ConsoleKeys:
    """The running app's console keys."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, ConsoleKeys), "the console is mounted by init_app"
    return found
