"""Callback requests in the shared database, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from ivr.clock import LIMA
from ivr.storage.callbacks import CallbackStore, mask_number

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)


def test_a_request_is_stored_pending_and_listed_oldest_first(engine: Engine) -> None:
    store = CallbackStore(engine)
    later = store.request("CA2", "+5116044700", "facturacion", "Comas", NOW + timedelta(minutes=5))
    first = store.request("CA1", "+51999888777", "helpdesk", "Breña", NOW)
    assert [c.id for c in store.list()] == [first.id, later.id]
    assert (first.number, first.desk, first.campus, first.status, first.attempts) == (
        "+51999888777",
        "helpdesk",
        "Breña",
        "pending",
        0,
    )
    assert first.requested_at == NOW
    assert [c.call_sid for c in store.list(desk="helpdesk")] == ["CA1"]


def test_the_same_call_asking_twice_is_stored_once(engine: Engine) -> None:
    store = CallbackStore(engine)
    one = store.request("CA1", "+51999888777", "helpdesk", "Breña", NOW)
    two = store.request("CA1", "+51999888777", "helpdesk", "Breña", NOW + timedelta(seconds=3))
    assert one == two
    assert len(store.list()) == 1


def test_two_hosts_storing_the_same_request_at_once_keep_one(engine: Engine) -> None:
    stores = [CallbackStore(engine), CallbackStore(engine)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def ask(store: CallbackStore) -> None:
        barrier.wait()
        try:
            store.request("CA1", "+51999888777", "helpdesk", "Breña", NOW)
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(stores[0].list()) == 1


def test_marking_and_filtering_by_status(engine: Engine) -> None:
    store = CallbackStore(engine)
    one = store.request("CA1", "+51999888777", "helpdesk", "Breña", NOW)
    store.request("CA2", "+51988777666", "helpdesk", "Breña", NOW)
    assert store.mark(one.id, "called", NOW + timedelta(hours=1), attempt=True)
    assert store.mark(one.id, "done", NOW + timedelta(hours=2))
    [done] = store.list(status="done")
    assert (done.id, done.attempts, done.updated_at) == (one.id, 1, NOW + timedelta(hours=2))
    assert [c.call_sid for c in store.list(status="pending")] == ["CA2"]
    assert not store.mark(9999, "done", NOW)
    with pytest.raises(ValueError, match="unknown status 'finished'"):
        store.mark(one.id, "finished", NOW)


def test_numbers_are_masked_for_logs() -> None:
    assert mask_number("+51999888777") == "***777"
