"""QuickRead: a Core SELECT on a pooled driver connection, same answers and errors as Core's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Engine, MetaData, Table, Text, bindparam, select
from sqlalchemy.exc import SQLAlchemyError

from ivr.clock import LIMA
from ivr.storage.quickread import QuickRead
from ivr.storage.schema import Instant, call_sessions
from ivr.storage.sessions import CLOSED_KEPT, SessionStore

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
CLOSED_AT = select(call_sessions.c.closed_at).where(
    call_sessions.c.call_sid == bindparam("call_sid"),
    call_sessions.c.expires_at > bindparam("now", type_=Instant()),
)


def test_it_answers_as_a_connection_does(engine: Engine) -> None:
    SessionStore(engine).close("CA1", NOW)
    read = QuickRead(engine, CLOSED_AT)
    with engine.connect() as conn:
        expected = conn.execute(CLOSED_AT, {"call_sid": "CA1", "now": NOW}).scalar_one()
    found = read.value({"call_sid": "CA1", "now": NOW})
    assert found == expected == NOW.astimezone(UTC)  # converted by the column's own type
    assert read.value({"call_sid": "CA2", "now": NOW}) is None  # no row
    assert read.value({"call_sid": "CA1", "now": NOW + CLOSED_KEPT + timedelta(seconds=1)}) is None


def test_it_converts_its_parameters_as_core_does(engine: Engine) -> None:
    read = QuickRead(engine, CLOSED_AT)
    with pytest.raises(ValueError, match="naive datetime"):
        read.value({"call_sid": "CA1", "now": datetime(2026, 11, 18, 10, 0)})  # noqa: DTZ001


def test_a_driver_error_is_a_store_error(engine: Engine) -> None:
    missing = Table("no_such_table", MetaData(), Column("name", Text))
    broken = QuickRead(engine, select(missing.c.name).where(missing.c.name == bindparam("n")))
    with pytest.raises(SQLAlchemyError) as raised:
        broken.value({"n": "x"})
    assert "no_such_table" in str(raised.value)
    # The pooled connection went back clean and still serves.
    SessionStore(engine).close("CA1", NOW)
    assert QuickRead(engine, CLOSED_AT).value({"call_sid": "CA1", "now": NOW}) is not None
