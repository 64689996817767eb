"""OverrideStore: a JSON file shared by every worker; atomic, cached, never crashing on junk."""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.clock import LIMA
from ivr.core.schedule import Override
from ivr.storage.override import OverrideStore


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "override.json"


def test_no_file_is_no_override(path: Path) -> None:
    assert OverrideStore(path).get() is None
    assert OverrideStore(path).get(at(2026, 3, 4, 10)) is None


def test_set_writes_json_and_reads_back(path: Path) -> None:
    store = OverrideStore(path)
    written = store.set("  Corte de luz en el campus.  ", at(2026, 3, 4, 18), at(2026, 3, 4, 10, 5))
    assert written == Override(
        "Corte de luz en el campus.", at(2026, 3, 4, 10, 5), at(2026, 3, 4, 18)
    )
    assert store.get() == written
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "format": 1,
        "message": "Corte de luz en el campus.",
        "set_at": "2026-03-04T10:05:00-05:00",
        "until": "2026-03-04T18:00:00-05:00",
    }


def test_times_are_stored_in_lima(path: Path) -> None:
    store = OverrideStore(path)
    store.set("Sismo.", None, datetime(2026, 3, 4, 15, 0, tzinfo=UTC))
    assert store.get() == Override("Sismo.", at(2026, 3, 4, 10), None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(at(2026, 3, 4, 17, 59, 59), True, id="before-until"),
        pytest.param(at(2026, 3, 4, 18), False, id="at-until-expired"),
        pytest.param(None, True, id="without-now-the-record-is-returned"),
    ],
)
def test_expired_override_reads_as_none_given_now(
    path: Path, now: datetime | None, expected: bool
) -> None:
    store = OverrideStore(path)
    store.set("Corte de luz.", at(2026, 3, 4, 18), at(2026, 3, 4, 10))
    assert (store.get(now) is not None) is expected


def test_another_worker_sees_set_and_clear(path: Path) -> None:
    cli, worker = OverrideStore(path), OverrideStore(path)
    assert worker.get() is None
    cli.set("Primero.", None, at(2026, 3, 4, 10))
    assert worker.get() == Override("Primero.", at(2026, 3, 4, 10))
    cli.set("Segundo.", None, at(2026, 3, 4, 10, 1))
    assert worker.get() == Override("Segundo.", at(2026, 3, 4, 10, 1))
    assert cli.clear() is True
    assert worker.get() is None
    assert cli.clear() is False


def test_reads_are_cached_until_the_file_changes(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    OverrideStore(path).set("Corte.", None, at(2026, 3, 4, 10))
    worker = OverrideStore(path)
    reads: list[Path] = []
    original = Path.read_text

    def counting(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counting)
    for _ in range(5):
        assert worker.get() is not None
    assert reads == [path]
    OverrideStore(path).set("Otro.", None, at(2026, 3, 4, 11))
    assert worker.get() == Override("Otro.", at(2026, 3, 4, 11))
    assert reads == [path, path]


def test_write_is_atomic_and_readable_by_other_accounts(path: Path) -> None:
    OverrideStore(path).set("Corte.", None, at(2026, 3, 4, 10))
    assert sorted(p.name for p in path.parent.iterdir()) == ["override.json"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_override_and_leaves_no_temp_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = OverrideStore(path)
    store.set("Vigente.", None, at(2026, 3, 4, 10))

    def failing(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(OSError, match="disk full"):
        store.set("Nuevo.", None, at(2026, 3, 4, 11))
    assert OverrideStore(path).get() == Override("Vigente.", at(2026, 3, 4, 10))
    assert sorted(p.name for p in path.parent.iterdir()) == ["override.json"]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        pytest.param(
            "{not json", "Expecting property name enclosed in double quotes", id="not-json"
        ),
        pytest.param("[]", "not a JSON object", id="a-list"),
        pytest.param('{"set_at": "2026-03-04T10:00:00-05:00"}', "'message'", id="no-message"),
        pytest.param(
            '{"message": " ", "set_at": "2026-03-04T10:00:00-05:00"}', "no message", id="blank"
        ),
        pytest.param(
            '{"message": "x", "set_at": "2026-03-04T10:00:00"}',
            "naive datetime: every instant must carry its timezone",
            id="naive-time",
        ),
        pytest.param('{"message": "x", "set_at": "ayer"}', "Invalid isoformat", id="bad-time"),
        pytest.param('{"message": "x", "set_at": 5}', "argument must be str", id="number"),
    ],
)
def test_a_corrupt_file_is_logged_and_read_as_no_override(
    path: Path, caplog: pytest.LogCaptureFixture, content: str, reason: str
) -> None:
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    store = OverrideStore(path)
    with caplog.at_level(logging.ERROR, logger="ivr.storage.override"):
        assert store.get() is None
        assert store.get() is None  # logged once per version of the file, not per request
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert message.startswith(f"ignoring the emergency override file {path}: it is not valid (")
    assert reason in message
    assert message.endswith("); run 'ivr override clear' or set it again")


@pytest.mark.parametrize(
    ("message", "until", "error"),
    [
        pytest.param("   ", None, "the message must not be empty", id="empty"),
        pytest.param(
            "x" * 3001,
            None,
            "the message is 3001 bytes long; one <Say> speaks at most 3000",
            id="long",
        ),
        pytest.param(
            "Corte.",
            at(2026, 3, 4, 10),
            "'until' must be later than the time the override is set",
            id="until-not-later",
        ),
        pytest.param(
            "Corte.",
            datetime(2026, 3, 4, 18),  # noqa: DTZ001 - the point of the test
            "naive datetime: every instant must carry its timezone",
            id="naive-until",
        ),
    ],
)
def test_set_refuses_bad_values(
    path: Path, message: str, until: datetime | None, error: str
) -> None:
    with pytest.raises(ValueError) as raised:
        OverrideStore(path).set(message, until, at(2026, 3, 4, 10))
    assert str(raised.value) == error
    assert not path.exists()
