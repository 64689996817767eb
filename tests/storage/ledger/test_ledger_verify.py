"""Phone verification: same answer for an unknown code and a wrong DNI; lockout across calls."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from ivr.clock import LIMA
from ivr.core.fees import Student
from ivr.storage.database import make_engine
from ivr.storage.ledger.base import LockoutPolicy, StudentRecord, VerifyOutcome
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import SECRET_KEY, dump

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=LIMA)
REJECTED = VerifyOutcome("rejected")
LOCKED = VerifyOutcome("locked")


@pytest.fixture
def ledger(ledger: SqlLedger) -> SqlLedger:
    ledger.import_students([StudentRecord(Student("N00012345"), "2468")])
    return ledger


def test_the_right_digits_verify(ledger: SqlLedger) -> None:
    outcome = ledger.verify("00012345", "2468", NOW)
    assert outcome == VerifyOutcome("verified", "N00012345")
    assert outcome.verified


@pytest.mark.parametrize(
    ("code", "dni"),
    [
        pytest.param("00012345", "2469", id="wrong-dni"),
        pytest.param("00099999", "2468", id="unknown-code"),
        pytest.param("00012345", "246", id="three-digits"),
        pytest.param("00012345", "24a8", id="not-digits"),
        pytest.param("N00012345", "2468", id="letter-keyed"),
        pytest.param("", "2468", id="nothing-keyed"),
    ],
)
def test_every_failure_gets_the_same_answer(ledger: SqlLedger, code: str, dni: str) -> None:
    assert ledger.verify(code, dni, NOW) == REJECTED


def test_five_failures_in_fifteen_minutes_lock_the_code(ledger: SqlLedger) -> None:
    outcomes = [ledger.verify("00012345", "0000", NOW + timedelta(minutes=3 * i)) for i in range(5)]
    assert outcomes == [REJECTED] * 4 + [LOCKED]
    # locked, even with the right digits, for 30 minutes from the fifth failure
    assert ledger.verify("00012345", "2468", NOW + timedelta(minutes=12 + 29)) == LOCKED
    assert ledger.verify("00012345", "2468", NOW + timedelta(minutes=12 + 30)).verified


def test_an_unknown_code_locks_the_same_way(ledger: SqlLedger) -> None:
    outcomes = [ledger.verify("00099999", "2468", NOW) for _ in range(5)]
    assert outcomes == [REJECTED] * 4 + [LOCKED]
    assert ledger.verify("00099999", "2468", NOW + timedelta(minutes=1)) == LOCKED
    assert ledger.verify("00012345", "2468", NOW).verified  # other codes are not affected


def test_failures_older_than_the_window_do_not_count(ledger: SqlLedger) -> None:
    for i in range(4):
        assert ledger.verify("00012345", "0000", NOW + timedelta(minutes=i)) == REJECTED
    assert ledger.verify("00012345", "0000", NOW + timedelta(minutes=16)) == REJECTED


def test_a_success_clears_the_failures(ledger: SqlLedger) -> None:
    for _ in range(4):
        ledger.verify("00012345", "0000", NOW)
    assert ledger.verify("00012345", "2468", NOW).verified
    assert ledger.verify("00012345", "0000", NOW) == REJECTED


def test_the_lockout_is_configurable(make_ledger) -> None:  # type: ignore[no-untyped-def]
    policy = LockoutPolicy(max_failures=2, window=timedelta(minutes=1), lock_for=timedelta(hours=2))
    ledger = make_ledger(lockout=policy)
    ledger.import_students([StudentRecord(Student("N00012345"), "2468")])
    assert ledger.verify("00012345", "1", NOW) == REJECTED
    assert ledger.verify("00012345", "2", NOW) == LOCKED
    assert ledger.verify("00012345", "2468", NOW + timedelta(minutes=119)) == LOCKED


def test_the_clock_zone_does_not_matter(ledger: SqlLedger) -> None:
    for _ in range(5):
        ledger.verify("00012345", "0000", NOW.astimezone(UTC))
    # the same instant written in Lima time is still inside the lock
    assert ledger.verify("00012345", "2468", NOW + timedelta(minutes=29)) == LOCKED


def test_purge_expired_forgets_old_failures_and_locks(ledger: SqlLedger) -> None:
    for _ in range(5):
        ledger.verify("00099999", "0000", NOW)  # locked until 10:30
    ledger.verify("00012345", "0000", NOW)
    ledger.verify("00012345", "0000", NOW + timedelta(minutes=20))
    assert ledger.purge_expired(NOW + timedelta(minutes=20)) == 1  # the 10:00 failure
    assert ledger.purge_expired(NOW + timedelta(minutes=30)) == 1  # the lock
    assert ledger.verify("00099999", "0000", NOW + timedelta(minutes=31)) == REJECTED


def test_naive_datetimes_are_refused(ledger: SqlLedger) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        ledger.verify("00012345", "2468", datetime(2026, 11, 21, 10, 0))  # noqa: DTZ001


def test_simultaneous_wrong_guesses_lock_at_exactly_the_fifth(database_url: str) -> None:
    """Ten callers on two hosts (two engines) guess wrong at the same instant."""
    hosts = [make_engine(database_url), make_engine(database_url)]
    try:
        ledgers = [SqlLedger(engine, key=SECRET_KEY.encode()) for engine in hosts]
        ledgers[0].import_students([StudentRecord(Student("N00012345"), "2468")])
        start = threading.Barrier(10)
        outcomes: list[VerifyOutcome] = []

        def guess(n: int) -> None:
            start.wait()
            outcomes.append(ledgers[n % 2].verify("00012345", f"{n:04d}", NOW))

        threads = [threading.Thread(target=guess, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(o.status for o in outcomes) == ["locked"] * 6 + ["rejected"] * 4
        assert ledgers[1].verify("00012345", "2468", NOW + timedelta(minutes=1)) == LOCKED
    finally:
        for engine in hosts:
            engine.dispose()


def test_the_same_attempt_twice_counts_one_failure(ledger: SqlLedger) -> None:
    for n in range(4):
        assert ledger.verify("00012345", "0000", NOW, attempt=f"CA1:{n}") == REJECTED
    # a balancer retries the fourth request: the same answer, and no fifth failure counted
    retried = ledger.verify("00012345", "0000", NOW, attempt="CA1:3")
    assert retried == VerifyOutcome("rejected", repeated=True)
    assert ledger.verify("00012345", "0000", NOW, attempt="CA1:4") == LOCKED


def test_a_success_writes_nothing_when_there_were_no_failures(ledger: SqlLedger) -> None:
    before = dump(ledger.engine)
    assert ledger.verify("00012345", "2468", NOW).verified
    assert dump(ledger.engine) == before
