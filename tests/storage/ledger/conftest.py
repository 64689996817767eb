"""A fresh ledger per test, on SQLite and on PostgreSQL (the ``engine`` fixture's params)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine

from ivr.storage.ledger.base import LockoutPolicy
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import SECRET_KEY

MakeLedger = Callable[..., SqlLedger]


@pytest.fixture
def make_ledger(engine: Engine) -> MakeLedger:
    """Return a factory of ledgers on the test's (empty) database."""

    def make(
        *,
        key: bytes = SECRET_KEY.encode(),
        previous_key: bytes | None = None,
        lockout: LockoutPolicy | None = None,
    ) -> SqlLedger:
        return SqlLedger(engine, key=key, previous_key=previous_key, lockout=lockout)

    return make


@pytest.fixture
def ledger(make_ledger: MakeLedger) -> SqlLedger:
    return make_ledger()
