"""The application factory."""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import clock as clock_module
from ivr import console
from ivr.clock import Clock
from ivr.config.errors import ConfigError
from ivr.observability import metrics, wallboard
from ivr.observability.logs import configure_logging
from ivr.observability.metrics import instrument
from ivr.observability.wallboard import LiveCollector
from ivr.runtime import EXTENSION, Runtime, current_runtime
from ivr.scheduler import start_in_process
from ivr.secret import SecretKeyError
from ivr.settings import AppSettings, SettingsError, load_settings
from ivr.storage.database import DatabaseError
from ivr.web import agents, health, queue, sms, voice
from ivr.web.security import BodyLimit, too_large

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
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's middleware hook
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
            x_port=settings.trusted_proxies,
        )
    limited = BodyLimit(app.wsgi_app, settings.max_body_bytes)
    app.wsgi_app = limited  # type: ignore[method-assign]  # Flask's middleware hook
    # No redirects of our own: Twilio would get an HTML page for "//" or a trailing "/". Such
    # paths are unknown, and unknown paths under /voice still answer TwiML.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    # Each door has its own hooks on its blueprints: the webhooks (ivr.web.webhook) and the
    # console. Only what holds for every request is the app's: watching the operator files,
    # the health check, and the answer to an error no door handled.
    app.before_request(_watch_files)
    app.register_error_handler(Exception, _on_error)
    app.add_url_rule("/healthz", "healthz", _healthz, methods=["GET"])
    app.register_blueprint(voice.blueprint)
    app.register_blueprint(queue.blueprint)  # callers waiting for a desk
    app.register_blueprint(sms.blueprint)  # texts to the reminders' number (BAJA)
    app.register_blueprint(health.blueprint)  # /readyz, for load balancers
    app.register_blueprint(agents.blueprint)  # desks answered by the service: agents' legs
    console.init_app(app)  # the operator console, /console/
    instrument(app)  # GET /metrics, and request latency per route
    app.extensions[metrics.LIVE] = LiveCollector(
        lambda: wallboard.read(runtime.engine, runtime.now()), runtime.now
    )  # the desks now, as gauges
    start_in_process(app)  # only when IVR_IN_PROCESS_SCHEDULER is set; never twice
    return app


def _watch_files() -> None:
    """Start this process's watcher of the operator files, if not yet (never loads them here)."""
    current_runtime().watch()


def _healthz() -> Response:
    rt = current_runtime()
    body: Mapping[str, object] = {
        "status": "ok",
        "config": rt.config.fingerprint,
        "config_loaded_at": rt.loaded_at.isoformat() if rt.loaded_at else None,
        "config_error": bool(rt.last_error),
    }
    return jsonify(body)


def _on_error(error: Exception) -> Response | HTTPException:
    """Outside the doors' own handlers, HTTP errors stay HTTP errors, the rest a plain 500."""
    if isinstance(error, RequestEntityTooLarge):  # MAX_CONTENT_LENGTH, under BodyLimit's check
        return too_large(current_runtime().settings.max_body_bytes)
    if isinstance(error, HTTPException):
        return error
    log.exception("unexpected error on %s %s", request.method[:16], request.path[:300])
    return Response("internal error\n", 500, mimetype="text/plain")


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
