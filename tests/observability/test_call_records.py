"""The call recorder: masked rows, off the request path, bounded, and safe across a fork."""

from __future__ import annotations

import logging
import os
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from ivr.clock import LIMA
from ivr.observability import calls
from ivr.observability.calls import SqliteCallRecorder
from ivr.storage.calls import CallRecord, Step
from ivr.storage.database import make_engine, sqlite_url
from ivr.storage.schema import Instant
from tests.observability.conftest import MakeRecorder

AT = datetime(2026, 11, 18, 10, 0, 5, 250000, tzinfo=LIMA)
SID = "CA" + "a" * 32
OTHER = "CA" + "b" * 32


def rows(where: Engine | Path, sql: str) -> list[tuple[object, ...]]:
    engine = where if isinstance(where, Engine) else make_engine(sqlite_url(where))
    query = text(sql).columns(at=Instant()) if " at," in sql else text(sql)  # as datetimes
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


STEP_AT = datetime(2026, 11, 18, 15, 0, 5, 250000, tzinfo=UTC)  # stored in UTC
STATUS_AT = datetime(2026, 11, 18, 15, 1, 35, 250000, tzinfo=UTC)


def dropped_metric() -> float:
    return REGISTRY.get_sample_value("ivr_call_records_dropped_total") or 0.0


def test_step_and_status_are_written_masked_and_in_utc(
    make_recorder: MakeRecorder, engine: Engine
) -> None:
    recorder = make_recorder()
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")
    recorder.step(SID, AT, None, "estado-de-cuenta", "selfservice", "verified N00123456")
    recorder.step(SID, AT, "Breña", "estudiantes", "entered", "x" * 150, said="e" * 150)
    recorder.step(SID, AT, "Breña", "estado-de-cuenta", "selfservice", "", said="45678912")
    recorder.status(SID, AT + timedelta(seconds=90), "completed", 90)
    assert rows(engine, "SELECT count(*) FROM call_steps") == [(0,)]  # buffered
    assert recorder.flush() == 5
    assert rows(
        engine,
        "SELECT call_sid, at, campus, node, event, detail, said FROM call_steps ORDER BY id",
    ) == [
        (SID, STEP_AT, "Breña", "principal", "call_start", "", ""),
        (SID, STEP_AT, "unknown", "estado-de-cuenta", "selfservice",
         "verified ***456", ""),
        (SID, STEP_AT, "Breña", "estudiantes", "entered", "x" * 100,
         "e" * 100),
        (SID, STEP_AT, "Breña", "estado-de-cuenta", "selfservice", "",
         "***"),
    ]  # fmt: skip
    assert rows(engine, "SELECT call_sid, at, call_status, duration_s FROM call_statuses") == [
        (SID, STATUS_AT, "completed", 90)
    ]
    assert recorder.flush() == 0


def test_background_thread_flushes_without_being_asked(
    make_recorder: MakeRecorder, engine: Engine
) -> None:
    recorder = make_recorder(flush_seconds=0.02)
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")
    deadline = time.monotonic() + 5
    while rows(engine, "SELECT count(*) FROM call_steps") != [(1,)]:
        assert time.monotonic() < deadline, "the writer thread never flushed"
        time.sleep(0.01)


def test_a_full_batch_wakes_the_writer_early(make_recorder: MakeRecorder, engine: Engine) -> None:
    recorder = make_recorder(flush_seconds=60, batch_rows=3)
    for n in range(3):
        recorder.step(SID, AT + timedelta(seconds=n), "Breña", "principal", "no_input", "")
    deadline = time.monotonic() + 5
    while rows(engine, "SELECT count(*) FROM call_steps") != [(3,)]:
        assert time.monotonic() < deadline, "a full batch did not wake the writer"
        time.sleep(0.01)


def test_a_full_buffer_drops_the_oldest_rows_and_counts_them(
    make_recorder: MakeRecorder, engine: Engine
) -> None:
    before = dropped_metric()
    recorder = make_recorder(max_buffered=3, batch_rows=100)
    for n in range(5):
        recorder.step(SID, AT, "Breña", f"node-{n}", "entered", "")
    assert recorder.dropped == 2
    assert dropped_metric() - before == 2
    recorder.flush()
    assert rows(engine, "SELECT node FROM call_steps ORDER BY id") == [
        ("node-2",),
        ("node-3",),
        ("node-4",),
    ]


def test_a_failed_write_keeps_the_rows_for_the_next_flush(
    make_recorder: MakeRecorder,
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = make_recorder()
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")
    real_write = recorder._write

    def locked(batch: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(recorder, "_write", locked)
    with caplog.at_level(logging.WARNING, logger="ivr.calls"):
        assert recorder.flush() == 0
        assert recorder.flush() == 0
    assert caplog.messages == ["call records not written yet (database is locked); will retry"]
    monkeypatch.setattr(recorder, "_write", real_write)
    recorder.step(SID, AT, "Breña", "estudiantes", "entered", "")
    assert recorder.flush() == 2
    assert rows(engine, "SELECT node FROM call_steps ORDER BY id") == [
        ("principal",),
        ("estudiantes",),
    ]


def test_a_naive_datetime_is_dropped_not_raised(
    make_recorder: MakeRecorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = make_recorder()
    recorder.step(SID, datetime(2026, 11, 18, 10, 0), "Breña", "principal", "call_start", "")  # noqa: DTZ001 - the bug under test
    recorder.status(SID, datetime(2026, 11, 18, 10, 0), "completed", 3)  # noqa: DTZ001 - idem
    assert recorder.dropped == 2
    assert recorder.flush() == 0
    assert [r.getMessage() for r in caplog.records] == [
        f"call={SID} a call record step was malformed; dropped",
        f"call={SID} a call status was malformed; dropped",
    ]


def test_close_writes_what_is_left_and_later_steps_are_dropped(
    make_recorder: MakeRecorder, engine: Engine
) -> None:
    recorder = make_recorder()
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")
    recorder.close()
    recorder.close()  # idempotent: atexit may close it again
    assert rows(engine, "SELECT count(*) FROM call_steps") == [(1,)]
    recorder.step(SID, AT, "Breña", "estudiantes", "entered", "")
    assert recorder.dropped == 1


def test_close_all_closes_every_live_recorder(tmp_path: Path) -> None:
    first = SqliteCallRecorder(tmp_path / "one.sqlite3", flush_seconds=60)
    second = SqliteCallRecorder(tmp_path / "two.sqlite3", flush_seconds=60)
    first.step(SID, AT, "Breña", "principal", "call_start", "")
    second.step(OTHER, AT, "Comas", "principal", "call_start", "")
    calls.close_all()
    assert rows(tmp_path / "one.sqlite3", "SELECT call_sid FROM call_steps") == [(SID,)]
    assert rows(tmp_path / "two.sqlite3", "SELECT call_sid FROM call_steps") == [(OTHER,)]


def test_a_forked_worker_writes_its_own_rows_only(
    make_recorder: MakeRecorder, engine: Engine
) -> None:
    """Like gunicorn with preload: the parent buffers a row, forks, the child records one."""
    recorder = make_recorder()
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")  # starts the parent's writer
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork() with threads
        pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        code = 1
        try:
            recorder.step(OTHER, AT, "Comas", "principal", "call_start", "")
            code = 0 if recorder.flush() == 1 else 2
            recorder.close()
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert recorder.flush() == 1  # the parent's row, written once, by the parent
    assert rows(engine, "SELECT call_sid, campus FROM call_steps ORDER BY id") == [
        (OTHER, "Comas"),
        (SID, "Breña"),
    ]


def test_a_changed_pid_starts_afresh(make_recorder: MakeRecorder, engine: Engine) -> None:
    """The os.getpid() check: a recorder made by another process starts afresh in this one."""
    recorder = make_recorder()
    recorder.step(SID, AT, "Breña", "principal", "call_start", "")
    parent_writer, parent_wake = recorder._writer, recorder._wake
    recorder._pid = os.getpid() + 1  # as if this recorder had been made before a fork
    recorder.step(OTHER, AT, "Comas", "principal", "call_start", "")
    assert recorder._pid == os.getpid()
    assert recorder._writer is not parent_writer
    assert recorder.flush() == 1
    assert rows(engine, "SELECT call_sid FROM call_steps") == [(OTHER,)]
    recorder.close()
    with parent_wake:  # let the "parent's" writer see the close instead of sleeping a minute
        parent_wake.notify_all()
    assert parent_writer is not None
    parent_writer.join(timeout=5)
    assert not parent_writer.is_alive()


def test_calls_reads_whole_calls_that_start_in_the_range(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    start = datetime(2026, 11, 18, tzinfo=LIMA)
    end = start + timedelta(days=1)
    before, late, inside = "CA" + "1" * 32, "CA" + "2" * 32, "CA" + "3" * 32
    recorder.step(before, start - timedelta(seconds=5), "Comas", "principal", "call_start", "")
    recorder.step(before, start + timedelta(seconds=5), "Comas", "estudiantes", "entered", "")
    recorder.step(inside, end - timedelta(seconds=10), "Breña", "principal", "call_start", "")
    recorder.step(
        inside, end + timedelta(seconds=10), "Breña", "estudiantes", "entered", "", said="2"
    )
    recorder.step(late, end, "Breña", "principal", "call_start", "")
    recorder.status(inside, end + timedelta(seconds=20), "in-progress", None)
    recorder.status(inside, end + timedelta(seconds=30), "completed", 40)
    recorder.flush()
    assert list(recorder.calls(start, end)) == [
        CallRecord(
            call_sid=inside,
            campus="Breña",
            steps=(
                Step(datetime(2026, 11, 19, 4, 59, 50, tzinfo=UTC), "principal", "call_start"),
                Step(
                    datetime(2026, 11, 19, 5, 0, 10, tzinfo=UTC), "estudiantes", "entered", "", "2"
                ),
            ),
            call_status="completed",
            duration_s=40,
        )
    ]
