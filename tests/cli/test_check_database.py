"""`ivr check` says whether the database can serve, and fails when it cannot."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from freezegun import freeze_time

from ivr.cli import ivr
from tests.helpers import SECRET_KEY


@pytest.fixture
def environment(config_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    return config_dir


def test_an_unreachable_database_fails_the_check(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql://ivr:pw-secret@127.0.0.1:1/ivr")
    monkeypatch.setenv("IVR_SECRET_KEY", SECRET_KEY)
    result = CliRunner().invoke(ivr, ["check"])
    assert result.exit_code == 1
    (line,) = result.output.splitlines()
    assert line.startswith("cannot use the database postgresql+psycopg://ivr:***@127.0.0.1:1/ivr: ")
    assert line.endswith(f"(the operator files in {environment} are valid)")
    assert "OK" not in result.output


@freeze_time("2026-11-18 15:00:00")  # `ivr check` reads the clock: what the lines do now
def test_a_database_not_made_yet_is_said_and_passes(environment: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(ivr, ["check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"OK: {environment}"
    assert lines[-1] == (
        f"  database: none yet at {tmp_path / 'var' / 'ivr.sqlite3'} "
        "(make it with 'flask --app app ivr db upgrade')"
    )
