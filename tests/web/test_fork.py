"""Gunicorn forks workers from a preloaded app: each must open its own database connections."""

from __future__ import annotations

import os
from datetime import datetime

from flask import Flask

from ivr.clock import LIMA


def _in_child(check: object) -> int:
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child
        code = 1
        try:
            code = 0 if check() else 2  # type: ignore[operator]
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _driver_connection(app: Flask) -> object:
    with app.extensions["ivr"].engine.connect() as conn:
        return conn.connection.dbapi_connection


def test_forked_worker_opens_its_own_connections(app: Flask) -> None:
    runtime = app.extensions["ivr"]
    now = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
    runtime.sessions.put("CA1", {"pending": "1"}, now)
    parent = _driver_connection(app)  # pooled: the parent gets it back next time

    def child_check() -> bool:
        fresh = _driver_connection(app) is not parent
        works = runtime.sessions.get("CA1", now) == {"pending": "1"}
        return fresh and works and runtime.ledger.find_student("x") is None

    assert _in_child(child_check) == 0
    # The parent's connections are untouched and still work.
    assert _driver_connection(app) is parent
    assert runtime.sessions.get("CA1", now) == {"pending": "1"}
