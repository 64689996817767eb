"""Failures per calling number and closed calls, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from ivr.clock import LIMA
from ivr.storage.callers import CallerLimits, CallerPolicy, caller_key
from ivr.storage.schema import call_sessions, caller_failures
from ivr.storage.sessions import SessionStore

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=LIMA)


def test_the_number_is_kept_only_as_a_keyed_hash(engine: Engine) -> None:
    key = caller_key("+51999000111", "token")
    assert key != caller_key("+51999000111", "other token")
    assert key != caller_key("+51999000112", "token")
    CallerLimits(engine).fail(key, NOW)
    with engine.connect() as conn:
        stored = conn.execute(select(caller_failures)).all()
    assert [row.caller for row in stored] == [key]
    assert "999000111" not in key


def test_withheld_numbers_share_one_key() -> None:
    keys = {
        caller_key(number, "t")
        for number in ("", " ", "anonymous", "Anonymous", "restricted", "unknown", "+266696687")
    }
    assert len(keys) == 1


def test_ten_failures_block_a_number_for_its_hour(engine: Engine) -> None:
    limits = CallerLimits(engine)
    for n in range(1, 11):
        assert not limits.blocked("a", NOW + timedelta(minutes=n))
        assert limits.fail("a", NOW + timedelta(minutes=n)) == n
    assert limits.blocked("a", NOW + timedelta(minutes=11))
    assert not limits.blocked("b", NOW + timedelta(minutes=11))
    # the hour began at the first failure
    assert limits.blocked("a", NOW + timedelta(minutes=60, seconds=59))
    assert not limits.blocked("a", NOW + timedelta(minutes=61))
    assert limits.fail("a", NOW + timedelta(minutes=61)) == 1  # a new hour counts from one


def test_simultaneous_failures_are_each_counted_once(engine: Engine) -> None:
    limits = CallerLimits(engine, CallerPolicy(alarm_per_hour=1000))
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = sorted(pool.map(lambda _: limits.fail("a", NOW), range(24)))
    assert counts == list(range(1, 25))


def test_purge_forgets_numbers_whose_hour_is_over(engine: Engine) -> None:
    limits = CallerLimits(engine)
    limits.fail("old", NOW)
    limits.fail("new", NOW + timedelta(minutes=30))
    assert limits.purge_expired(NOW + timedelta(minutes=61)) == 1
    with engine.connect() as conn:
        assert [r.caller for r in conn.execute(select(caller_failures.c.caller))] == ["new"]


def test_a_closed_call_forgets_its_data_and_stays_closed(engine: Engine) -> None:
    sessions = SessionStore(engine)
    sessions.put("CA1", {"code": "N00012345"}, NOW)
    assert not sessions.closed("CA1", NOW)
    sessions.close("CA1", NOW + timedelta(minutes=1))
    assert sessions.closed("CA1", NOW + timedelta(minutes=1))
    assert sessions.get("CA1", NOW + timedelta(minutes=1)) == {}
    # a step that finishes after the status callback neither reopens nor shortens it
    sessions.put("CA1", {"code": "N00012345"}, NOW + timedelta(minutes=2))
    assert sessions.get("CA1", NOW + timedelta(minutes=2)) == {}
    assert sessions.closed("CA1", NOW + timedelta(days=29))
    sessions.purge_expired(NOW + timedelta(days=29))
    assert sessions.closed("CA1", NOW + timedelta(days=29))
    # a call never seen before can be closed too (its status callback came first)
    sessions.close("CA2", NOW)
    assert sessions.closed("CA2", NOW)
    with engine.connect() as conn:
        rows = conn.execute(select(call_sessions.c.call_sid, call_sessions.c.data)).all()
    assert sorted(rows) == [("CA1", "{}"), ("CA2", "{}")]


def test_each_failure_over_the_alarm_rate_is_reported(engine: Engine) -> None:
    alarms: list[None] = []
    policy = CallerPolicy(alarm_per_hour=2)
    limits = CallerLimits(engine, policy, on_alarm=lambda: alarms.append(None))
    for n in range(4):
        limits.fail(f"number {n}", NOW)
    assert len(alarms) == 2  # the third and the fourth failure of the hour
