"""Fixtures for call records: a recorder factory that always closes what it made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from ivr.observability.calls import SqlCallRecorder

MakeRecorder = Callable[..., SqlCallRecorder]


@pytest.fixture
def make_recorder(engine: Engine) -> Iterator[MakeRecorder]:
    """Return a factory of recorders on the test's database; a long flush interval by default."""
    made: list[SqlCallRecorder] = []

    def factory(**options: Any) -> SqlCallRecorder:
        options.setdefault("flush_seconds", 60.0)  # tests flush() explicitly
        recorder = SqlCallRecorder(engine, **options)
        made.append(recorder)
        return recorder

    yield factory
    for recorder in made:
        recorder.close()
