"""Gunicorn settings for the IVR in production: ``gunicorn -c deploy/gunicorn.conf.py app:app``.

Every value can be overridden from the environment (names below) without editing this file; the
variables are read and checked by ``ivr.settings`` (``ServerSettings``), so a bad value stops the
start with its name, its value and what is expected. docs/deploy.md explains each choice, and
``python bench/run.py`` measures them on a machine. The benchmark serves its bare endpoint with
this same file, so it imports only what it needs of the app: the settings and the log escaping.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from gunicorn import glogging

from ivr.observability.logs import escape
from ivr.observability.privacy import redact
from ivr.settings import SettingsError, load_server_settings

try:
    settings = load_server_settings()
except SettingsError as error:
    # SystemExit passes through gunicorn's loading of this file: a message, not a traceback.
    sys.exit(f"{error}\n(in the environment of {__file__})")


def _cores() -> int:
    try:  # the cores this process may run on (containers, taskset), not the host's count
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- where to listen -------------------------------------------------------------------------
# Behind a TLS proxy on the same host: loopback. Twilio reaches the proxy over https only.
bind = settings.bind
backlog = 2048

# -- workers ---------------------------------------------------------------------------------
# 2 x cores + 1, capped: each webhook is CPU-bound Python with no slow I/O on the menu path, so
# more processes only add memory and context switches.
workers = settings.workers or min(2 * _cores() + 1, 9)
# sync: one request at a time per process. bench/run.py on 2 cores: the least CPU per request
# and by far the shortest tail; gthread's threads fight over the GIL for CPU-bound requests
# (p99 4-10 times worse) and save only the connect that a sync worker pays per request.
worker_class = settings.worker_class
threads = settings.threads
# Recycle each worker after this many requests (with jitter, so they do not restart together):
# a slow leak can never grow without bound, and with preload_app a new worker is a cheap fork.
max_requests = settings.max_requests
max_requests_jitter = settings.max_requests_jitter

# -- time limits -----------------------------------------------------------------------------
# Twilio waits 15 s for a webhook, then plays the Fallback URL: kill a stuck request well before
# that, so the worker serves again and the caller hears the fallback rather than dead air.
timeout = settings.timeout
# On SIGTERM or a HUP restart, requests in flight may finish: none lives longer than ``timeout``.
graceful_timeout = settings.graceful_timeout
# Seconds an idle connection stays open (gthread only: sync closes after each answer). Keep it
# above the proxy's upstream idle timeout, so that the proxy closes first and never sends on a
# connection gunicorn is closing.
keepalive = settings.keepalive

# -- loading ---------------------------------------------------------------------------------
# Load the app, and with it every operator file (create_app checks them all), once in the
# master before forking: a bad file stops the start with one located report instead of each
# worker failing in turn, workers fork ready to answer, and they share the loaded pages.
# Sound only while create_app starts nothing a fork cannot copy: no thread, no scheduler (it
# runs as its own service, see docs/deploy.md; never in a worker, where each would run every
# job) and no database connection that a worker would then share (SQLite forbids using a
# connection opened before fork() in the child). With preload, SIGHUP does not load new code:
# restart to deploy a release. Operator files reload in each worker by themselves, in a
# background thread (post_worker_init, below).
preload_app = settings.preload

# Each worker's heartbeat file: on tmpfs where there is one (a busy disk can delay the
# heartbeat and get a healthy worker killed).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = settings.proc_name

# -- size limits -----------------------------------------------------------------------------
# Gunicorn bounds what it parses itself: the request line (method, path and query: a Twilio
# GET webhook carries its parameters there, a couple of kB) and the headers (Twilio sends about
# ten). It has no limit on the body: the app refuses a body over IVR_MAX_BODY_BYTES (64 kB by
# default) with 413 before reading it, on its Content-Length or, for a chunked body, as soon as
# the limit is passed. The proxy in front sets the same body limit (docs/deploy.md, nginx's
# client_max_body_size), so an oversized body does not even reach gunicorn.
limit_request_line = 4094  # bytes: gunicorn's default (it allows at most 8190)
limit_request_fields = 50  # header fields
limit_request_field_size = 8190  # bytes per header field

# -- logs ------------------------------------------------------------------------------------
# Access log: the path only (%(U)s: never the query string, never the form body, which carries
# the caller's number and the keys they pressed), status, bytes, duration in ms, worker pid,
# and X-Call-Sid when the app sets that response header ('-' otherwise): a CallSid is no
# secret and ties the line to Twilio's call log. Never add %(r)s or %(q)s (the query string)
# nor %({x-twilio-signature}i)s: a valid signature replays that request.
# Every value in the access log, and in gunicorn's own messages, is escaped onto one line and
# passes the app's redaction (codes, DNIs and amounts masked): the path of a forged request is
# logged too, and it must neither start a line of its own nor carry a student's code.
accesslog = settings.access_log
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms call=%({x-call-sid}o)s pid=%(p)s'
errorlog = settings.error_log
loglevel = settings.log_level

# -- metrics ---------------------------------------------------------------------------------
# prometheus_client counts per process; with several workers /metrics must add up every
# worker's values, which its multiprocess mode does through files in PROMETHEUS_MULTIPROC_DIR.
# prometheus_client reads the variable when first imported, so set it here, before the app is
# imported: by default a folder beside the app's data (IVR_DATA_DIR, as ivr.settings finds it).
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(settings.metrics_dir)
settings.metrics_dir.mkdir(parents=True, exist_ok=True)


def on_starting(server: Any) -> None:
    """Forget the metric files of a previous run (ivr.observability.metrics, repeated here).

    With preload_app this runs after the master loaded the app: the files it removes then are
    the previous run's and the master's own, which holds no request counts.
    """
    for stale in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        stale.unlink(missing_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    """Retire an exited worker's live gauges (prometheus_client multiprocess mode)."""
    try:
        from prometheus_client import multiprocess
    except ImportError:  # the bare benchmark endpoint, or metrics not installed
        return
    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def post_worker_init(worker: Any) -> None:
    """Start the worker's watcher of the operator files (``ivr.runtime.Runtime.watch``).

    A worker forked from the preloaded master holds the files as they were when the master
    started: it looks at them once now, before it serves, then every IVR_RELOAD_SECONDS in the
    background. Found on the app rather than imported: the bare benchmark endpoint has none.
    """
    extensions = getattr(worker.wsgi, "extensions", None)
    runtime = extensions.get("ivr") if isinstance(extensions, dict) else None
    watch = getattr(runtime, "watch", None)
    if callable(watch):
        watch(check_first=True)


class _EscapedAtoms(glogging.SafeAtoms):
    r"""The access log's values, each escaped onto one line and redacted as it is used.

    In a quoted field every backslash then starts an escape (``\\``, ``\"``, ``\n``, ``\x00``):
    a path ending in a backslash cannot close its quotes early.
    """

    def __init__(self, atoms: dict[str, Any]) -> None:
        doubled = {
            k: v.replace("\\", "\\\\") if isinstance(v, str) else v for k, v in atoms.items()
        }
        super().__init__(doubled)  # then gunicorn escapes the quotes

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key)
        return escape(redact(value)) if isinstance(value, str) else value


class _OneLine(logging.Filter):
    """Gunicorn's own messages (``Invalid request from ip=...: ...`` quotes the request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = escape(redact(record.getMessage())), None
        return True


_ONE_LINE = _OneLine()


class EscapedLogger(glogging.Logger):
    atoms_wrapper_class = _EscapedAtoms

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(_ONE_LINE)  # the same filter object is never added twice


logger_class = EscapedLogger
