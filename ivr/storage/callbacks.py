"""Callback requests: callers who left a desk's queue asking to be called back.

One row per request in the shared database, so that any host stores it and the desk's lead
lists it from any host (``ivr callbacks list``). A request is keyed by the CallSid that made
it: Twilio retrying the same webhook, or a caller confirming twice, stores it once. The number
is kept whole (the desk must call it) but never shown whole in logs or call records:
``mask_number``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Row, select, update

from ivr.clock import to_lima
from ivr.storage.database import insert_new
from ivr.storage.schema import CALLBACK_STATUSES, HAND_STATUSES, callbacks

__all__ = ["CALLBACK_STATUSES", "HAND_STATUSES", "Callback", "CallbackStore", "mask_number"]


def mask_number(number: str) -> str:
    """Return what a log may show of a phone number: its last three digits ("***777")."""
    return "***" + number[-3:] if len(number) > 3 else "***"


@dataclass(frozen=True, slots=True)
class Callback:
    id: int
    number: str
    desk: str
    campus: str
    requested_at: datetime  # Lima time
    status: str
    attempts: int
    updated_at: datetime
    call_sid: str | None = None


class CallbackStore:
    """Store and list callback requests (raises ``STORE_ERRORS`` when the database fails)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def request(
        self,
        call_sid: str,
        number: str,
        desk: str,
        campus: str,
        now: datetime,
        *,
        limit: Callable[[Connection], None] | None = None,
    ) -> Callback:
        """Store a pending request for this call; a second request of the same call is ignored.

        ``limit`` counts a new request in the same transaction (``OutboundStore.take``); what it
        raises rolls the request back.
        """
        row = {
            "call_sid": call_sid or None,
            "number": number,
            "desk": desk,
            "campus": campus,
            "requested_at": now,
            "status": "pending",
            "attempts": 0,
            "updated_at": now,
        }
        with self.engine.begin() as conn:
            if call_sid:
                new = insert_new(conn, callbacks, row, ["call_sid"])
                found = conn.execute(
                    select(callbacks).where(callbacks.c.call_sid == call_sid)
                ).one()
            else:
                new_id = conn.execute(callbacks.insert().values(**row)).inserted_primary_key
                assert new_id is not None
                new = True
                found = conn.execute(select(callbacks).where(callbacks.c.id == new_id[0])).one()
            if new and limit is not None:
                limit(conn)
        return _callback(found)

    def for_call(self, call_sid: str) -> Callback | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.call_sid == call_sid)).first()
        return _callback(row) if row is not None else None

    def get(self, callback_id: int) -> Callback | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).first()
        return _callback(row) if row is not None else None

    def list(self, *, desk: str | None = None, status: str | None = None) -> list[Callback]:
        """Return requests in the order they were made (oldest first)."""
        query = select(callbacks).order_by(callbacks.c.requested_at, callbacks.c.id)
        if desk is not None:
            query = query.where(callbacks.c.desk == desk)
        if status is not None:
            query = query.where(callbacks.c.status == status)
        with self.engine.connect() as conn:
            return [_callback(row) for row in conn.execute(query)]

    def mark(self, callback_id: int, status: str, now: datetime, *, attempt: bool = False) -> bool:
        """Set a request's status (and count a call placed); return whether it exists."""
        if status not in CALLBACK_STATUSES:
            raise ValueError(f"unknown status {status!r}: one of {', '.join(CALLBACK_STATUSES)}")
        values: dict[str, object] = {"status": status, "updated_at": now}
        if attempt:
            values["attempts"] = callbacks.c.attempts + 1
        with self.engine.begin() as conn:
            result = conn.execute(
                update(callbacks).where(callbacks.c.id == callback_id).values(**values)
            )
        return bool(result.rowcount)


def _callback(row: Row[Any]) -> Callback:
    mapping = row._mapping
    return Callback(
        id=int(mapping["id"]),
        number=mapping["number"],
        desk=mapping["desk"],
        campus=mapping["campus"],
        requested_at=to_lima(mapping["requested_at"]),
        status=mapping["status"],
        attempts=int(mapping["attempts"]),
        updated_at=to_lima(mapping["updated_at"]),
        call_sid=mapping["call_sid"],
    )
