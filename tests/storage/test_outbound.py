"""Limits on callbacks and texts, and one text per call, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from ivr.clock import LIMA
from ivr.core.menu import TransferNode
from ivr.core.queue.dialogue import CallbackStored, Sent
from ivr.core.queue.wait import Limit, OutboundLimits
from ivr.storage.callbacks import CallbackStore
from ivr.storage.database import make_engine
from ivr.storage.outbound import ALARM_LOG_EVERY, CALLBACK, SMS, OutboundStore, OverLimit
from ivr.storage.queue import QueueCall
from ivr.storage.schema import outbound_counts, outbound_messages
from ivr.storage.sessions import SessionStore

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
VICTIM = "+51987654321"
SECRET = "token"

HELPDESK = TransferNode("helpdesk", "Help Desk", None, "helpdesk", None, "central", None)
STORED = CallbackStored()  # stored, for a desk without agents: no hour promised


def queue_call(
    engine: Engine,
    call_sid: str,
    caller: str,
    limits: OutboundLimits | None = None,
    now: datetime = NOW,
    outbound: OutboundStore | None = None,
) -> QueueCall:
    return QueueCall(
        SessionStore(engine),
        CallbackStore(engine),
        None,
        call_sid,
        now,
        outbound=outbound or OutboundStore(engine, SECRET),
        limits=limits,
        caller=caller,
    )


def caller_id(n: int) -> str:
    return f"+51999{n:06d}"


def test_forty_callers_asking_callbacks_to_one_number_leave_three(database_url: str) -> None:
    """Issue 21: 40 calls from 40 caller IDs left 40 pending callbacks to one victim's number."""
    # two engines: two hosts' pools, each request on its own connection
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        outbound = [OutboundStore(e, SECRET) for e in engines]

        def ask(n: int) -> CallbackStored | Sent:
            engine = engines[n % 2]
            call = queue_call(engine, f"CA{n:032d}", caller_id(n), outbound=outbound[n % 2])
            return call.request_callback(VICTIM, HELPDESK, "Breña")

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(ask, range(40)))
        assert results.count(STORED) == 2  # the victim's number: 2 an hour (then 3 a day)
        assert results.count(Sent.LIMITED) == 38
        pending = CallbackStore(engines[0]).list(status="pending")
        assert [c.number for c in pending] == [VICTIM, VICTIM]
        assert outbound[0].count(CALLBACK, "per_number", VICTIM, "2026-11-18") == 2
        # an hour later, one more: the day's third; then none until tomorrow
        later = NOW + timedelta(hours=1)
        done = [
            queue_call(engines[0], f"CB{n:032d}", caller_id(100 + n), now=later).request_callback(
                VICTIM, HELPDESK, "Breña"
            )
            for n in range(5)
        ]
        assert done == [STORED] + [Sent.LIMITED] * 4
        assert len(CallbackStore(engines[0]).list(status="pending")) == 3
    finally:
        for engine in engines:
            engine.dispose()


def test_thirty_calls_from_one_number_leave_at_most_its_limit(engine: Engine) -> None:
    """Issue 21: 30 calls from one number left 30 pending callbacks."""
    limits = OutboundLimits(callback_per_caller=Limit(hour=3, day=3))

    def ask(n: int) -> CallbackStored | Sent:
        call = queue_call(engine, f"CA{n:032d}", "+51999888777", limits)
        return call.request_callback(f"+5198765{n:04d}", HELPDESK, "Breña")  # other numbers

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ask, range(30)))
    assert results.count(STORED) == 3
    assert len(CallbackStore(engine).list()) == 3


def test_a_refused_request_counts_nothing(engine: Engine) -> None:
    limits = OutboundLimits(
        callback_per_caller=Limit(hour=5, day=5), callback_per_number=Limit(hour=1, day=1)
    )
    store = OutboundStore(engine, SECRET)
    assert queue_call(engine, "CA1", "+51999000001", limits).request_callback(
        VICTIM, HELPDESK, "Breña"
    )
    refused = queue_call(engine, "CA2", "+51999000002", limits).request_callback(
        VICTIM, HELPDESK, "Breña"
    )
    assert refused is Sent.LIMITED
    # the refused request's caller was counted and then rolled back, with its request
    assert store.count(CALLBACK, "per_caller", "+51999000002", "2026-11-18") == 0
    assert store.count(CALLBACK, "total", None, "2026-11-18T10") == 1
    assert CallbackStore(engine).for_call("CA2") is None


def test_a_retried_request_is_stored_and_counted_once(engine: Engine) -> None:
    call = queue_call(engine, "CA1", "+51999888777")
    assert call.request_callback(VICTIM, HELPDESK, "Breña") == STORED
    assert call.request_callback(VICTIM, HELPDESK, "Breña") == STORED
    store = OutboundStore(engine, SECRET)
    assert store.count(CALLBACK, "per_number", VICTIM, "2026-11-18") == 1


def test_six_copies_of_one_key_press_claim_one_text(database_url: str) -> None:
    """Issue 21: six simultaneous copies of one key press (a retried webhook) sent 3."""
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        stores = [OutboundStore(e, SECRET) for e in engines]

        def claim(n: int) -> bool:
            store = stores[n % 2]
            quotas = store.sms_quotas(OutboundLimits(), "+51999888777")
            return store.claim_message("CA1", "channels", "+51999888777", quotas, NOW)

        with ThreadPoolExecutor(max_workers=6) as pool:
            claimed = list(pool.map(claim, range(6)))
        assert claimed.count(True) == 1
        with engines[0].connect() as conn:
            [row] = conn.execute(select(outbound_messages)).all()
        assert (row.call_sid, row.choice, row.number, row.status) == (
            "CA1",
            "channels",
            "***777",
            "sending",
        )
        assert stores[0].count(SMS, "per_number", "+51999888777", "2026-11-18") == 1
    finally:
        for engine in engines:
            engine.dispose()


def test_one_text_a_day_per_number(engine: Engine) -> None:
    store = OutboundStore(engine, SECRET)
    quotas = store.sms_quotas(OutboundLimits(), "+51999888777")
    assert store.claim_message("CA1", "channels", "+51999888777", quotas, NOW)
    for hours in (0, 5, 13):
        with pytest.raises(OverLimit):
            store.claim_message(
                f"CA{hours + 2}", "channels", "+51999888777", quotas, NOW + timedelta(hours=hours)
            )
    # the next Lima day
    assert store.claim_message(
        "CA9", "channels", "+51999888777", quotas, datetime(2026, 11, 19, 0, 1, tzinfo=LIMA)
    )
    assert store.message("CA2", "channels") is None  # a refused text leaves no record


def test_numbers_are_kept_only_as_keyed_hashes(engine: Engine) -> None:
    queue_call(engine, "CA1", "+51999888777").request_callback(VICTIM, HELPDESK, "Breña")
    with engine.connect() as conn:
        subjects = {row.subject for row in conn.execute(select(outbound_counts))}
    assert subjects and not any("987654321" in s or "999888777" in s for s in subjects)


def test_refusals_raise_the_alarm_once_a_minute_and_count_each(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    counted: list[tuple[str, str]] = []
    store = OutboundStore(
        engine, SECRET, on_refused=lambda kind, scope: counted.append((kind, scope))
    )
    limits = OutboundLimits(callback_per_number=Limit(hour=1, day=1))
    with caplog.at_level(logging.WARNING, logger="ivr.outbound"):
        results = [
            queue_call(engine, f"CA{n}", caller_id(n), limits, outbound=store).request_callback(
                VICTIM, HELPDESK, "Breña"
            )
            for n in range(5)
        ]
    assert results == [STORED] + [Sent.LIMITED] * 4
    assert counted == [("callback", "per_number")] * 4
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "callback requests refused by the limits of queues.yaml: 1 since the last such line "
        "(this one over its per_number limit per day): someone may be aiming them at a number "
        "or running up a bill"
    ]
    assert ALARM_LOG_EVERY == 60.0


def test_purge_forgets_counters_whose_period_is_over(engine: Engine) -> None:
    store = OutboundStore(engine, SECRET)
    queue_call(engine, "CA1", "+51999888777", outbound=store).request_callback(
        VICTIM, HELPDESK, "Breña"
    )
    # 3 counters x (day, hour): the hours end at 11:00, the days at midnight
    assert store.purge_expired(NOW + timedelta(hours=1)) == 3
    assert store.purge_expired(datetime(2026, 11, 19, 0, 0, tzinfo=LIMA)) == 3
    with engine.connect() as conn:
        assert conn.execute(select(outbound_counts)).all() == []
