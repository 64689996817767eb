"""OverrideStore: one row of the shared database, seen by every process of every host."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from ivr.clock import LIMA
from ivr.core.schedule import Override
from ivr.storage.database import make_engine, sqlite_url
from ivr.storage.override import OverrideStore, read_override
from ivr.storage.schema import emergency_override
from tests.helpers import upgrade_url


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


def test_no_row_is_no_override(engine: Engine) -> None:
    assert OverrideStore(engine).get() is None
    assert OverrideStore(engine).get(at(2026, 3, 4, 10)) is None


def test_set_writes_one_row_and_reads_back(engine: Engine) -> None:
    store = OverrideStore(engine)
    written = store.set("  Corte de luz en el campus.  ", at(2026, 3, 4, 18), at(2026, 3, 4, 10, 5))
    assert written == Override(
        "Corte de luz en el campus.", at(2026, 3, 4, 10, 5), at(2026, 3, 4, 18)
    )
    assert store.get() == written
    store.set("Otro.", None, at(2026, 3, 4, 11))
    with engine.connect() as conn:
        rows = conn.execute(select(emergency_override)).all()
    assert [(r.id, r.message, r.until) for r in rows] == [(1, "Otro.", None)]


def test_times_are_read_back_in_lima(engine: Engine) -> None:
    store = OverrideStore(engine)
    store.set("Sismo.", None, datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    got = OverrideStore(engine).get()
    assert got == Override("Sismo.", at(2026, 3, 4, 10), None)
    assert got is not None and got.set_at.tzinfo == LIMA


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(at(2026, 3, 4, 17, 59, 59), True, id="before-until"),
        pytest.param(at(2026, 3, 4, 18), False, id="at-until-expired"),
        pytest.param(None, True, id="without-now-the-record-is-returned"),
    ],
)
def test_expired_override_reads_as_none_given_now(
    engine: Engine, now: datetime | None, expected: bool
) -> None:
    store = OverrideStore(engine)
    store.set("Corte de luz.", at(2026, 3, 4, 18), at(2026, 3, 4, 10))
    assert (store.get(now) is not None) is expected


def test_another_host_sees_set_and_clear_at_once(database_url: str) -> None:
    # Two engines: two processes, or two hosts on one PostgreSQL.
    one, two = make_engine(database_url), make_engine(database_url)
    try:
        cli, worker = OverrideStore(one), OverrideStore(two, ttl=0)
        assert worker.get() is None
        cli.set("Primero.", None, at(2026, 3, 4, 10))
        assert worker.get() == Override("Primero.", at(2026, 3, 4, 10))
        cli.set("Segundo.", None, at(2026, 3, 4, 10, 1))
        assert worker.get() == Override("Segundo.", at(2026, 3, 4, 10, 1))
        assert cli.clear() is True
        assert worker.get() is None
        assert cli.clear() is False
    finally:
        one.dispose()
        two.dispose()


def test_a_process_asks_the_database_at_most_once_per_ttl(database_url: str) -> None:
    one, two = make_engine(database_url), make_engine(database_url)
    try:
        worker = OverrideStore(two, ttl=1.0)
        assert worker.get() is None
        OverrideStore(one).set("Corte.", None, at(2026, 3, 4, 10))
        assert worker.get() is None  # read less than ttl ago
        time.sleep(1.05)
        assert worker.get() == Override("Corte.", at(2026, 3, 4, 10))
    finally:
        one.dispose()
        two.dispose()


def test_clearing_one_override_keeps_one_set_meanwhile(engine: Engine) -> None:
    store = OverrideStore(engine)
    old = store.set("Viejo.", at(2026, 3, 4, 12), at(2026, 3, 4, 10))
    store.set("Nuevo.", None, at(2026, 3, 4, 11))
    assert store.clear(only=old) is False
    assert store.get() == Override("Nuevo.", at(2026, 3, 4, 11))


def test_while_the_database_is_unreadable_the_last_override_read_stays(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "ivr.sqlite3"
    upgrade_url(sqlite_url(path))
    engine = make_engine(sqlite_url(path))
    store = OverrideStore(engine, ttl=0)
    store.set("Corte.", None, at(2026, 3, 4, 10))
    assert store.get() is not None
    engine.dispose()
    path.unlink()
    path.mkdir()  # the file is gone and cannot be opened: every read fails
    with caplog.at_level(logging.ERROR, logger="ivr.storage.override"):
        assert store.get() == Override("Corte.", at(2026, 3, 4, 10))
        assert store.get() == Override("Corte.", at(2026, 3, 4, 10))
    assert len(caplog.records) == 1  # once per outage, not per request
    assert (
        caplog.records[0]
        .getMessage()
        .startswith("cannot read the emergency override; keeping the last one (active): ")
    )
    engine.dispose()


def test_ivr_check_reads_the_override_without_creating_a_database(
    tmp_path: Path, database_url: str
) -> None:
    missing = tmp_path / "none" / "ivr.sqlite3"
    assert read_override(sqlite_url(missing), at(2026, 3, 4, 10)) is None
    assert not missing.exists()
    engine = make_engine(database_url)
    OverrideStore(engine).set("Corte.", None, at(2026, 3, 4, 10))
    engine.dispose()
    assert read_override(database_url, at(2026, 3, 4, 10)) == Override("Corte.", at(2026, 3, 4, 10))


def test_set_refuses_a_naive_end(engine: Engine) -> None:
    """The message and the end are checked by the action (tests/actions); the store only
    refuses an instant without a timezone."""
    store = OverrideStore(engine)
    with pytest.raises(ValueError) as raised:
        store.set("Corte.", datetime(2026, 3, 4, 18), at(2026, 3, 4, 10))  # noqa: DTZ001
    assert str(raised.value) == "naive datetime: every instant must carry its timezone"
    assert store.get() is None
