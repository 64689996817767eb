"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from ivr import clock as clock_module
from ivr.clock import Clock
from ivr.observability.logs import configure_logging
from ivr.observability.metrics import instrument
from ivr.runtime import Runtime
from ivr.scheduler import start_in_process
from ivr.settings import load_settings
from ivr.web import queue, voice

log = logging.getLogger("ivr")


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: read settings, load and check every operator file (or fail), mount routes.

    ``config`` takes the same names as the environment (``IVR_CONFIG_DIR``,
    ``TWILIO_AUTH_TOKEN``, ``IVR_SKIP_SIGNATURE``, ...) plus ``CLOCK`` for tests. Nothing is
    started here unless configured: the scheduler is a separate, explicit step
    (``flask --app app ivr scheduler``), or in-process when ``IVR_IN_PROCESS_SCHEDULER`` is set.
    """
    options = dict(config or {})
    clock: Clock | None = options.pop("CLOCK", None)
    settings = load_settings(options)
    if not settings.serving_allowed and not settings.cli:
        raise RuntimeError(
            "TWILIO_AUTH_TOKEN is not set. Set it to your Twilio auth token, or for local "
            "development only set IVR_SKIP_SIGNATURE=1 to accept unsigned requests."
        )
    if not options.get("TESTING"):  # tests keep pytest's own log capture
        configure_logging(settings.log_json)
    app = Flask("ivr")
    app.config.update(options)
    runtime = Runtime.start(settings, clock or clock_module.now)
    app.extensions["ivr"] = runtime
    if settings.skip_signature:
        log.warning(
            "IVR_SKIP_SIGNATURE is set: webhooks accept requests without a valid Twilio "
            "signature. Never use this in production."
        )
    if settings.trusted_proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=settings.trusted_proxies,
            x_proto=settings.trusted_proxies,
            x_host=settings.trusted_proxies,
            x_port=settings.trusted_proxies,
        )
    # No redirects of our own: Twilio would get an HTML page for "//" or a trailing "/". Such
    # paths are unknown, and unknown paths under /voice still answer TwiML.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False
    app.register_blueprint(voice.blueprint)
    app.register_blueprint(queue.blueprint)  # callers waiting for a desk
    instrument(app)  # GET /metrics, and request latency per route
    start_in_process(app)  # only when IVR_IN_PROCESS_SCHEDULER is set; never twice
    return app
