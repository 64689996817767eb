"""The desks' store on SQLite and PostgreSQL: claims made once, whatever the number of hosts."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine

from ivr.clock import LIMA
from ivr.core.desks import AgentState, Kind
from ivr.storage.callbacks import CallbackStore
from ivr.storage.database import make_engine
from ivr.storage.desks import Claim, DeskStore

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)


def _agents(store: DeskStore, count: int) -> None:
    for n in range(count):
        store.add_agent(f"agent{n}", f"+5191111111{n}", ["helpdesk"], NOW)
        store.set_state(f"agent{n}", AgentState.AVAILABLE, NOW + timedelta(seconds=n))


def _at_once(engine: Engine, hosts: int, work: object) -> list[object]:
    """Run ``work(store)`` on ``hosts`` threads at once, each with its own engine (a host)."""
    barrier = threading.Barrier(hosts)
    results: list[object] = []
    errors: list[BaseException] = []
    engines = [make_engine(engine.url) for _ in range(hosts)]

    def run(own: Engine) -> None:
        barrier.wait()
        try:
            results.append(work(DeskStore(own)))  # type: ignore[operator]
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(e,)) for e in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for own in engines:
        own.dispose()
    assert errors == []
    return results


def test_hosts_claiming_at_once_ring_each_agent_once_and_each_entry_once(engine: Engine) -> None:
    store = DeskStore(engine)
    _agents(store, 3)
    callbacks = CallbackStore(engine)
    for n in range(2):
        made = callbacks.request(f"CA{n}", f"+5199900000{n}", "helpdesk", "Breña", NOW)
        store.keep_place(made.id, entered_at=NOW - timedelta(minutes=5 - n), central="+511")
    store.caller_waits("CA9", "helpdesk", campus="Breña", central="+511",
                       entered_at=NOW - timedelta(minutes=1), verified=False, asked="")  # fmt: skip

    def claim_all(own: DeskStore) -> list[Claim]:
        got = []
        while (claim := own.claim(NOW, {"helpdesk"})) is not None:
            got.append(claim)
        return got

    claims = [c for batch in _at_once(engine, 4, claim_all) for c in batch]  # type: ignore[attr-defined]
    assert sorted(c.agent for c in claims) == ["agent0", "agent1", "agent2"]
    assert sorted((c.kind, c.ref) for c in claims) == sorted(
        [(Kind.CALLBACK, "1"), (Kind.CALLBACK, "2"), (Kind.CALLER, "CA9")]
    )
    assert store.claim(NOW, {"helpdesk"}) is None


def test_a_callback_is_dialled_once_whoever_asks(engine: Engine) -> None:
    store = DeskStore(engine)
    _agents(store, 1)
    made = CallbackStore(engine).request("CA1", "+51999000001", "helpdesk", "Breña", NOW)
    store.keep_place(made.id, entered_at=NOW, central="+511")
    claim = store.claim(NOW, {"helpdesk"})
    assert claim is not None and claim.kind == Kind.CALLBACK
    dials = _at_once(engine, 3, lambda own: own.dial(made.id, "agent0", NOW))
    assert sum(1 for d in dials if d is not None) == 1
    placed = store.placed(made.id)
    assert placed is not None and placed.attempts == 1


def test_a_closed_desk_places_no_callback_but_rings_for_live_callers(engine: Engine) -> None:
    store = DeskStore(engine)
    _agents(store, 1)
    made = CallbackStore(engine).request("CA1", "+51999000001", "helpdesk", "Breña", NOW)
    store.keep_place(made.id, entered_at=NOW - timedelta(minutes=9), central="+511")
    assert store.claim(NOW, open_desks=set()) is None
    store.caller_waits("CA2", "helpdesk", campus="Breña", central="+511", entered_at=NOW,
                       verified=True, asked="Help Desk")  # fmt: skip
    claim = store.claim(NOW, open_desks=set())
    assert claim is not None and (claim.kind, claim.ref) == (Kind.CALLER, "CA2")
