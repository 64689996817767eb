"""Short-lived server-side state of a call that must not travel in URLs (who the caller is).

Twilio does not promise cookies on voice calls, and a student code must not appear in the URLs
Twilio logs, so self-service keeps it here, keyed by CallSid, in the shared database (so that
any host answers the next step), and forgotten after ``ttl``.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, select

from ivr.storage.database import upsert
from ivr.storage.schema import Instant, call_sessions

# Built once: a webhook reads its session at every self-service step.
_GET = select(call_sessions.c.data).where(
    call_sessions.c.call_sid == bindparam("call_sid"),
    call_sessions.c.expires_at > bindparam("now", type_=Instant()),
)


class SessionStore:
    """A JSON object per CallSid, expiring ``ttl`` after its last write."""

    def __init__(self, engine: Engine, ttl: timedelta = timedelta(minutes=30)) -> None:
        self.engine = engine
        self.ttl = ttl

    def get(self, call_sid: str, now: datetime) -> dict[str, Any]:
        """Return the call's data, or {} when there is none or it expired."""
        if not call_sid:
            return {}
        with self.engine.connect() as conn:
            text = conn.execute(_GET, {"call_sid": call_sid, "now": now}).scalar_one_or_none()
        data: dict[str, Any] = json.loads(text) if text else {}
        return data

    def put(self, call_sid: str, data: dict[str, Any], now: datetime) -> None:
        if not call_sid:
            return
        row = {"call_sid": call_sid, "data": json.dumps(data), "expires_at": now + self.ttl}
        with self.engine.begin() as conn:
            upsert(conn, call_sessions, [row], ["call_sid"])

    def purge_expired(self, now: datetime) -> int:
        """Delete expired sessions; return how many went."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(call_sessions).where(call_sessions.c.expires_at <= now))
        return int(result.rowcount)
