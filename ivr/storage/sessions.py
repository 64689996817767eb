"""Short-lived server-side state of a call that must not travel in URLs (who the caller is).

Twilio does not promise cookies on voice calls, and a student code must not appear in the URLs
Twilio logs, so self-service keeps it here, keyed by CallSid, shared by every worker process
through one SQLite file, and forgotten after ``ttl``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ivr.clock import to_lima
from ivr.storage.sqlite import ThreadConnections

SCHEMA = """
CREATE TABLE IF NOT EXISTS call_session (
    call_sid   TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS call_session_expiry ON call_session (expires_at);
"""


class SessionStore:
    """A JSON object per CallSid, expiring ``ttl`` after its last write."""

    def __init__(self, path: Path | str, ttl: timedelta = timedelta(minutes=30)) -> None:
        self.path = Path(path)
        self.ttl = ttl
        self._connections = ThreadConnections(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return self._connections.get()

    def get(self, call_sid: str, now: datetime) -> dict[str, Any]:
        """Return the call's data, or {} when there is none or it expired."""
        if not call_sid:
            return {}
        row = (
            self._connect()
            .execute(
                "SELECT data FROM call_session WHERE call_sid = ? AND expires_at > ?",
                (call_sid, _stamp(now)),
            )
            .fetchone()
        )
        data: dict[str, Any] = json.loads(row[0]) if row else {}
        return data

    def put(self, call_sid: str, data: dict[str, Any], now: datetime) -> None:
        if not call_sid:
            return
        self._connect().execute(
            "INSERT INTO call_session (call_sid, data, expires_at) VALUES (?, ?, ?) "
            "ON CONFLICT(call_sid) DO UPDATE SET data = excluded.data, "
            "expires_at = excluded.expires_at",
            (call_sid, json.dumps(data), _stamp(now + self.ttl)),
        )

    def purge_expired(self, now: datetime) -> int:
        """Delete expired sessions; return how many went."""
        cursor = self._connect().execute(
            "DELETE FROM call_session WHERE expires_at <= ?", (_stamp(now),)
        )
        return cursor.rowcount


def _stamp(moment: datetime) -> str:
    """Return a sortable UTC ISO string (the comparison in SQL is textual)."""
    return to_lima(moment).astimezone(UTC).isoformat()
