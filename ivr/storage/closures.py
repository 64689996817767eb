"""Closures and special hours added from the console or the CLI, read by every host.

Rows of the shared database beside the YAML's closures: the runtime hands them to the pure
evaluation merged with the loaded schedules (``ivr.core.schedule.adjusted``). Like the
emergency override (``ivr.storage.override``), a process asks the database at most once per
``ttl`` (a second), so one added on any host is heard on every host within it; when the
database cannot answer, the rows last read stay in force (logged once per outage).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time

from sqlalchemy import Connection, Engine, Row, delete, insert, select

from ivr.clock import to_lima
from ivr.core.schedule.adjusted import adjusted
from ivr.core.schedule.model import Adjustment, Interval, Schedules
from ivr.storage.database import Recent
from ivr.storage.schema import closures

__all__ = ["Adjustment", "ClosureStore"]

log = logging.getLogger(__name__)

_READ = select(closures).order_by(closures.c.first_day, closures.c.id)


class ClosureStore:
    """Read and write the stored closures and special hours (``STORE_ERRORS`` on writes)."""

    def __init__(self, engine: Engine, ttl: float = 1.0) -> None:
        self.engine = engine
        self._recent = Recent[tuple[Adjustment, ...]](
            engine,
            _entries,
            (),
            ttl=ttl,
            logger=log,
            what="the stored closures",
            kept=lambda last: f"the {len(last)} last read",
        )
        self._merged: tuple[Schedules, tuple[Adjustment, ...], Schedules] | None = None

    def all(self) -> tuple[Adjustment, ...]:
        """Return every stored entry, by first day: from the database at most once per ttl."""
        return self._recent.get()

    def merged(self, schedules: Schedules) -> Schedules:
        """Return ``schedules`` with the stored entries; the same object while neither changes.

        The webhooks cache what they work out by the identity of the schedules they get.
        """
        found = self.all()
        cached = self._merged
        if cached is not None and cached[0] is schedules and cached[1] == found:
            return cached[2]
        result = adjusted(schedules, found)
        self._merged = (schedules, found, result)
        return result

    def get(self, entry_id: int) -> Adjustment | None:
        """Return one entry as the database holds it now."""
        with self.engine.connect() as conn:
            row = conn.execute(select(closures).where(closures.c.id == entry_id)).first()
        return None if row is None else _adjustment(row)

    def add(self, entry: Adjustment, added_by: str, added_at: datetime) -> Adjustment:
        """Store an entry (checked by ``ivr.actions.closures``); return it with its id."""
        hours: Sequence[Interval] = entry.hours
        row = {
            "line": entry.line,
            "first_day": entry.first,
            "last_day": entry.last,
            "opens": hours[0].start.isoformat() if hours else None,
            "closes": hours[0].end.isoformat() if hours else None,
            "label": entry.label,
            "message": entry.message,
            "added_by": added_by,
            "added_at": added_at,
        }
        with self.engine.begin() as conn:
            new_id = conn.execute(insert(closures).values(row)).inserted_primary_key
        assert new_id is not None
        self._recent.forget()  # this process hears it from the next request on
        found = self.get(int(new_id[0]))
        assert found is not None
        return found

    def remove(self, entry_id: int) -> bool:
        """Delete an entry; return whether it was there."""
        with self.engine.begin() as conn:
            removed = conn.execute(delete(closures).where(closures.c.id == entry_id)).rowcount
        self._recent.forget()
        return bool(removed)


def _entries(conn: Connection) -> tuple[Adjustment, ...]:
    return tuple(_adjustment(row) for row in conn.execute(_READ).all())


def _adjustment(row: Row[tuple[object, ...]]) -> Adjustment:
    m = row._mapping
    hours = (
        (Interval(time.fromisoformat(m["opens"]), time.fromisoformat(m["closes"])),)
        if m["opens"] is not None
        else ()
    )
    return Adjustment(
        id=int(m["id"]),
        line=m["line"],
        first=m["first_day"],
        last=m["last_day"],
        hours=hours,
        label=m["label"],
        message=m["message"],
        added_by=m["added_by"],
        added_at=to_lima(m["added_at"]),
    )
