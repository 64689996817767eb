"""Gunicorn forks workers from a preloaded app: each must open its own SQLite connections."""

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


def test_forked_worker_opens_its_own_connections(app: Flask) -> None:
    runtime = app.extensions["ivr"]
    now = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)
    parent_ledger = runtime.ledger._conn()
    parent_sessions = runtime.sessions._connect()
    runtime.sessions.put("CA1", {"pending": "1"}, now)

    def child_check() -> bool:
        fresh = runtime.ledger._conn() is not parent_ledger
        fresh_sessions = runtime.sessions._connect() is not parent_sessions
        works = runtime.sessions.get("CA1", now) == {"pending": "1"}
        return fresh and fresh_sessions and works and runtime.ledger.find_student("x") is None

    assert _in_child(child_check) == 0
    # The parent's connections are untouched and still work.
    assert runtime.ledger._conn() is parent_ledger
    assert runtime.sessions.get("CA1", now) == {"pending": "1"}
