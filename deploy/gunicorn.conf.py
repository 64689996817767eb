"""Gunicorn settings for the IVR in production: ``gunicorn -c deploy/gunicorn.conf.py app:app``.

Every value can be overridden from the environment (names below) without editing this file;
docs/deploy.md explains each choice, and ``python bench/run.py`` measures them on a machine.
The benchmark serves its bare endpoint with this same file, so it imports nothing of the app.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

FALSE = {"0", "false", "no", "off"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _cores() -> int:
    try:  # the cores this process may run on (containers, taskset), not the host's count
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


# -- where to listen -------------------------------------------------------------------------
# Behind a TLS proxy on the same host: loopback. Twilio reaches the proxy over https only.
bind = [part.strip() for part in os.environ.get("IVR_BIND", "127.0.0.1:8000").split(",") if part]
backlog = 2048

# -- workers ---------------------------------------------------------------------------------
# 2 x cores + 1, capped: each webhook is CPU-bound Python with no slow I/O on the menu path, so
# more processes only add memory and context switches.
workers = _int("IVR_WORKERS", min(2 * _cores() + 1, 9))
# sync: one request at a time per process. bench/run.py on 2 cores: the least CPU per request
# and by far the shortest tail; gthread's threads fight over the GIL for CPU-bound requests
# (p99 4-10 times worse) and save only the connect that a sync worker pays per request.
worker_class = os.environ.get("IVR_WORKER_CLASS", "sync")
threads = _int("IVR_THREADS", 1)
# Recycle each worker after this many requests (with jitter, so they do not restart together):
# a slow leak can never grow without bound, and with preload_app a new worker is a cheap fork.
max_requests = _int("IVR_MAX_REQUESTS", 50_000)
max_requests_jitter = _int("IVR_MAX_REQUESTS_JITTER", 5_000)

# -- time limits -----------------------------------------------------------------------------
# Twilio waits 15 s for a webhook, then plays the Fallback URL: kill a stuck request well before
# that, so the worker serves again and the caller hears the fallback rather than dead air.
timeout = _int("IVR_TIMEOUT", 10)
# On SIGTERM or a HUP restart, requests in flight may finish: none lives longer than ``timeout``.
graceful_timeout = _int("IVR_GRACEFUL_TIMEOUT", 15)
# Seconds an idle connection stays open (gthread only: sync closes after each answer). Keep it
# above the proxy's upstream idle timeout, so that the proxy closes first and never sends on a
# connection gunicorn is closing.
keepalive = _int("IVR_KEEPALIVE", 75)

# -- loading ---------------------------------------------------------------------------------
# Load the app, and with it every operator file (create_app checks them all), once in the
# master before forking: a bad file stops the start with one located report instead of each
# worker failing in turn, workers fork ready to answer, and they share the loaded pages.
# Sound only while create_app starts nothing a fork cannot copy: no thread, no scheduler (it
# runs as its own service, see docs/deploy.md; never in a worker, where each would run every
# job) and no database connection that a worker would then share (SQLite forbids using a
# connection opened before fork() in the child). With preload, SIGHUP does not load new code:
# restart to deploy a release. Operator files reload in each worker by themselves.
preload_app = os.environ.get("IVR_PRELOAD", "1").strip().lower() not in FALSE

# Each worker's heartbeat file: on tmpfs where there is one (a busy disk can delay the
# heartbeat and get a healthy worker killed).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
proc_name = os.environ.get("IVR_PROC_NAME", "campus-ivr")

# -- logs ------------------------------------------------------------------------------------
# Access log: the path only (%(U)s: never the query string, never the form body, which carries
# the caller's number and the keys they pressed), status, bytes, duration in ms, worker pid,
# and X-Call-Sid when the app sets that response header ('-' otherwise): a CallSid is no
# secret and ties the line to Twilio's call log. Never add %(r)s or %(q)s (the query string)
# nor %({x-twilio-signature}i)s: a valid signature replays that request.
accesslog = os.environ.get("IVR_ACCESS_LOG", "-") or None
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms call=%({x-call-sid}o)s pid=%(p)s'
errorlog = os.environ.get("IVR_ERROR_LOG", "-")
loglevel = os.environ.get("IVR_LOG_LEVEL", "info")

# -- metrics ---------------------------------------------------------------------------------
# prometheus_client counts per process; with several workers /metrics must add up every
# worker's values, which its multiprocess mode does through files in PROMETHEUS_MULTIPROC_DIR.
# prometheus_client reads the variable when first imported, so set it here, before the app is
# imported: by default a folder beside the app's data (IVR_DATA_DIR, as ivr.settings finds it).
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _data = os.environ.get("IVR_DATA_DIR") or str(
        Path(os.environ.get("IVR_CONFIG_DIR") or os.getcwd()) / "var"
    )
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(Path(_data) / "prometheus")
Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)


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
