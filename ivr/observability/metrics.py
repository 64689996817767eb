"""Prometheus metrics: webhook latency, call events, configuration reloads, verifications.

Several gunicorn workers
------------------------
Each worker is its own process with its own counters, so a scrape that reaches one worker sees
a fraction of the truth. ``prometheus_client``'s multiprocess mode fixes that: every process
writes its values to files in ``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` adds them up.

- Set ``PROMETHEUS_MULTIPROC_DIR`` in the environment *before* the server starts (shell,
  systemd unit or container env, not ``raw_env``): ``prometheus_client`` picks its storage when
  it is first imported. Point it at an empty directory writable by the workers.
- Empty that directory before the master starts workers: values of a previous run would be
  added in. ``gunicorn_on_starting`` does it (gunicorn ``on_starting`` hook), and
  ``gunicorn_child_exit`` calls ``multiprocess.mark_process_dead(worker.pid)`` (``child_exit``).
  Every metric here is a counter or a histogram, which outlive their worker by design (a
  restart must not lower a total); ``mark_process_dead`` matters once a live gauge is added.
  ``deploy/gunicorn.conf.py`` must stay free of app imports, so it repeats these few lines
  rather than importing them.
- Without the variable (``flask run``, tests) the default single-process registry is used.

Access
------
``GET /metrics`` carries no Twilio signature and tells how busy the lines are: serve it only on
an internal network, firewall it, or set ``IVR_METRICS_TOKEN`` (environment, or the app config)
so that a scrape must send ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from ivr.core.events import CallEvent
from ivr.storage.database import STORE_ERRORS, describe

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LIVE = "ivr.metrics.live"  # app.extensions: the LiveCollector of the desks now
log = logging.getLogger("ivr.metrics")
TOKEN_ENV = "IVR_METRICS_TOKEN"

# Labels come from code (route and event names), but a bug must not explode the number of
# series: anything that does not look like a name is counted as "other".
_NAME = re.compile(r"^[a-z][a-z0-9_.\-]{0,47}$")

# Twilio gives up on a webhook after 15 s; a step should take a few milliseconds.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)

REQUEST_SECONDS = Histogram(
    "ivr_webhook_request_duration_seconds",
    "Time to answer a request, by Flask endpoint (route name, not path).",
    ["endpoint"],
    buckets=LATENCY_BUCKETS,
)
REQUESTS = Counter(
    "ivr_webhook_requests",
    "Requests answered, by Flask endpoint and HTTP status.",
    ["endpoint", "status"],
)
CALL_EVENTS = Counter(
    "ivr_call_events",
    "Webhook outcomes by flow event (call_start, transfer, after_hours, hangup, ...).",
    ["event"],
)
CONFIG_RELOADS = Counter(
    "ivr_config_reloads",
    "Operator file changes loaded (each worker reloads for itself).",
)
CONFIG_RELOAD_FAILURES = Counter(
    "ivr_config_reload_failures",
    "Operator file changes rejected; the last good configuration kept serving.",
)
VERIFICATIONS = Counter(
    "ivr_selfservice_verifications",
    "Self-service identity checks by result (verified, rejected, locked, unavailable).",
    ["result"],
)
FAILURE_ALARMS = Counter(
    "ivr_verification_failure_alarms",
    "Failed verifications that came while failures across all codes were over "
    "IVR_FAILURE_ALARM_PER_HOUR in the last hour: any increase means someone may be guessing.",
)
DROPPED_RECORDS = Counter(
    "ivr_call_records_dropped",
    "Call record rows dropped: the writer fell behind, or they came after shutdown.",
)
OUTBOUND_REFUSED = Counter(
    "ivr_outbound_refused",
    "Callback requests and texts refused by the limits of queues.yaml, by kind (callback, sms) "
    "and the limit (per_caller, per_number, total): a rise means someone may be aiming them at "
    "a number or running up a bill.",
    ["kind", "scope"],
)
QUEUE_WAIT_BUCKETS = (15, 30, 60, 120, 180, 300, 450, 600, 900, 1200, 1800, 3600)
QUEUE_SECONDS = Histogram(
    "ivr_queue_wait_seconds",
    "Time callers spent waiting in a desk's queue (Twilio's QueueTime), by desk.",
    ["desk"],
    buckets=QUEUE_WAIT_BUCKETS,
)
QUEUE_RESULTS = Counter(
    "ivr_queue_results",
    "Callers out of a desk's queue, by desk and result (answered, abandoned, left_callback, "
    "left_closing, left_max_wait, failed, redirected).",
    ["desk", "result"],
)


def _label(value: str) -> str:
    return value if _NAME.match(value) else "other"


# Labelled children, looked up once per label value: they are on every webhook's path. (Safe
# across a fork: in multiprocess mode a value notices a new pid and opens that process's file.)
@lru_cache(maxsize=256)
def _request_series(endpoint: str | None, status: int) -> tuple[Any, Any]:
    name = _label(endpoint) if endpoint else "unmatched"
    code = str(status) if 100 <= status <= 599 else "other"
    return REQUEST_SECONDS.labels(name), REQUESTS.labels(name, code)


@lru_cache(maxsize=256)
def _event_series(event: str) -> Any:
    return CALL_EVENTS.labels(_label(event))


def observe_request(endpoint: str | None, seconds: float, status: int) -> None:
    """Count a request and its latency under its route name (None: no route matched)."""
    latency, requests = _request_series(endpoint, status)
    latency.observe(max(seconds, 0.0))
    requests.inc()


def count_event(event: CallEvent) -> None:
    """Count a webhook's flow outcome (``ivr.core.flow.Outcome.event``)."""
    _event_series(event).inc()


def count_reload(ok: bool) -> None:
    """Count a configuration reload that was loaded (ok) or rejected."""
    (CONFIG_RELOADS if ok else CONFIG_RELOAD_FAILURES).inc()


def count_verification(result: str) -> None:
    """Count a self-service identity check by its result."""
    VERIFICATIONS.labels(_label(result)).inc()


def count_failure_alarm() -> None:
    """Count a failed verification made while the failure alarm is raised."""
    FAILURE_ALARMS.inc()


def count_outbound_refused(kind: str, scope: str) -> None:
    """Count a callback request or a text refused by a limit."""
    OUTBOUND_REFUSED.labels(_label(kind), _label(scope)).inc()


def observe_queue(desk: str, result: str, seconds: int | None) -> None:
    """Count a caller out of a desk's queue, and how long they waited when Twilio said."""
    QUEUE_RESULTS.labels(_label(desk), _label(result)).inc()
    if seconds is not None:
        QUEUE_SECONDS.labels(_label(desk)).observe(max(seconds, 0))


def count_dropped_records(rows: int) -> None:
    DROPPED_RECORDS.inc(rows)


def exposition() -> bytes:
    """Return the metrics in Prometheus text format, summed over workers in multiprocess mode."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()  # prometheus_client docs: a fresh one per scrape
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # unannotated
        return generate_latest(registry)
    return generate_latest(REGISTRY)


# -- the Flask app ------------------------------------------------------------------------------
_STARTED = "ivr.metrics.started"


def instrument(app: Flask) -> None:
    """Mount GET /metrics and time every request of ``app`` by endpoint.

    The start time is stamped by a WSGI wrapper, before any ``before_request`` hook, so that
    requests refused early (a bad Twilio signature: 403) are timed and counted too.
    """
    app.register_blueprint(metrics_blueprint)
    inner = app.wsgi_app

    def stamped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        environ[_STARTED] = time.perf_counter()
        return inner(environ, start_response)

    app.wsgi_app = stamped  # type: ignore[method-assign]  # Flask's documented middleware hook

    @app.after_request
    def _observe(response: Response) -> Response:
        started = request.environ.get(_STARTED)
        if isinstance(started, float):
            observe_request(request.endpoint, time.perf_counter() - started, response.status_code)
        return response


# -- /metrics ----------------------------------------------------------------------------------
metrics_blueprint = Blueprint("metrics", __name__)


@metrics_blueprint.route("/metrics", methods=["GET"])
def metrics() -> Response:
    """Serve the metrics; with IVR_METRICS_TOKEN set, only to a matching bearer token."""
    token = current_app.config.get(TOKEN_ENV) or os.environ.get(TOKEN_ENV)
    if token and not _bearer_matches(request.headers.get("Authorization", ""), str(token)):
        return Response(
            "Unauthorized: send Authorization: Bearer <IVR_METRICS_TOKEN>\n",
            401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            mimetype="text/plain",
        )
    body = exposition()
    live = current_app.extensions.get(LIVE)
    if live is not None:  # the desks now, from the shared database (ivr.observability.wallboard)
        try:
            body += live.exposition()
        except STORE_ERRORS as error:
            log.error("metrics: cannot read the desks now (%s)", describe(error))
    return Response(body, 200, content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())  # constant time


# -- gunicorn hooks ------------------------------------------------------------------------------
def gunicorn_on_starting(server: Any) -> None:
    """Empty PROMETHEUS_MULTIPROC_DIR before any worker starts (gunicorn ``on_starting``)."""
    folder = os.environ.get(MULTIPROC_ENV)
    if not folder:
        return
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def gunicorn_child_exit(server: Any, worker: Any) -> None:
    """Retire an exited worker's live values (gunicorn ``child_exit``, runs in the master)."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]  # unannotated
