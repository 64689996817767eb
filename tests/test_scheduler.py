"""ivr.scheduler: the jobs, their triggers and outcomes, and starting it once, explicitly."""

from __future__ import annotations

import dataclasses
import fcntl
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import click
import pytest
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.exc import OperationalError

import ivr.scheduler as scheduler_module
from ivr.cli.scheduler import scheduler_command
from ivr.clock import LIMA
from ivr.outbound.desks import DISPATCH_JOB
from ivr.runtime import Runtime
from ivr.scheduler import (
    IMPORT_JOB,
    PLAN_JOB,
    PURGE_JOB,
    RELOAD_JOB,
    REMINDERS_JOB,
    build_scheduler,
    start_in_process,
)
from ivr.storage.database import make_engine
from ivr.storage.leadership import AdvisoryLeadership
from ivr.storage.ledger.sql import SqlLedger
from tests.conftest import WEEKDAY_10AM
from tests.helpers import SECRET_KEY, Clock

LOG = "ivr.scheduler"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


def runtime_of(app: Flask) -> Runtime:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    return runtime


def jobs_of(scheduler: BaseScheduler) -> dict[str, Job]:
    return {job.id: job for job in scheduler.get_jobs()}


def swaps(scheduler: BaseScheduler) -> list[datetime]:
    return sorted(
        job.trigger.run_date
        for job in scheduler.get_jobs()
        if job.id.startswith("swap:") and isinstance(job.trigger, DateTrigger)
    )


def messages(caplog: pytest.LogCaptureFixture, level: int = logging.INFO) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == LOG and r.levelno == level]


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    return runtime_of(app)


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Run a test as if no scheduler had started in this process; stop what it starts.

    The swap jobs are left out: planned from the test's clock, they may lie in the real
    clock's past and fire at once, racing the shutdown below inside APScheduler.
    """
    monkeypatch.setattr(scheduler_module, "PLAN_AHEAD", timedelta(0))
    monkeypatch.setattr(scheduler_module, "_started", None)
    monkeypatch.setattr(scheduler_module, "_leadership", None)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    monkeypatch.delenv("IVR_CLI", raising=False)  # set by any earlier run of the ivr group
    yield
    scheduler_module.stop_in_process()
    if scheduler_module._leadership is not None:
        scheduler_module._leadership.release()


# -- the jobs and their triggers -------------------------------------------------------------
def test_build_scheduler_has_every_job_with_its_trigger(runtime: Runtime, tmp_path: Path) -> None:
    scheduler = build_scheduler(runtime, blocking=False, drop_folder=tmp_path / "drop")
    assert isinstance(scheduler, BackgroundScheduler)
    jobs = jobs_of(scheduler)
    assert sorted(j for j in jobs if not j.startswith("swap:")) == [
        DISPATCH_JOB,
        IMPORT_JOB,
        PLAN_JOB,
        PURGE_JOB,
        RELOAD_JOB,
        REMINDERS_JOB,
    ]
    reminders = jobs[REMINDERS_JOB].trigger
    assert isinstance(reminders, IntervalTrigger) and reminders.interval == timedelta(minutes=10)
    dispatch = jobs[DISPATCH_JOB].trigger  # desks' agents rung within a second (issue 19)
    assert isinstance(dispatch, IntervalTrigger) and dispatch.interval == timedelta(seconds=1)
    reload, purge = jobs[RELOAD_JOB].trigger, jobs[PURGE_JOB].trigger
    assert isinstance(reload, IntervalTrigger) and reload.interval == timedelta(seconds=2)
    assert isinstance(purge, IntervalTrigger) and purge.interval == timedelta(hours=1)
    plan, nightly = jobs[PLAN_JOB].trigger, jobs[IMPORT_JOB].trigger
    assert isinstance(plan, CronTrigger) and isinstance(nightly, CronTrigger)
    # Wednesday 10:00 in Lima: the next re-plan is at midnight, the next import at 02:00.
    assert plan.get_next_fire_time(None, WEEKDAY_10AM) == at(2026, 11, 19, 0, 0)
    assert nightly.get_next_fire_time(None, WEEKDAY_10AM) == at(2026, 11, 19, 2, 0)
    # The swap jobs: every instant in the next two days at which something changes.
    assert swaps(scheduler) == [
        at(2026, 11, 18, 21),
        at(2026, 11, 19, 9),
        at(2026, 11, 19, 21),
        at(2026, 11, 20, 9),
    ]
    assert all(isinstance(jobs[j].trigger, DateTrigger) for j in jobs if j.startswith("swap:"))


def test_without_a_drop_folder_there_is_no_import_job(runtime: Runtime) -> None:
    scheduler = build_scheduler(runtime, blocking=True)
    assert isinstance(scheduler, BlockingScheduler)
    assert IMPORT_JOB not in jobs_of(scheduler)


# -- (b) message swaps -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("now", "boundary", "expected"),
    [
        (
            WEEKDAY_10AM,
            at(2026, 11, 18, 21),
            "at Wed 2026-11-18 21:00: became active: saludo_fuera_de_horario; "
            "became inactive: none; active now: saludo_fuera_de_horario (greeting); "
            "line central: closed (after hours) until Thu 2026-11-19 09:00",
        ),
        (
            at(2026, 11, 30, 12),
            at(2026, 12, 1, 0),
            "at Tue 2026-12-01 00:00: became active: cuota_5_diciembre; became inactive: none; "
            "active now: saludo_fuera_de_horario (greeting), cuota_5_diciembre (announcement); "
            "line central: closed (after hours) until Tue 2026-12-01 09:00",
        ),
        (
            at(2026, 12, 1, 12),
            at(2026, 12, 1, 21),
            "at Tue 2026-12-01 21:00: became active: saludo_fuera_de_horario; "
            "became inactive: none; "
            "active now: saludo_fuera_de_horario (greeting), cuota_5_diciembre (announcement); "
            "line central: closed (after hours) until Wed 2026-12-02 09:00",
        ),
        (
            at(2026, 12, 5, 12),
            at(2026, 12, 6, 0),
            "at Sun 2026-12-06 00:00: became active: none; became inactive: cuota_5_diciembre; "
            "active now: saludo_fuera_de_horario (greeting); "
            "line central: closed (after hours) until Mon 2026-12-07 09:00",
        ),
    ],
    ids=[
        "central-closes",
        "announcement-starts",
        "closes-during-announcement",
        "announcement-ends",
    ],
)
def test_the_swap_job_at_a_boundary_logs_what_changed(
    app: Flask,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
    now: datetime,
    boundary: datetime,
    expected: str,
) -> None:
    clock.set(now)
    scheduler = build_scheduler(runtime_of(app), blocking=False)
    job = jobs_of(scheduler)[f"swap:{boundary.isoformat()}"]
    caplog.set_level(logging.INFO, LOG)
    job.func(*job.args)
    assert messages(caplog) == [expected]


def test_a_process_started_mid_window_logs_the_state_it_starts_in(
    app: Flask, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    clock.set(at(2026, 12, 3, 22, 30))
    caplog.set_level(logging.INFO, LOG)
    build_scheduler(runtime_of(app), blocking=False)
    assert messages(caplog) == [
        "message swaps planned: 4 changes until Sat 2026-12-05 22:30 (Fri 2026-12-04 09:00, "
        "Fri 2026-12-04 21:00, Sat 2026-12-05 09:00, Sat 2026-12-05 14:00); "
        "now line central: closed (after hours) until Fri 2026-12-04 09:00; "
        "active messages: saludo_fuera_de_horario (greeting), cuota_5_diciembre (announcement)"
    ]


# -- (a) live reload ---------------------------------------------------------------------------
def test_the_reload_job_keeps_the_last_good_config_and_logs_where_the_edit_is_wrong(
    make_app: Callable[..., Flask], config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = runtime_of(make_app(IVR_RELOAD_SECONDS="0"))
    scheduler = build_scheduler(runtime, blocking=False)
    good = runtime.config
    students = config_dir / "menus" / "students.yaml"
    students.write_text(
        students.read_text(encoding="utf-8").replace("goto: help-desk", "goto: help-dsk"),
        encoding="utf-8",
    )
    caplog.set_level(logging.INFO, LOG)
    jobs_of(scheduler)[RELOAD_JOB].func()
    assert runtime.config is good
    assert messages(caplog, logging.WARNING) == [
        f"configuration edit rejected (1 problem), still serving {good.fingerprint}: "
        "menus/students.yaml:9: nodes.estudiantes.options.1.goto: goes to 'help-dsk', "
        "which is not a node "
        "(did you mean 'help-desk'?)"
    ]
    assert messages(caplog) == [], "the swaps are not re-planned for a rejected edit"


def test_the_reload_job_applies_a_good_edit_and_replans_the_swaps(
    make_app: Callable[..., Flask], config_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = runtime_of(make_app(IVR_RELOAD_SECONDS="0"))
    scheduler = build_scheduler(runtime, blocking=False)
    before = runtime.config.fingerprint
    central = config_dir / "schedules" / "central.yaml"
    text = central.read_text(encoding="utf-8").replace(
        "closures: []", "closures:\n  - date: 2026-11-19\n    label: Aniversario"
    )
    central.write_text(text, encoding="utf-8")
    caplog.set_level(logging.INFO, LOG)
    jobs_of(scheduler)[RELOAD_JOB].func()
    assert runtime.config.fingerprint != before
    assert (
        messages(caplog)[0] == f"configuration reloaded: {before} -> {runtime.config.fingerprint}"
    )
    # Thursday is now closed all day: its 09:00 and 21:00 give way to its midnights.
    assert swaps(scheduler) == [
        at(2026, 11, 18, 21),
        at(2026, 11, 19, 0),
        at(2026, 11, 20, 0),
        at(2026, 11, 20, 9),
    ]


# -- (c) purge ---------------------------------------------------------------------------------
class FakeLedger:
    purges = "expired verification failures and lockouts"

    def __init__(self) -> None:
        self.purged_at: list[datetime] = []

    def purge_expired(self, now: datetime) -> int:
        self.purged_at.append(now)
        return 3


def test_the_purge_job_purges_the_stores_and_removes_an_ended_override(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ledger = FakeLedger()
    monkeypatch.setattr(runtime, "ledger", ledger)
    runtime.override_store.set(
        "Cerrado por emergencia.", at(2026, 11, 18, 9, 30), at(2026, 11, 18, 9)
    )
    scheduler = build_scheduler(runtime, blocking=False)
    caplog.set_level(logging.INFO, LOG)
    jobs_of(scheduler)[PURGE_JOB].func()
    assert ledger.purged_at == [WEEKDAY_10AM]
    assert runtime.override_store.get() is None
    assert messages(caplog) == [
        "purged 0 expired self-service sessions",
        "purged 3 expired verification failures and lockouts",
        "purged 0 calling numbers whose hour of failures is over",
        "purged 0 outbound counters whose period is over, and old text records",
        "emergency override that ended at Wed 2026-11-18 09:30 removed",
    ]


def test_each_store_names_what_the_purge_forgot(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class OtherLedger(FakeLedger):
        purges = "intentos fallidos vencidos"

    monkeypatch.setattr(runtime, "ledger", OtherLedger())
    caplog.set_level(logging.INFO, LOG)
    jobs_of(build_scheduler(runtime, blocking=False))[PURGE_JOB].func()
    assert "purged 3 intentos fallidos vencidos" in messages(caplog)


def test_the_purge_job_keeps_an_override_still_in_force(runtime: Runtime) -> None:
    override = runtime.override_store.set("Cerrado.", at(2026, 11, 18, 11), at(2026, 11, 18, 9))
    jobs_of(build_scheduler(runtime, blocking=False))[PURGE_JOB].func()
    assert runtime.override_store.get() == override


def test_a_failing_job_is_logged_and_does_not_raise(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(now: datetime) -> int:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(runtime.ledger, "purge_expired", broken)
    jobs_of(build_scheduler(runtime, blocking=False))[PURGE_JOB].func()
    assert messages(caplog, logging.ERROR) == [
        "job purge-expired failed; it will run again at its next time"
    ]
    assert "RuntimeError: database is locked" in caplog.text


# -- (d) nightly ledger import -----------------------------------------------------------------
STUDENTS = "student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family\n"
PAYMENTS = "payment_id,student_code,term,concept,cuota,amount,paid_on\n"


def test_the_import_job_imports_in_order_and_files_each_export(
    runtime: Runtime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    # Named so that the payments sort first: the job still imports the students before them.
    (drop / "a-payments.csv").write_text(
        PAYMENTS + "B-2026-000101,N00100001,2026-2,matricula,,390.00,2026-08-10\n"
    )
    (drop / "b-students.csv").write_text(STUDENTS + "N00100001,45871236,regular,no,no,no\n")
    (drop / "c-students.csv").write_text(STUDENTS + "N00100002,12,regular,no,no,no\n")
    (drop / "notes.txt").write_text("not an export\n")
    scheduler = build_scheduler(runtime, blocking=False, drop_folder=drop)
    caplog.set_level(logging.INFO, LOG)
    jobs_of(scheduler)[IMPORT_JOB].func()
    assert sorted(str(p.relative_to(drop)) for p in drop.rglob("*") if p.is_file()) == [
        "done/a-payments.csv",
        "done/b-students.csv",
        "notes.txt",
        "rejected/c-students.csv",
        "rejected/c-students.csv.errors.txt",
    ]
    assert (drop / "rejected" / "c-students.csv.errors.txt").read_text() == (
        "c-students.csv:2: dni: is not a document number (8 to 12 digits, e.g. a DNI's 8)\n"
    )
    assert messages(caplog) == [
        "ledger import: b-students.csv (students): 1 rows, 1 added, 0 updated, 0 unchanged "
        "-> done/b-students.csv",
        "ledger import: a-payments.csv (payments): 1 rows, 1 added, 0 updated, 0 unchanged "
        "-> done/a-payments.csv",
    ]
    assert messages(caplog, logging.WARNING) == [
        "ledger import: c-students.csv rejected (1 problem), see rejected/c-students.csv.errors.txt"
    ]
    assert runtime.ledger.find_student("N00100001") is not None


def test_a_file_moves_to_done_only_once_its_rows_are_committed(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "students.csv").write_text(STUDENTS + "N00100001,45871236,regular,no,no,no\n")
    seen_by_another_host: list[bool] = []
    real_move = scheduler_module._move

    def move(path: Path, folder: Path, stamp: str) -> Path:
        other = make_engine(runtime.settings.database_url)  # another connection, another host
        seen_by_another_host.append(
            SqlLedger(other, key=SECRET_KEY.encode()).find_student("N00100001") is not None
        )
        other.dispose()
        return real_move(path, folder, stamp)

    monkeypatch.setattr(scheduler_module, "_move", move)
    jobs_of(build_scheduler(runtime, blocking=False, drop_folder=drop))[IMPORT_JOB].func()
    assert seen_by_another_host == [True]
    assert (drop / "done" / "students.csv").is_file()


def test_a_database_failure_leaves_the_file_for_the_next_run(
    runtime: Runtime,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "a-students.csv").write_text(STUDENTS + "N00100001,45871236,regular,no,no,no\n")
    (drop / "b-payments.csv").write_text(
        PAYMENTS + "B-2026-000101,N00100001,2026-2,matricula,,390.00,2026-08-10\n"
    )

    def down(*args: object) -> None:
        raise OperationalError("INSERT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(runtime.ledger, "import_payments", down)
    caplog.set_level(logging.INFO, LOG)
    jobs_of(build_scheduler(runtime, blocking=False, drop_folder=drop))[IMPORT_JOB].func()
    assert sorted(str(p.relative_to(drop)) for p in drop.rglob("*") if p.is_file()) == [
        "b-payments.csv",
        "done/a-students.csv",
    ]
    assert messages(caplog, logging.ERROR) == [
        "ledger import: the database failed on b-payments.csv (server closed the connection); "
        f"it and 0 later file(s) stay in {drop} for the next run"
    ]


def test_the_import_job_keeps_an_earlier_file_of_the_same_name(
    runtime: Runtime, tmp_path: Path
) -> None:
    drop = tmp_path / "drop"
    (drop / "done").mkdir(parents=True)
    (drop / "done" / "students.csv").write_text("yesterday\n")
    (drop / "students.csv").write_text(STUDENTS + "N00100001,45871236,regular,no,no,no\n")
    jobs_of(build_scheduler(runtime, blocking=False, drop_folder=drop))[IMPORT_JOB].func()
    assert (drop / "done" / "students.csv").read_text() == "yesterday\n"
    assert (drop / "done" / "students.20261118-100000.csv").exists()


# -- starting: explicitly, once ---------------------------------------------------------------
def scheduled_app(make_app: Callable[..., Flask], **overrides: str) -> Flask:
    """Return an app whose settings ask for the in-process scheduler, not yet started."""
    app = make_app(**overrides)
    runtime = app.extensions["ivr"]
    runtime.settings = dataclasses.replace(runtime.settings, in_process_scheduler=True)
    return app


def test_create_app_starts_it_when_configured(
    make_app: Callable[..., Flask], fresh_process: None
) -> None:
    app = make_app(IVR_IN_PROCESS_SCHEDULER="1")
    assert scheduler_module._started is not None and scheduler_module._started.running
    assert start_in_process(app) is scheduler_module._started


def test_not_configured_means_not_started(app: Flask, fresh_process: None) -> None:
    assert start_in_process(app) is None
    assert scheduler_module._started is None


def test_a_second_start_in_the_same_process_does_nothing(
    make_app: Callable[..., Flask], fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = scheduled_app(make_app)
    first = start_in_process(app)
    assert first is not None and first.running
    caplog.set_level(logging.DEBUG, LOG)
    assert start_in_process(app) is first
    assert start_in_process(scheduled_app(make_app)) is first
    assert messages(caplog, logging.DEBUG) == [
        "the in-process scheduler already runs in this process",
        "the in-process scheduler already runs in this process",
    ]


def _flask_run(reload: bool | None) -> click.Context:
    command = click.Command("run", params=[click.Option(["--reload/--no-reload"], default=None)])
    ctx = click.Context(command)
    ctx.params = {"reload": reload}
    return ctx


@pytest.mark.parametrize(
    ("reload", "child", "started"),
    [
        (True, False, False),
        (True, True, True),
        (False, False, True),
    ],
    ids=["reloader-parent", "reloader-child", "no-reloader"],
)
def test_flask_run_starts_it_only_in_the_serving_process(
    make_app: Callable[..., Flask],
    fresh_process: None,
    monkeypatch: pytest.MonkeyPatch,
    reload: bool,
    child: bool,
    started: bool,
) -> None:
    app = scheduled_app(make_app)
    if child:
        monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    with _flask_run(reload):
        assert (start_in_process(app) is not None) is started


def test_other_cli_commands_do_not_start_it(
    make_app: Callable[..., Flask], fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = scheduled_app(make_app)
    caplog.set_level(logging.INFO, LOG)
    with click.Context(click.Command("simulate")):
        assert start_in_process(app) is None
    assert messages(caplog) == [
        "in-process scheduler not started: 'simulate' is a CLI command, not the server"
    ]


def test_an_app_loaded_by_an_operator_command_does_not_start_it(
    make_app: Callable[..., Flask], fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    app = scheduled_app(make_app, IVR_CLI="1")
    caplog.set_level(logging.INFO, LOG)
    assert start_in_process(app) is None
    assert messages(caplog) == [
        "in-process scheduler not started: loaded by an operator command (IVR_CLI)"
    ]


def test_another_process_holding_the_lock_keeps_it_from_starting(
    make_app: Callable[..., Flask],
    fresh_process: None,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = scheduled_app(make_app)
    lock = tmp_path / "var" / "scheduler.lock"
    with lock.open("w") as other:
        other.write("4242\n")
        other.flush()
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert start_in_process(app) is None
        result = app.test_cli_runner().invoke(scheduler_command, [])
    assert messages(caplog, logging.WARNING) == [
        f"in-process scheduler not started: another scheduler holds {lock} (pid 4242)"
    ]
    assert result.exit_code == 1
    assert result.output == f"Error: not starting: another scheduler holds {lock} (pid 4242)\n"


def test_in_process_on_postgresql_waits_for_the_lead_then_takes_over(
    make_app: Callable[..., Flask],
    fresh_process: None,
    postgres_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(scheduler_module, "LEAD_POLL", 0.1)
    other_host = make_engine(postgres_url)
    other = AdvisoryLeadership(other_host)
    try:
        assert other.try_acquire() is None
        app = scheduled_app(make_app, IVR_DATABASE_URL=postgres_url)
        caplog.set_level(logging.INFO, LOG)
        assert start_in_process(app) is None
        time.sleep(0.35)  # three polls of the follower: the wait is said once, not per poll
        assert messages(caplog) == [
            "in-process scheduler waiting to lead: another host's scheduler leads "
            "(PostgreSQL advisory lock)"
        ]
        other.release()  # the other host's scheduler stops
        deadline = time.monotonic() + 10
        while not any("leads the scheduler now" in m for m in messages(caplog)):
            assert time.monotonic() < deadline, messages(caplog)
            time.sleep(0.05)
        assert other.try_acquire() == ("another host's scheduler leads (PostgreSQL advisory lock)")
    finally:
        scheduler_module.stop_in_process()
        other.release()
        other_host.dispose()
