"""The deployment's scheduled jobs, on APScheduler 3.x, in America/Lima, started explicitly.

One scheduler per deployment, started in one of two ways and never by importing the
app:

- ``flask --app app ivr scheduler``: a process of its own that runs the jobs until stopped
  (``scheduler_command``);
- in the web process when ``IVR_IN_PROCESS_SCHEDULER`` is true: ``create_app`` calls
  ``start_in_process(app)``, which starts nothing in the Werkzeug reloader's watching parent,
  in CLI commands, or a second time in one process.

Both must first lead (``ivr.storage.leadership``). On PostgreSQL every host may run a
scheduler: one leads through an advisory lock, the others wait and take over within
``LEAD_POLL`` seconds when it dies. On SQLite (one host) an exclusive lock on
``<data dir>/scheduler.lock`` keeps a second scheduler from starting, so gunicorn workers that
each run ``create_app``, or a scheduler process next to an in-process one, still give one.

Jobs (each logs its outcome; an exception is logged and the scheduler carries on):

- ``reload-config``: every ``IVR_RELOAD_SECONDS``, reload the operator files if they changed;
  a rejected edit is logged with its located problems and the last good configuration stays;
- ``plan-swaps``: daily at 00:00 (and after every reload), put a one-off job at each instant
  in the next two days at which a line opens or closes or a message swap starts or ends
  (``ivr.core.schedule.boundaries``); each ``swap:<instant>`` job logs what changed then. The
  webhooks do not depend on these jobs: every call evaluates the schedules at its own instant;
- ``purge-expired``: hourly, forget expired self-service sessions and verification
  failures/lockouts, and remove an emergency override whose end has passed;
- ``desks-dispatch``: every second, ring desks' agents for the callers and callbacks in line
  (``ivr.outbound.desks``; exactly once across hosts by its claims, not by the lead);
- ``ledger-import``: nightly at 02:00 when a drop folder is configured, import every ``*.csv``
  in it (students, then enrolments, then payments), one transaction per file, moving each to
  ``done/`` only once its transaction committed, or to ``rejected/`` (with
  ``<file>.errors.txt`` beside it). It runs on the leader only, into the shared database;
- ``send-reminders``: every ``REMINDERS_EVERY``, when billing/reminders.yaml enables them, send
  the due-date reminders due now (``ivr.actions.reminders.send_due``: only inside the
  permitted window, each claimed in the shared log before it is sent, so a leader taking over
  mid-run, or ``ivr reminders send`` run by hand meanwhile, never sends one twice).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import click
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from flask.helpers import get_debug_flag

from ivr.actions.base import ActionRefused, Actor, Door
from ivr.actions.reminders import send_due
from ivr.clock import LIMA
from ivr.core.schedule.listing import boundaries
from ivr.core.schedule.model import Override, Schedules
from ivr.core.schedule.snapshot import describe_active, describe_line, take_snapshot, when
from ivr.outbound import desks as desks_dispatch
from ivr.runtime import Runtime, current_runtime
from ivr.storage.database import STORE_ERRORS, Expiring, describe
from ivr.storage.leadership import Leadership, leadership_for

log = logging.getLogger("ivr.scheduler")

RELOAD_JOB = "reload-config"
PLAN_JOB = "plan-swaps"
PURGE_JOB = "purge-expired"
IMPORT_JOB = "ledger-import"
REMINDERS_JOB = "send-reminders"
SWAP_PREFIX = "swap:"

#: How far ahead swap jobs are planned; re-planned daily, so two days always cover the next.
PLAN_AHEAD = timedelta(days=2)
PURGE_EVERY = timedelta(hours=1)
REMINDERS_EVERY = timedelta(minutes=10)  # a run sends at most billing/reminders.yaml's batch
IMPORT_HOUR, IMPORT_MINUTE = 2, 0  # nightly, Lima time: after the billing system's exports
LEAD_POLL = 10.0  # seconds: a follower asks this often; a leader checks its lead as often
_JUST_BEFORE = timedelta(microseconds=1)

_started: BaseScheduler | None = None  # the in-process scheduler of this process, if any
_start_lock = threading.Lock()
_leadership: Leadership | None = None  # this process's lead, while it leads or waits
# the in-process leadership thread, and the event that stops it
_following: tuple[threading.Thread, threading.Event] | None = None


# -- building -----------------------------------------------------------------------------------
def build_scheduler(
    runtime: Runtime, *, blocking: bool, drop_folder: Path | None = None
) -> BaseScheduler:
    """Return a scheduler with every job added (not started), swaps planned from now.

    ``drop_folder`` defaults to the setting ``ledger_drop_dir`` (``IVR_LEDGER_DROP_DIR``);
    without one there is no ledger-import job.
    """
    options: dict[str, Any] = {
        "timezone": LIMA,
        # One run at a time per job; a run missed while the process slept is done once, late.
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
    }
    scheduler: BaseScheduler = (
        BlockingScheduler(**options) if blocking else BackgroundScheduler(**options)
    )
    folder = drop_folder or getattr(runtime.settings, "ledger_drop_dir", None)
    jobs = Jobs(runtime, scheduler, Path(folder) if folder else None)
    every = max(float(runtime.settings.reload_seconds), 1.0)
    scheduler.add_job(
        jobs.reload,
        IntervalTrigger(seconds=every, timezone=LIMA),
        id=RELOAD_JOB,
        name="reload the configuration when its files change",
    )
    scheduler.add_job(
        jobs.plan,
        CronTrigger(hour=0, minute=0, timezone=LIMA),
        id=PLAN_JOB,
        name="plan the message swaps of the next days",
    )
    scheduler.add_job(
        jobs.purge,
        IntervalTrigger(seconds=PURGE_EVERY.total_seconds(), timezone=LIMA),
        id=PURGE_JOB,
        name="purge expired sessions, lockouts and the emergency override",
    )
    scheduler.add_job(
        jobs.remind,
        IntervalTrigger(seconds=REMINDERS_EVERY.total_seconds(), timezone=LIMA),
        id=REMINDERS_JOB,
        name="send the due-date reminders due now",
    )
    scheduler.add_job(  # desks answered by the service: ring agents (ivr.desks_dispatch)
        desks_dispatch.dispatch_logged,
        IntervalTrigger(seconds=desks_dispatch.DISPATCH_EVERY, timezone=LIMA),
        args=(runtime,),
        id=desks_dispatch.DISPATCH_JOB,
        name="ring desks' agents for the callers and callbacks in line",
        misfire_grace_time=1,  # a missed second is not run late: the next one comes
    )
    if jobs.drop_folder is not None:
        scheduler.add_job(
            jobs.import_drop,
            CronTrigger(hour=IMPORT_HOUR, minute=IMPORT_MINUTE, timezone=LIMA),
            id=IMPORT_JOB,
            name=f"import the ledger exports dropped in {jobs.drop_folder}",
            misfire_grace_time=3600,  # a run held up (a busy or suspended host) still happens
        )
    jobs.plan()
    return scheduler


def _logged(name: str) -> Callable[[Callable[..., Any]], Callable[..., None]]:
    """Log a job's failure with its name and swallow it: a job never stops the scheduler."""

    def decorate(job: Callable[..., Any]) -> Callable[..., None]:
        @functools.wraps(job)
        def run(*args: Any) -> None:
            try:
                job(*args)
            except Exception:
                log.exception("job %s failed; it will run again at its next time", name)

        return run

    return decorate


class Jobs:
    """The job functions of one scheduler, bound to the runtime whose configuration they use."""

    def __init__(self, runtime: Runtime, scheduler: BaseScheduler, drop_folder: Path | None):
        self.runtime = runtime
        self.scheduler = scheduler
        self.drop_folder = drop_folder
        self.planned_fingerprint = ""
        self.planned_override: Override | None = None
        self.planned_schedules: Schedules | None = None  # with the stored closures
        self._plan_lock = threading.Lock()

    # -- (a) live reload ------------------------------------------------------------------
    @_logged(RELOAD_JOB)
    def reload(self) -> None:
        """Reload changed operator files; re-plan the swaps if the configuration changed."""
        runtime = self.runtime
        before, failures = runtime.config.fingerprint, runtime.reload_failures
        if runtime.check():  # the job runs every reload_seconds already
            log.info("configuration reloaded: %s -> %s", before, runtime.config.fingerprint)
        elif runtime.reload_failures > failures:
            problems = list(runtime.last_error.problems) if runtime.last_error else []
            log.warning(
                "configuration edit rejected (%d problem%s), still serving %s: %s",
                len(problems),
                "" if len(problems) == 1 else "s",
                runtime.config.fingerprint,
                "; ".join(str(p) for p in problems),
            )
        # This process's watcher may have reloaded too, or the CLI changed the override.
        override = runtime.override_store.get()
        if (
            runtime.config.fingerprint != self.planned_fingerprint
            or override != self.planned_override
            or runtime.schedules is not self.planned_schedules
        ):
            self.plan()

    # -- (b) message swaps ------------------------------------------------------------------
    @_logged(PLAN_JOB)
    def plan(self) -> None:
        """Put a one-off job at each boundary ahead; keep those already planned."""
        with self._plan_lock:
            now = self.runtime.now()
            config = self.runtime.config
            schedules = self.runtime.schedules
            override = self.runtime.override_store.get()
            ahead = [
                moment
                for moment in boundaries(schedules, now, now + PLAN_AHEAD, override=override)
                if moment > now  # a boundary at "now" already happened (or was just logged)
            ]
            wanted = {SWAP_PREFIX + moment.isoformat(): moment for moment in ahead}
            for job in self.scheduler.get_jobs():
                if not job.id.startswith(SWAP_PREFIX) or job.id in wanted:
                    continue
                if isinstance(job.trigger, DateTrigger) and job.trigger.run_date <= now:
                    continue  # due now: let it run
                with contextlib.suppress(JobLookupError):  # it ran meanwhile
                    self.scheduler.remove_job(job.id)
            planned = {job.id for job in self.scheduler.get_jobs()}
            for job_id, moment in wanted.items():
                if job_id in planned:
                    continue
                self.scheduler.add_job(
                    self.announce,
                    DateTrigger(run_date=moment, timezone=LIMA),
                    args=(moment,),
                    id=job_id,
                    name=f"log the swaps at {when(moment)}",
                    misfire_grace_time=None,  # log it however late: the log says when it was due
                    replace_existing=True,
                )
            self.planned_fingerprint = config.fingerprint
            self.planned_override = override
            self.planned_schedules = schedules
            state = take_snapshot(schedules, now, override)
            log.info(
                "message swaps planned: %d change%s until %s (%s); now %s; active messages: %s",
                len(ahead),
                "" if len(ahead) == 1 else "s",
                when(now + PLAN_AHEAD),
                ", ".join(when(moment) for moment in ahead) or "none",
                "; ".join(describe_line(name, status) for name, status in state.lines),
                describe_active(state),
            )

    @_logged("swap")
    def announce(self, at: datetime) -> None:
        """Log which messages became active or inactive at ``at``, and each line's state."""
        schedules = self.runtime.schedules
        override = self.runtime.override_store.get()
        before = take_snapshot(schedules, at - _JUST_BEFORE, override)
        after = take_snapshot(schedules, at, override)
        began = [name for name in after.active.names if name not in before.active.names]
        ended = [name for name in before.active.names if name not in after.active.names]
        log.info(
            "at %s: became active: %s; became inactive: %s; active now: %s; %s",
            when(at),
            ", ".join(began) or "none",
            ", ".join(ended) or "none",
            describe_active(after),
            "; ".join(describe_line(name, status) for name, status in after.lines),
        )

    # -- (c) purge ----------------------------------------------------------------------------
    @_logged(PURGE_JOB)
    def purge(self) -> None:
        """Forget expired call sessions and lockouts; clear an emergency override that ended."""
        runtime = self.runtime
        now = runtime.now()
        stores: tuple[Expiring, ...] = (
            runtime.sessions,
            runtime.ledger,
            runtime.callers,
            runtime.outbound,
        )
        for expiring in stores:
            log.info("purged %s %s", expiring.purge_expired(now), expiring.purges)
        store = runtime.override_store
        override = store.get()
        if override is None or override.until is None or override.until > now:
            return
        # Only the override read here: one set meanwhile from any host stays.
        if store.clear(only=override):
            log.info("emergency override that ended at %s removed", when(override.until))

    # -- (e) due-date reminders ------------------------------------------------------------
    @_logged(REMINDERS_JOB)
    def remind(self) -> None:
        """Send the reminders due now, when billing/reminders.yaml enables them."""
        if not self.runtime.config.reminders.enabled:
            return
        try:
            send_due(self.runtime, Actor(REMINDERS_JOB, Door.SCHEDULER))
        except ActionRefused as refused:
            log.warning("reminders not sent: %s", refused.en)

    # -- (d) nightly ledger import ---------------------------------------------------------
    @_logged(IMPORT_JOB)
    def import_drop(self) -> None:
        """Import every CSV export in the drop folder, then file it under done/ or rejected/."""
        folder = self.drop_folder
        if folder is None:
            return
        if not folder.is_dir():
            log.warning("ledger drop folder %s does not exist; nothing imported", folder)
            return
        files = sorted(path for path in folder.glob("*.csv") if path.is_file())
        if not files:
            log.info("ledger import: no *.csv in %s", folder)
            return
        ledger = getattr(self.runtime, "ledger", None)
        if ledger is None:
            log.warning("ledger import: no ledger configured; %d file(s) left", len(files))
            return
        from ivr.storage.ledger import importer  # only the leader that imports needs it

        billing = self.runtime.config.billing
        known = {term.code for term in billing.terms} if billing is not None else None
        files = importer.import_order(files)
        stamp = f"{self.runtime.now():%Y%m%d-%H%M%S}"
        for position, path in enumerate(files):
            try:
                # One transaction per file, streamed: when this returns, the rows are committed.
                done = importer.import_file(ledger, path, known_terms=known)
            except STORE_ERRORS as error:
                # The database, not the file, failed: leave this file and the ones after it
                # (they may refer to it) for the next run.
                log.error(
                    "ledger import: the database failed on %s (%s); it and %d later file(s) "
                    "stay in %s for the next run",
                    path.name,
                    describe(error),
                    len(files) - position - 1,
                    folder,
                )
                return
            except Exception as error:
                log.exception("ledger import: %s failed", path.name)
                self._reject(path, [f"{path.name}: {type(error).__name__}: {error}"], stamp)
                continue
            result = done.result
            if result is None or result.problems:
                self._reject(path, done.messages(), stamp)
                continue
            moved = _move(path, folder / "done", stamp)
            log.info(
                "ledger import: %s (%s): %d rows, %d added, %d updated, %d unchanged -> %s",
                path.name,
                result.kind,
                result.rows,
                result.added,
                result.updated,
                result.unchanged,
                moved.relative_to(folder),
            )

    def _reject(self, path: Path, problems: list[str], stamp: str) -> None:
        assert self.drop_folder is not None
        moved = _move(path, self.drop_folder / "rejected", stamp)
        report = moved.with_name(moved.name + ".errors.txt")
        report.write_text("\n".join(problems) + "\n", encoding="utf-8")
        # The problems stay in the file: they may quote cells, and logs hold no student data.
        log.warning(
            "ledger import: %s rejected (%d problem%s), see %s",
            path.name,
            len(problems),
            "" if len(problems) == 1 else "s",
            report.relative_to(self.drop_folder),
        )


def _move(path: Path, folder: Path, stamp: str) -> Path:
    """Move ``path`` into ``folder``; a name already there gets the run's stamp added."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    return path.rename(target)


# -- starting -----------------------------------------------------------------------------------
def start_in_process(app: Flask) -> BaseScheduler | None:
    """Start the background scheduler in this web process when configured; at most once.

    Returns the running scheduler (the same one on a second call), or None when this process
    must not run it: the setting is off, this is the reloader's watching parent, a CLI command
    other than ``flask run`` is running, or another process holds the scheduler lock.
    """
    global _started
    with app.app_context():
        runtime = current_runtime(creating=True)  # a command's database may not exist yet
    if not runtime.settings.in_process_scheduler:
        return None
    with _start_lock:
        if _started is not None:
            log.debug("the in-process scheduler already runs in this process")
            return _started
        reason = (
            "loaded by an operator command (IVR_CLI)"
            if getattr(runtime.settings, "cli", False)
            else _not_here()
        )
        if reason is not None:
            log.info("in-process scheduler not started: %s", reason)
            return None
        leadership = _lead_for(runtime)
        holder = leadership.try_acquire()
        if holder is not None:
            if not leadership.waits:
                log.warning("in-process scheduler not started: %s", holder)
                return None
            log.info("in-process scheduler waiting to lead: %s", holder)
            _follow_in_background(runtime, leadership, None, announced=holder)
            return None
        try:
            scheduler = build_scheduler(runtime, blocking=False)
            scheduler.start()
        except Exception:
            # The webhooks do not need the scheduler: serve on, say so, free the lock.
            log.exception("in-process scheduler failed to start")
            _release()
            return None
        _started = scheduler
        log.info("in-process scheduler started (pid %d)", os.getpid())
        if leadership.waits:  # several hosts: watch the lead, hand over if it is lost
            _follow_in_background(runtime, leadership, scheduler)
        return scheduler


def stop_in_process() -> None:
    """Stop this process's in-process scheduler and its lead (tests; a clean shutdown)."""
    global _started, _following
    if _following is not None:
        thread, stop = _following
        stop.set()  # the leadership thread shuts its scheduler down and lets go
        thread.join(timeout=10)
        _following = None
    elif _started is not None and _started.running:
        _started.shutdown(wait=False)
    _started = None


def _not_here() -> str | None:
    """Return why this process must not start the in-process scheduler, or None."""
    if os.environ.get("WERKZEUG_RUN_MAIN") == "true":
        return None  # the reloader's child: the process that serves requests
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return None  # gunicorn, a WSGI server or a script: no reloader
    if ctx.command.name != "run":
        return f"'{ctx.command.name}' is a CLI command, not the server"
    # flask run: the reloader is on with --reload, or by default in debug mode (Flask docs,
    # "flask run --reload/--no-reload"); then this is the watching parent, which never serves.
    reload = ctx.params.get("reload")
    if reload is None:
        reload = get_debug_flag()
    return "this is the reloader's watching process" if reload else None


def _lead_for(runtime: Runtime) -> Leadership:
    global _leadership
    if _leadership is None:
        _leadership = leadership_for(runtime.engine, runtime.settings.data_dir)
    return _leadership


def _release() -> None:
    global _leadership
    if _leadership is not None:
        _leadership.release()
        _leadership = None


def lead(
    runtime: Runtime,
    leadership: Leadership,
    stop: threading.Event,
    *,
    leading: BaseScheduler | None = None,
    poll: float | None = None,
    announced: str = "",
) -> None:
    """Run the jobs whenever this process leads, until ``stop``; wait while another leads.

    ``leading``: a scheduler already started under ``leadership``. A leader that loses its
    lead (its database session ended) stops its jobs at once and waits like any follower.
    ``announced``: the holder the caller has already logged, so the wait is said once.
    """
    every = LEAD_POLL if poll is None else poll
    scheduler = leading
    said = announced
    while not stop.is_set():
        if scheduler is None:
            holder = leadership.try_acquire()
            if holder is not None:
                if holder != said:
                    log.info("scheduler waiting to lead: %s", holder)
                    said = holder
                stop.wait(every)
                continue
            said = ""
            log.info("this process leads the scheduler now (pid %d)", os.getpid())
            scheduler = build_scheduler(runtime, blocking=False)
            scheduler.start()
        lost = False
        try:
            while not stop.wait(every):
                if not leadership.held():
                    lost = True
                    break
        finally:
            scheduler.shutdown(wait=False)
            scheduler = None
        if lost:
            log.warning("scheduler stopped: this process no longer leads")
    leadership.release()


def _follow_in_background(
    runtime: Runtime,
    leadership: Leadership,
    scheduler: BaseScheduler | None,
    *,
    announced: str = "",
) -> None:
    global _following
    stop = threading.Event()
    thread = threading.Thread(
        target=lead,
        args=(runtime, leadership, stop),
        kwargs={"leading": scheduler, "announced": announced},
        name="ivr-scheduler-lead",
        daemon=True,
    )
    _following = (thread, stop)
    thread.start()


class SchedulerBusy(Exception):
    """Another scheduler runs in this process, or (SQLite) in another process of this host."""


def claim_lead(runtime: Runtime) -> tuple[Leadership, str | None]:
    """Try to lead the deployment's scheduler; return the leadership and who else leads.

    Raise SchedulerBusy when the in-process scheduler already runs here, or when another
    process holds a lead that cannot be waited for (SQLite's lock file of this host).
    """
    if _started is not None:
        raise SchedulerBusy("the in-process scheduler already runs in this process")
    leadership = _lead_for(runtime)
    holder = leadership.try_acquire()
    if holder is not None and not leadership.waits:
        raise SchedulerBusy(f"not starting: {holder}")
    return leadership, holder


def release_lead() -> None:
    """Let go of the lead this process holds (the job process, at exit)."""
    _release()
