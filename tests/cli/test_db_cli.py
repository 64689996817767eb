"""`ivr db upgrade` and `ivr db copy`: an SQLite deployment moved to PostgreSQL, nothing lost."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from ivr.cli import ivr
from ivr.cli.db import db_group
from ivr.clock import LIMA
from ivr.observability.calls import SqlCallRecorder
from ivr.storage.database import head_revision, make_engine, sqlite_url
from ivr.storage.ledger.demo import generate
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.override import OverrideStore
from ivr.storage.sessions import SessionStore
from tests.helpers import SECRET_KEY, dump
from tests.pgcluster import Cluster

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)


@pytest.fixture
def sqlite_deployment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An SQLite deployment with something in every store; IVR_DATABASE_URL names it."""
    url = sqlite_url(tmp_path / "var" / "ivr.sqlite3")
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("IVR_SECRET_KEY", SECRET_KEY)  # the key the ledger below is made with
    result = CliRunner().invoke(db_group, ["upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    ledger = SqlLedger(engine, key=SECRET_KEY.encode())
    generate(ledger, students=30)
    for _ in range(2):
        ledger.verify("00099999", "0000", NOW)
    SessionStore(engine).put("CA1", {"code": "N00012345"}, NOW)
    OverrideStore(engine).set("Corte de luz.", None, NOW)
    recorder = SqlCallRecorder(engine)
    recorder.step("CA1", NOW, "Breña", "principal", "call_start", "")
    recorder.status("CA1", NOW, "completed", 30)
    recorder.close()
    engine.dispose()
    return url


def test_upgrade_says_what_it_did(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = sqlite_url(tmp_path / "ivr.sqlite3")
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    first = CliRunner().invoke(db_group, ["upgrade"])
    second = CliRunner().invoke(db_group, ["upgrade"])
    assert first.output == f"{url}: schema upgraded from empty to {head_revision()}.\n"
    assert second.output == f"{url}: schema already at revision {head_revision()}; nothing to do.\n"


def test_copy_moves_every_row_to_postgresql(
    sqlite_deployment: str, postgres_cluster: Cluster | None
) -> None:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: no cluster to create an empty database in")
    target = postgres_cluster.create_database("copy_target")
    result = CliRunner().invoke(db_group, ["copy", "--to", target])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-2] == (
        f"Copied {result.output.split('Copied ')[1].split(' ')[0]} rows from {sqlite_deployment} "
        f"to {target} (schema {head_revision()}). Now set IVR_DATABASE_URL on every host to "
        "the new URL."
    )
    assert "  students: 30 rows" in result.output.splitlines()
    source, copy = make_engine(sqlite_deployment), make_engine(target)
    try:
        assert dump(copy) == dump(source)
        # the copy is a working deployment: new rows get new ids, the override is there
        recorder = SqlCallRecorder(copy)
        recorder.step("CA2", NOW, "Comas", "principal", "call_start", "")
        assert recorder.flush() == 1
        recorder.close()
        assert OverrideStore(copy).get() is not None
        assert SqlLedger(copy, key=SECRET_KEY.encode()).verify("00012345", "2468", NOW).verified
        again = CliRunner().invoke(db_group, ["copy", "--to", target])
        assert again.exit_code == 1
        assert again.output == (
            f"Error: {target} already holds rows in call_sessions: copy only into an empty "
            "database\n"
        )
    finally:
        source.dispose()
        copy.dispose()


def test_copy_to_an_unreachable_database_says_so_without_the_password(
    sqlite_deployment: str,
) -> None:
    result = CliRunner().invoke(
        db_group, ["copy", "--to", "postgresql://ivr:pw-secret@127.0.0.1:1/ivr"]
    )
    assert result.exit_code == 1
    assert result.output.startswith(
        "Error: cannot use the database postgresql+psycopg://ivr:***@127.0.0.1:1/ivr: "
    )
    assert "pw-secret" not in result.output


FILE_KEY = "key-file-of-the-sqlite-host-0123456789abcdef"


@pytest.fixture
def keyed_by_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An SQLite deployment that never set IVR_SECRET_KEY: its key is var/secret.key."""
    url = sqlite_url(tmp_path / "var" / "ivr.sqlite3")
    monkeypatch.setenv("IVR_DATABASE_URL", url)
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    assert CliRunner().invoke(db_group, ["upgrade"]).exit_code == 0
    kept = tmp_path / "var" / "secret.key"
    kept.write_text(FILE_KEY + "\n")
    engine = make_engine(url)
    generate(SqlLedger(engine, key=FILE_KEY.encode()), students=5)
    engine.dispose()
    return kept


def test_copy_refuses_to_leave_the_key_file_behind(
    keyed_by_file: Path, postgres_cluster: Cluster | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: no cluster to create an empty database in")
    target = postgres_cluster.create_database("copy_keyed")
    refused = CliRunner().invoke(db_group, ["copy", "--to", target])
    assert refused.exit_code == 1
    assert refused.output == (
        f"Error: this deployment's server key is in {keyed_by_file}, which PostgreSQL hosts "
        f'never read: set IVR_SECRET_KEY="$(cat {keyed_by_file})" here and on every host, '
        "then copy again\n"
    )
    monkeypatch.setenv("IVR_SECRET_KEY", SECRET_KEY)  # a new key: every verifier lost
    refused = CliRunner().invoke(db_group, ["copy", "--to", target])
    assert refused.exit_code == 1
    assert refused.output.startswith(
        f"Error: IVR_SECRET_KEY is not the key of {keyed_by_file}, which made the students' "
        "second factors"
    )
    copy = make_engine(target)
    try:
        assert inspect(copy).get_table_names() == []  # nothing written, not even the schema
        monkeypatch.setenv("IVR_SECRET_KEY", keyed_by_file.read_text().strip())
        done = CliRunner().invoke(db_group, ["copy", "--to", target])
        assert done.exit_code == 0, done.output
        assert done.output.splitlines()[-1].startswith("Set IVR_SECRET_KEY on every host")
        ledger = SqlLedger(copy, key=FILE_KEY.encode())
        assert ledger.verify("00012345", "2468", NOW).verified  # the students kept
    finally:
        copy.dispose()


def test_upgrade_without_the_key_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IVR_DATABASE_URL", "postgresql://ivr@127.0.0.1:1/ivr")
    monkeypatch.setenv("IVR_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(ivr, ["db", "upgrade"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    (line,) = result.output.splitlines()
    assert line.startswith("Error: IVR_SECRET_KEY is not set: with a shared database")
