"""A busy database: the right digits never wait for a lock; nothing waits past its deadline."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ivr.clock import LIMA
from ivr.core.fees import Student
from ivr.storage.database import STORE_ERRORS, answer_within, is_postgresql, make_engine, writing
from ivr.storage.ledger import sql
from ivr.storage.ledger.base import StudentRecord, VerifyOutcome
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.schema import verification_failures

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=LIMA)


@contextmanager
def write_lock_held(database_url: str) -> Iterator[None]:
    """Another process writing: SQLite's one write lock; PostgreSQL's writes to the failures."""
    other = make_engine(database_url)
    try:
        with writing(other) as conn:
            if is_postgresql(other):
                conn.exec_driver_sql(
                    "LOCK TABLE verification_failures, lockouts IN SHARE ROW EXCLUSIVE MODE"
                )
            yield
    finally:
        other.dispose()


@pytest.fixture
def ledger(ledger: SqlLedger) -> SqlLedger:
    ledger.import_students([StudentRecord(Student("N00012345"), "2468")])
    return ledger


def failures(ledger: SqlLedger) -> int:
    with ledger.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(verification_failures)).scalar())


def test_the_right_digits_do_not_wait_for_a_held_lock(ledger: SqlLedger, database_url: str) -> None:
    assert ledger.verify("00012345", "0000", NOW - timedelta(minutes=2)).status == "rejected"
    with write_lock_held(database_url), answer_within(4.0):
        started = time.monotonic()
        outcome = ledger.verify("00012345", "2468", NOW)
        waited = time.monotonic() - started
    assert outcome == VerifyOutcome("verified", "N00012345")
    assert waited < 2.0  # the failure it would clear stays rather than wait four seconds
    assert failures(ledger) == 1
    assert ledger.verify("00012345", "2468", NOW).verified  # unlocked: now it is cleared
    assert failures(ledger) == 0


def test_a_wrong_guess_under_a_held_lock_gives_up_at_the_deadline(
    ledger: SqlLedger, database_url: str
) -> None:
    with write_lock_held(database_url), answer_within(1.0):
        started = time.monotonic()
        with pytest.raises(STORE_ERRORS):
            ledger.verify("00012345", "0000", NOW)
        waited = time.monotonic() - started
    assert 0.9 < waited < 2.5
    assert failures(ledger) == 0  # nothing half-written


def test_without_a_deadline_a_statement_waits_for_the_lock(
    ledger: SqlLedger, database_url: str
) -> None:
    """Commands (imports, purges) wait as before: only webhooks run under a deadline."""
    other = make_engine(database_url)
    try:
        with writing(other) as conn:
            if is_postgresql(other):
                conn.exec_driver_sql("LOCK TABLE verification_failures IN SHARE ROW EXCLUSIVE MODE")
            worker = threading.Thread(target=lambda: ledger.verify("00012345", "0000", NOW))
            worker.start()
            worker.join(0.5)
            assert worker.is_alive()  # still waiting for the lock
        worker.join(5)
        assert not worker.is_alive()
    finally:
        other.dispose()
    assert failures(ledger) == 1


def test_an_import_in_progress_holds_no_lock(
    ledger: SqlLedger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While an import stages its batches, a wrong guess is counted at once (issue 21)."""
    monkeypatch.setattr(sql, "_BATCH", 3)
    heard: list[str] = []

    def records() -> Iterator[StudentRecord]:
        for n in range(7):
            if n == 4:  # the first batch is staged, the second half read
                with answer_within(1.0):
                    try:
                        heard.append(ledger.verify("00012345", "0000", NOW).status)
                    except STORE_ERRORS:
                        heard.append("gave up at the deadline")
            yield StudentRecord(Student(f"N{70_000_000 + n:08d}"), "1357", n + 2)

    result = ledger.import_students(records())
    assert heard == ["rejected"]
    assert failures(ledger) == 1
    assert (result.rows, result.added, result.ok) == (7, 7, True)
    assert ledger.count("students") == 8
