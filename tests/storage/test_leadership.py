"""One scheduler per deployment: a PostgreSQL advisory lock (several hosts), a file (one host)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from ivr.storage.database import make_engine
from ivr.storage.leadership import AdvisoryLeadership, FileLeadership


@pytest.fixture
def hosts(postgres_url: str) -> Iterator[list[Engine]]:
    made = [make_engine(postgres_url) for _ in range(3)]
    yield made
    for engine in made:
        engine.dispose()


def test_one_host_leads_the_others_wait(hosts: list[Engine]) -> None:
    first, second = AdvisoryLeadership(hosts[0]), AdvisoryLeadership(hosts[1])
    assert first.try_acquire() is None
    assert second.try_acquire() == "another host's scheduler leads (PostgreSQL advisory lock)"
    assert first.held()
    first.release()
    assert second.try_acquire() is None
    assert first.try_acquire() == "another host's scheduler leads (PostgreSQL advisory lock)"
    second.release()


def test_a_leader_whose_session_dies_knows_it_and_another_takes_over(hosts: list[Engine]) -> None:
    leader, follower = AdvisoryLeadership(hosts[0]), AdvisoryLeadership(hosts[1])
    assert leader.try_acquire() is None
    assert leader._conn is not None
    pid = leader._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
    leader._conn.commit()
    with hosts[2].connect() as admin:  # the leader's host dies: its session ends
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.commit()
    deadline = time.monotonic() + 10
    while follower.try_acquire() is not None:
        assert time.monotonic() < deadline, "the lock was not freed with the session"
        time.sleep(0.05)
    assert leader.held() is False
    follower.release()


def test_the_lock_file_lets_one_process_of_a_host_lead(tmp_path: Path) -> None:
    first, second = (
        FileLeadership(tmp_path / "scheduler.lock"),
        FileLeadership(tmp_path / "scheduler.lock"),
    )
    assert first.try_acquire() is None
    holder = second.try_acquire()
    assert holder is not None and holder.startswith("another scheduler holds ")
    first.release()
    assert second.try_acquire() is None
    second.release()


def test_a_released_lead_goes_back_to_the_pool_unlocked(hosts: list[Engine]) -> None:
    first = AdvisoryLeadership(hosts[0])
    assert first.try_acquire() is None
    first.release()
    with hosts[0].connect() as conn:  # the pooled connection it used holds no lock
        held = conn.execute(
            text(
                "SELECT count(*) FROM pg_locks "
                "WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
            )
        ).scalar_one()
    assert held == 0
    barrier = threading.Barrier(2)
    results: list[str | None] = []
    contenders = [AdvisoryLeadership(engine) for engine in hosts[:2]]

    def race(contender: AdvisoryLeadership) -> None:
        barrier.wait()
        results.append(contender.try_acquire())

    threads = [threading.Thread(target=race, args=(c,)) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results, key=str) == [
        None,
        "another host's scheduler leads (PostgreSQL advisory lock)",
    ]
    for contender in contenders:
        contender.release()
