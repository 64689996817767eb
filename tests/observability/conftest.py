"""Fixtures for call records: a recorder factory that always closes what it made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ivr.observability.calls import SqliteCallRecorder

MakeRecorder = Callable[..., SqliteCallRecorder]


@pytest.fixture
def make_recorder(tmp_path: Path) -> Iterator[MakeRecorder]:
    """Return a factory of recorders in tmp_path; a long flush interval unless told otherwise."""
    made: list[SqliteCallRecorder] = []

    def factory(name: str = "calls.sqlite3", **options: Any) -> SqliteCallRecorder:
        options.setdefault("flush_seconds", 60.0)  # tests flush() explicitly
        recorder = SqliteCallRecorder(tmp_path / name, **options)
        made.append(recorder)
        return recorder

    yield factory
    for recorder in made:
        recorder.close()
