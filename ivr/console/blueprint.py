"""The console's blueprint, and what its pages share: CSRF, the session's limits, the keys.

Every console hook is registered on this blueprint (``views``), so it runs for the console's
routes only, never for a webhook. The session is the one piece Flask keeps app-wide (the
app's ``session_interface``, opened before a request is routed): ``ConsoleSessions`` opens it
only under the blueprint's own prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Flask, Request, current_app
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

PREFIX = "/console"
blueprint = Blueprint(
    "console",
    __name__,
    url_prefix=PREFIX,
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

EXTENSION = "ivr.console"
# A session unused this long ends: the next page asks for the password again.
IDLE_TIMEOUT = timedelta(hours=8)
# Any session ends this long after its login, used or not: a cookie taken from a browser
# left logged in does not open the console for ever.
SESSION_LIMIT = timedelta(hours=12)
COOKIE = "ivr_console"

# Never init_app'ed: that would add an app-wide hook and template global. The console's gate
# calls csrf.protect() and its context processor hands templates csrf_token (views).
csrf = CSRFProtect()


@dataclass(frozen=True)
class ConsoleKeys:
    """What the console signs with besides the session cookie."""

    login_key: bytes  # keys the hash failed logins are counted under


class ConsoleSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions for the console's pages; no session anywhere else.

    Flask opens a session for every request, and building the cookie's signing serializer
    costs a webhook about 12 microseconds for a session it never uses (the cookie's path is
    the console's prefix, so no webhook carries one). Elsewhere Flask's null session stands
    in: empty, and any write to it raises.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not under_console(request.path):
            return None
        return super().open_session(app, request)


def under_console(path: str) -> bool:
    """Whether ``path`` is the console's: its prefix, or below it (as a cookie's path matches)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


def keys() -> ConsoleKeys:
    """The running app's console keys."""
    found = current_app.extensions[EXTENSION]
    assert isinstance(found, ConsoleKeys), "the console is mounted by init_app"
    return found
