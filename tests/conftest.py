"""Shared fixtures: a copy of the shipped configuration, a fixed clock, signed Twilio requests."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import freezegun.api
import pytest
from flask import Flask
from sqlalchemy import Engine

import ivr.clock
from ivr import create_app
from ivr.clock import LIMA
from ivr.settings import load_settings
from ivr.storage.database import make_engine, sqlite_url
from tests.helpers import (
    SECRET_KEY,
    TOKEN,
    Caller,
    Clock,
    copy_config,
    empty_tables,
    migrated_sqlite,
    upgrade_url,
)
from tests.pgcluster import Cluster, ClusterUnavailable

_CLUSTERS: list[Cluster] = []

# Wednesday 2026-11-18 10:00 in Lima: the central is open.
WEEKDAY_10AM = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)


@pytest.fixture(autouse=True)
def _tripwires(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if a test reads the real clock, and keep stray writes inside tmp_path."""
    real_now = ivr.clock.now

    def guarded_now() -> datetime:
        if not freezegun.api.freeze_factories:  # non-empty only while time is frozen
            raise AssertionError("a test read the real clock: pass CLOCK or freeze time")
        return real_now()

    monkeypatch.setattr(ivr.clock, "now", guarded_now)
    monkeypatch.chdir(tmp_path)
    for name in (
        "IVR_CONFIG_DIR",
        "IVR_DATA_DIR",
        "IVR_DATABASE",
        "IVR_DATABASE_URL",
        "TWILIO_AUTH_TOKEN",
        "IVR_SECRET_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("IVR_SKIP_SIGNATURE", raising=False)
    monkeypatch.delenv("IVR_PUBLIC_URL", raising=False)
    monkeypatch.setenv("IVR_CLI", "")  # the ivr CLI group sets it for the rest of a process


@pytest.fixture(autouse=True)
def _root_logging() -> Iterator[None]:
    """Undo what a test's app start did to the root logger (its handler, on a stream that
    pytest closes after the test, and its level), so no later test depends on the order."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """Return a private copy of the shipped operator files, safe to edit."""
    return copy_config(tmp_path / "config")


@pytest.fixture
def clock() -> Clock:
    return Clock(WEEKDAY_10AM)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return an SQLite file upgraded once for the session: each test's database copies it.

    Running the migrations costs an app about half of its start; the tests of the migrations
    themselves (tests/storage/test_database.py) still run every revision on an empty database.
    """
    path = tmp_path_factory.mktemp("template") / "ivr.sqlite3"
    upgrade_url(sqlite_url(path))
    return path


@pytest.fixture
def make_app(
    config_dir: Path, tmp_path: Path, clock: Clock, sqlite_template: Path
) -> Iterator[Callable[..., Flask]]:
    """Return a factory of apps on the copied configuration, signed with TOKEN, on ``clock``.

    Each app's database connections are closed after the test.
    """
    made: list[Flask] = []

    def factory(*, create_database: bool = True, **overrides: Any) -> Flask:
        options: dict[str, Any] = {
            "IVR_CONFIG_DIR": str(config_dir),
            "IVR_DATA_DIR": str(tmp_path / "var"),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "IVR_SECRET_KEY": SECRET_KEY,
            "CLOCK": clock,
            "TESTING": True,
        }
        options.update(overrides)
        if create_database:  # as `ivr db upgrade` or a ledger import would: the app never does
            environment = {k: v for k, v in options.items() if k.startswith("IVR_")}
            url = load_settings({**environment, "IVR_CLI": "1"}).database_url
            if url.startswith("sqlite"):
                migrated_sqlite(url, sqlite_template)
        app = create_app(options)
        made.append(app)
        return app

    yield factory
    for app in made:
        runtime = app.extensions["ivr"]
        runtime.stop_watching()
        runtime.calls.close()
        runtime.engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def caller(app: Flask) -> Iterator[Caller]:
    with app.test_client() as client:
        yield Caller(client)


# -- databases: every store test runs on SQLite and on a real PostgreSQL -----------------------
def start_cluster() -> Cluster:
    """Start a throwaway PostgreSQL; skip without a server, except in CI, where it fails."""
    try:
        return Cluster().start()
    except ClusterUnavailable as missing:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the PostgreSQL tests: {missing}")
        pytest.skip(str(missing))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Return the URL of an upgraded PostgreSQL database for this test session.

    ``IVR_TEST_DATABASE_URL`` names one to use (its tables are emptied by the tests); otherwise
    a throwaway cluster is started. Without a PostgreSQL server the tests skip, except in CI
    (``CI=true``), where a missing server fails them.
    """
    given = os.environ.get("IVR_TEST_DATABASE_URL")
    if given:
        upgrade_url(given)
        yield given
        return
    cluster = start_cluster()
    _CLUSTERS.append(cluster)
    try:
        url = cluster.create_database("ivr_test")
        upgrade_url(url)
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_cluster(postgres_url: str) -> Iterator[Cluster | None]:
    """The session's cluster when the tests started it (None with IVR_TEST_DATABASE_URL)."""
    yield _CLUSTERS[-1] if _CLUSTERS else None


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return an empty, upgraded database of each kind: SQLite in tmp_path, or PostgreSQL."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "var" / "ivr.sqlite3")
        migrated_sqlite(url, request.getfixturevalue("sqlite_template"))
        return url
    url = str(request.getfixturevalue("postgres_url"))
    empty_tables(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    made = make_engine(database_url)
    yield made
    made.dispose()
