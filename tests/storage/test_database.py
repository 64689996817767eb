"""The shared database: migrations on both dialects, upgrades, start-up checks, bad URLs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import inspect

from ivr.app import CANNOT_START
from ivr.storage.database import (
    STORE_ERRORS,
    DatabaseError,
    _alembic_config,
    current_revision,
    head_revision,
    make_engine,
    prepare,
    sqlite_url,
    upgrade,
)
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.schema import metadata
from tests.helpers import ROOT, SECRET_KEY, start_app
from tests.pgcluster import Cluster, free_port


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return the URL of a database with nothing in it, of each kind."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.sqlite3")
        return
    cluster: Cluster | None = request.getfixturevalue("postgres_cluster")
    if cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: no cluster to create an empty database in")
    yield cluster.create_database(f"fresh_{os.getpid()}")


def test_the_revisions_build_exactly_the_declared_tables(empty_url: str) -> None:
    engine = make_engine(empty_url, create=True)
    try:
        assert upgrade(engine) == (None, head_revision())
        with engine.connect() as conn:
            differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert differences == []
        assert upgrade(engine) == (head_revision(), head_revision())  # twice: nothing to do
    finally:
        engine.dispose()


def test_the_enrolments_table_has_the_early_payment_date(empty_url: str) -> None:
    engine = make_engine(empty_url, create=True)
    try:
        upgrade(engine)
        columns = {c["name"]: c for c in inspect(engine).get_columns("enrolments")}
    finally:
        engine.dispose()
    assert columns["early_payment_granted_on"]["nullable"] is True


def _db_upgrade(url: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "IVR_DATABASE_URL": url, "IVR_SECRET_KEY": SECRET_KEY}
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "ivr", "db", "upgrade"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_two_hosts_upgrading_at_once_take_turns(empty_url: str) -> None:
    hosts = [_db_upgrade(empty_url), _db_upgrade(empty_url)]
    outputs = [host.communicate(timeout=120)[0] for host in hosts]
    assert [host.returncode for host in hosts] == [0, 0], outputs
    said = sorted(output.strip().split(": ", 1)[1] for output in outputs)
    assert said == [
        f"schema already at revision {head_revision()}; nothing to do.",
        f"schema upgraded from empty to {head_revision()}.",
    ]


def test_sqlite_is_upgraded_at_start(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "old" / "ivr.sqlite3")
    engine = make_engine(url, create=True)
    with engine.begin() as conn:  # a deployment made by an older release: the first revision
        command.upgrade(_alembic_config(conn), "0001")
    assert current_revision(engine) == "0001"
    make_app(IVR_DATABASE_URL=url, create_database=False)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_a_missing_sqlite_database_fails_the_start_naming_the_commands(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    with pytest.raises(DatabaseError) as refused:
        make_app(create_database=False)
    missing = tmp_path / "var" / "ivr.sqlite3"
    assert str(refused.value) == (
        f"no database at {missing} (IVR_DATABASE_URL, or IVR_DATA_DIR/ivr.sqlite3): create it "
        "with 'flask --app app ivr ledger import FILES' or, to try the IVR, "
        "'flask --app app ivr ledger demo'; 'flask --app app ivr db upgrade' makes it empty"
    )
    assert not missing.exists()  # refusing made nothing


def test_the_server_start_says_cannot_start_and_exits_non_zero(tmp_path: Path) -> None:
    environment = {
        **os.environ,
        "IVR_SKIP_SIGNATURE": "1",
        "IVR_DATA_DIR": str(tmp_path / "var"),
    }
    environment.pop("IVR_DATABASE_URL", None)
    result = start_app(environment)
    assert result.returncode == CANNOT_START, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        f"cannot start: no database at {tmp_path / 'var' / 'ivr.sqlite3'} (IVR_DATABASE_URL, or "
        "IVR_DATA_DIR/ivr.sqlite3): create it with 'flask --app app ivr ledger import FILES' or, "
        "to try the IVR, 'flask --app app ivr ledger demo'; 'flask --app app ivr db upgrade' "
        "makes it empty"
    )
    assert not (tmp_path / "var" / "ivr.sqlite3").exists()


def test_an_engine_never_creates_a_file_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite3"
    engine = make_engine(sqlite_url(path))
    try:
        with pytest.raises(STORE_ERRORS), engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        assert not path.exists()
    finally:
        engine.dispose()


def test_postgresql_behind_refuses_to_start_and_names_the_command(
    make_app: Callable[..., Flask], postgres_cluster: Cluster | None
) -> None:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: no cluster to create an empty database in")
    url = postgres_cluster.create_database("behind")
    with pytest.raises(DatabaseError) as refused:
        make_app(IVR_DATABASE_URL=url)
    assert str(refused.value) == (
        f"the database postgresql+psycopg://postgres@127.0.0.1:{postgres_cluster.port}/behind "
        f"has schema revision none (empty); this code needs {head_revision()}: "
        "run 'flask --app app ivr db upgrade' once, from any host"
    )


def test_an_unreachable_database_fails_the_start_naming_the_url_without_its_password(
    tmp_path: Path,
) -> None:
    port = free_port()  # nothing listens there
    url = f"postgresql+psycopg://ivr:s3cret-pw@127.0.0.1:{port}/ivr"
    environment = {
        **os.environ,
        "IVR_DATABASE_URL": url,
        "IVR_SECRET_KEY": SECRET_KEY,
        "IVR_SKIP_SIGNATURE": "1",
        "IVR_DATA_DIR": str(tmp_path / "var"),
    }
    result = start_app(environment)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "cannot start: cannot use the database "
        f"postgresql+psycopg://ivr:***@127.0.0.1:{port}/ivr: connection failed:"
    )
    assert "s3cret-pw" not in result.stderr


def test_a_url_of_another_database_is_refused() -> None:
    with pytest.raises(DatabaseError, match="names a mysql database; use sqlite:///PATH or"):
        make_engine("mysql://u:p@localhost/ivr")


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    engine = make_engine(sqlite_url(path), create=True)
    upgrade(engine)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    db.close()
    with pytest.raises(DatabaseError, match="has schema revision 9999, newer than this code"):
        prepare(engine)
    engine.dispose()


# The ledger's own schema before Alembic: a deployment that has one keeps its data.
LEGACY_LEDGER = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version VALUES (1);
CREATE TABLE students (code TEXT PRIMARY KEY, code_digits TEXT NOT NULL UNIQUE,
    tariff_category TEXT NOT NULL, has_agreement INTEGER NOT NULL, has_benefit INTEGER NOT NULL,
    is_staff_or_family INTEGER NOT NULL, dni_verifier TEXT NOT NULL);
CREATE TABLE enrolments (code TEXT NOT NULL REFERENCES students (code) ON DELETE CASCADE,
    term TEXT NOT NULL, tariff INTEGER NOT NULL, credits INTEGER NOT NULL,
    last_regular_cycle INTEGER NOT NULL, insurance TEXT NOT NULL,
    extemporaneous INTEGER NOT NULL, withdrawn_on TEXT, PRIMARY KEY (code, term));
CREATE TABLE payments (payment_id TEXT PRIMARY KEY,
    code TEXT NOT NULL REFERENCES students (code) ON DELETE CASCADE, term TEXT,
    concept TEXT NOT NULL, cuota INTEGER, amount INTEGER NOT NULL, paid_on TEXT NOT NULL);
CREATE TABLE verification_failures (code_digits TEXT NOT NULL, failed_at TEXT NOT NULL);
CREATE TABLE lockouts (code_digits TEXT PRIMARY KEY, locked_until TEXT NOT NULL);
INSERT INTO students VALUES ('N00012345', '00012345', 'regular', 0, 0, 0, 'pbkdf2_sha256$1$00$00');
INSERT INTO enrolments VALUES ('N00012345', '2026-2', 98850, 22, 0, 'contracted', 0, '2026-09-01');
INSERT INTO payments VALUES ('B-1', 'N00012345', '2026-2', 'cuota', 1, 95000, '2026-08-31');
INSERT INTO lockouts VALUES ('00012345', '2026-11-21T15:00:00.000000+00:00');
"""


def test_a_ledger_file_from_before_alembic_is_adopted_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "ivr.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(LEGACY_LEDGER)
    db.close()
    engine = make_engine(sqlite_url(path), create=True)
    prepare(engine)
    account = SqlLedger(engine, key=SECRET_KEY.encode()).load_account("00012345")
    assert account is not None
    assert account.enrolments[0].withdrawn_on == date(2026, 9, 1)
    assert [(p.payment_id, p.paid_on) for p in account.payments] == [("B-1", date(2026, 8, 31))]
    assert "early_payment_granted_on" in {
        c["name"] for c in inspect(engine).get_columns("enrolments")
    }
    assert "schema_version" not in inspect(engine).get_table_names()
    engine.dispose()


def test_a_call_records_file_from_before_alembic_gains_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "calls.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE schema_version (version INTEGER NOT NULL);"
            "CREATE TABLE steps (id INTEGER PRIMARY KEY, call_sid TEXT NOT NULL);"
        )
    db.close()
    engine = make_engine(sqlite_url(path), create=True)
    prepare(engine)
    assert {"steps", "call_steps", "students"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_demo_command_makes_the_missing_database_then_the_app_starts(tmp_path: Path) -> None:
    """The README's run command: `ivr ledger demo` on a fresh clone, then the app."""
    environment = {**os.environ, "IVR_SKIP_SIGNATURE": "1", "IVR_DATA_DIR": str(tmp_path / "v")}
    for name in ("IVR_DATABASE_URL", "IVR_CLI"):  # a shell's environment: the ivr group sets it
        environment.pop(name, None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip

    report = run("-m", "flask", "--app", "app", "ivr", "report")  # reads: never makes one
    assert report.returncode == 1
    assert (
        report.stderr.strip()
        .splitlines()[-1]
        .startswith(f"Error: no database at {tmp_path / 'v' / 'ivr.sqlite3'} (IVR_DATABASE_URL")
    )
    assert not (tmp_path / "v" / "ivr.sqlite3").exists()
    made = run("-m", "flask", "--app", "app", "ivr", "ledger", "demo", "--students", "5")
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Demo ledger: 5 students")
    assert run("-c", "import app").returncode == 0
