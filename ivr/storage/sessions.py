"""Short-lived server-side state of a call that must not travel in URLs (who the caller is).

Twilio does not promise cookies on voice calls, and a student code must not appear in the URLs
Twilio logs, so self-service keeps it here, keyed by CallSid, in the shared database (so that
any host answers the next step), and forgotten after ``ttl``.

Policy: a call Twilio reported finished is closed: its row keeps ``closed_at`` (and no data)
for ``CLOSED_KEPT``, so that a replayed webhook of that call finds it closed and hears a goodbye.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Engine, bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from ivr.storage.database import GLIMPSE_SECONDS, answer_within, upsert
from ivr.storage.quickread import QuickRead
from ivr.storage.schema import Instant, call_sessions

# Built once: a webhook reads its session at every self-service step.
_GET = select(call_sessions.c.data).where(
    call_sessions.c.call_sid == bindparam("call_sid"),
    call_sessions.c.expires_at > bindparam("now", type_=Instant()),
    call_sessions.c.closed_at.is_(None),
)
_CLOSED = select(call_sessions.c.closed_at).where(
    call_sessions.c.call_sid == bindparam("call_sid"),
    call_sessions.c.expires_at > bindparam("now", type_=Instant()),
)
# Twilio ends any call within a day; a closed call is remembered well past that.
CLOSED_KEPT = timedelta(days=30)
# What Twilio's status callback calls a call that ended (CallStatus).
FINISHED = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


# A call's session is forgotten this long after its last write.
SESSION_LIFETIME = timedelta(minutes=30)


class SessionStore:
    """A JSON object per CallSid, expiring ``ttl`` after its last write."""

    purges: ClassVar[str] = "expired self-service sessions"

    def __init__(self, engine: Engine, ttl: timedelta = SESSION_LIFETIME) -> None:
        self.engine = engine
        self.ttl = ttl
        self._closed = QuickRead(engine, _CLOSED)  # asked by every webhook of a call
        self._get = QuickRead(engine, _GET)  # and by every self-service step
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        insert = dialect.insert(call_sessions).values(
            call_sid=bindparam("call_sid"),
            data=bindparam("data"),
            expires_at=bindparam("expires_at", type_=call_sessions.c.expires_at.type),
        )
        # A closed call stays closed: a step that finishes after the status callback does not
        # bring its data back nor shorten how long the call is remembered as closed. Built once:
        # each write only binds its values.
        self._put = insert.on_conflict_do_update(
            index_elements=["call_sid"],
            set_={"data": insert.excluded.data, "expires_at": insert.excluded.expires_at},
            where=call_sessions.c.closed_at.is_(None),
        )

    def get(self, call_sid: str, now: datetime) -> dict[str, Any]:
        """Return the call's data, or {} when there is none or it expired."""
        if not call_sid:
            return {}
        text = self._get.value({"call_sid": call_sid, "now": now})
        data: dict[str, Any] = json.loads(text) if text else {}
        return data

    def put(self, call_sid: str, data: dict[str, Any], now: datetime) -> None:
        if not call_sid:
            return
        row = {"call_sid": call_sid, "data": json.dumps(data), "expires_at": now + self.ttl}
        with self.engine.begin() as conn:
            conn.execute(self._put, row)

    def close(self, call_sid: str, now: datetime) -> None:
        """Close a finished call: forget its data, and refuse its webhooks from now on."""
        if not call_sid:
            return
        row = {"call_sid": call_sid, "data": "{}", "expires_at": now + CLOSED_KEPT}
        with self.engine.begin() as conn:
            upsert(conn, call_sessions, [{**row, "closed_at": now}], ["call_sid"])

    def closed(self, call_sid: str, now: datetime) -> bool:
        """Whether Twilio reported this call finished."""
        if not call_sid:
            return False
        # Every webhook asks, and its answer does not depend on it (a call Twilio ended has no
        # one listening): a lock held on the sessions costs a glimpse, never the deadline.
        with answer_within(GLIMPSE_SECONDS):
            return self._closed.value({"call_sid": call_sid, "now": now}) is not None

    def purge_expired(self, now: datetime) -> int:
        """Delete expired sessions; return how many went."""
        with self.engine.begin() as conn:
            result = conn.execute(delete(call_sessions).where(call_sessions.c.expires_at <= now))
        return int(result.rowcount)
