"""Factories for the schedule tests: schedule folders and the shipped schedules, parsed."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from ivr.config.schedules import parse_schedules
from ivr.config.source import Collector
from ivr.core.schedule import Schedules

REPO = Path(__file__).resolve().parents[2]

#: A minimal valid central line, for tests that break one other thing.
CENTRAL = """\
weekly:
  lunes-viernes: {from: '09:00', until: '21:00'}
  sábado: {from: '09:00', until: '14:00'}
"""

Parse = Callable[..., tuple[Schedules | None, list[str]]]


@pytest.fixture
def parse_folder(tmp_path: Path) -> Parse:
    """Return a factory writing ``schedules/<name>`` files, then parsing the folder.

    ``parse_folder(central=..., messages=..., **{"other.yaml": ...})``: keyword ``central``
    and ``messages`` name central.yaml and messages.yaml; None leaves a file out. Returns the
    schedules (or None) and the problems as the operator reads them.
    """

    def parse(
        central: str | None = CENTRAL, messages: str | None = None, **others: str
    ) -> tuple[Schedules | None, list[str]]:
        folder = tmp_path / "schedules"
        folder.mkdir(exist_ok=True)
        files = {"central.yaml": central, "messages.yaml": messages, **others}
        for name, text in files.items():
            if text is not None:
                (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
        collector = Collector()
        schedules = parse_schedules(collector, tmp_path)
        return schedules, [str(problem) for problem in collector.problems]

    return parse


@pytest.fixture(scope="session")
def shipped() -> Schedules:
    """Return the schedules shipped in the repository's schedules/ folder."""
    collector = Collector()
    schedules = parse_schedules(collector, REPO)
    assert [str(p) for p in collector.problems] == []
    assert schedules is not None
    return schedules
