"""The application factory."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import clock as clock_module
from ivr.clock import Clock
from ivr.config.errors import ConfigError
from ivr.observability.logs import configure_logging
from ivr.observability.metrics import instrument
from ivr.runtime import EXTENSION, Runtime
from ivr.scheduler import start_in_process
from ivr.secret import SecretKeyError
from ivr.settings import AppSettings, SettingsError, load_settings
from ivr.storage.database import DatabaseError
from ivr.web import agents, console, queue, voice
from ivr.web.security import BodyLimit

log = logging.getLogger("ivr")

# The exit status of a server that cannot start: gunicorn's "App failed to load", so that a
# worker that exits with it stops gunicorn instead of being started again and again (Werkzeug's
# reloader, under ``flask run --debug``, reads 3 as "restart": never use 3).
CANNOT_START = 4


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: read settings, load and check every operator file (or fail), mount routes.

    ``config`` takes the same names as the environment (``IVR_CONFIG_DIR``,
    ``TWILIO_AUTH_TOKEN``, ``IVR_SKIP_SIGNATURE``, ...) plus ``CLOCK`` for tests. Nothing is
    started here unless configured: the scheduler is a separate, explicit step
    (``flask --app app ivr scheduler``), or in-process when ``IVR_IN_PROCESS_SCHEDULER`` is set.
    """
    options = dict(config or {})
    clock: Clock | None = options.pop("CLOCK", None)
    settings = load_settings(options, serving=True)  # SettingsError names every bad one
    if not options.get("TESTING"):  # tests keep pytest's own log capture
        configure_logging(settings.log_json)
    app = Flask("ivr")
    app.config.update(options)
    # Bodies over the limit are refused unread by BodyLimit (below); MAX_CONTENT_LENGTH makes
    # Werkzeug never read past it, whatever reads the body.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    if settings.metrics_token:
        app.config.setdefault("IVR_METRICS_TOKEN", settings.metrics_token)
    runtime = Runtime.start(settings, clock or clock_module.now)
    app.extensions[EXTENSION] = runtime
    _warn_about_risks(settings)
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
            x_port=settings.trusted_proxies,
        )
    app.wsgi_app = BodyLimit(app.wsgi_app, settings.max_body_bytes)  # type: ignore[method-assign]
    # No redirects of our own: Twilio would get an HTML page for "//" or a trailing "/". Such
    # paths are unknown, and unknown paths under /voice still answer TwiML.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.register_blueprint(voice.blueprint)
    app.register_blueprint(queue.blueprint)  # callers waiting for a desk
    app.register_blueprint(agents.blueprint)  # desks answered by the service: agents' legs
    console.init_app(app)  # the operator console, /console/
    instrument(app)  # GET /metrics, and request latency per route
    start_in_process(app)  # only when IVR_IN_PROCESS_SCHEDULER is set; never twice
    return app


def _warn_about_risks(settings: AppSettings) -> None:
    """Log, at start, the settings that weaken the check that a request comes from Twilio."""
    if settings.skip_signature:
        log.warning(
            "IVR_SKIP_SIGNATURE is set: webhooks accept requests without a valid Twilio "
            "signature. Never use this in production."
        )
    elif not settings.public_url and not settings.cli:
        log.warning(
            "IVR_PUBLIC_URL is not set: Twilio signatures are checked against the URL rebuilt "
            "from each request's Host header%s, so a request Twilio signed for another host of "
            "the same account is accepted here. Set IVR_PUBLIC_URL to the base URL Twilio calls "
            "(e.g. https://ivr.example.edu).",
            " (and X-Forwarded-Host, from IVR_TRUSTED_PROXIES)" if settings.trusted_proxies else "",
        )


def create_app_for_server() -> Flask:
    """Build the app from the environment for ``flask run`` or gunicorn (``app.py``).

    A bad setting or operator file prints its report and exits with CANNOT_START: an operator
    reads what to fix, not a traceback.
    """
    try:
        return create_app()
    except (SettingsError, ConfigError, DatabaseError, SecretKeyError) as error:
        if isinstance(error, ConfigError):
            count = len(error.problems)
            print(
                f"cannot start: {count} problem{'s' if count != 1 else ''} in the operator files:",
                file=sys.stderr,
            )
            print("\n".join(f"  {problem}" for problem in error.problems), file=sys.stderr)
        elif isinstance(error, (DatabaseError, SecretKeyError)):
            print(f"cannot start: {error}", file=sys.stderr)
        else:
            print(error, file=sys.stderr)
        sys.stderr.flush()
        raise SystemExit(CANNOT_START) from None
