"""A fresh SQLite ledger per test, closed afterwards."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ivr.storage.ledger.base import LockoutPolicy
from ivr.storage.ledger.sqlite import SqliteLedger

MakeLedger = Callable[..., SqliteLedger]


@pytest.fixture
def make_ledger(tmp_path: Path) -> Iterator[MakeLedger]:
    """Return a factory of ledgers in ``tmp_path`` (same file unless ``name`` differs)."""
    opened: list[SqliteLedger] = []

    def make(
        name: str = "ledger.sqlite3",
        *,
        hash_iterations: int = 1000,
        lockout: LockoutPolicy | None = None,
    ) -> SqliteLedger:
        ledger = SqliteLedger(tmp_path / name, hash_iterations=hash_iterations, lockout=lockout)
        opened.append(ledger)
        return ledger

    yield make
    for ledger in opened:
        ledger.close()


@pytest.fixture
def ledger(make_ledger: MakeLedger) -> SqliteLedger:
    return make_ledger()
