"""The emergency override: one row of the shared database, read by every webhook of every host.

Set or cleared from the CLI on any host, it is heard on every host within ``ttl`` (a second):
a process asks the database (one primary-key lookup) at most once per ``ttl``, not at every
webhook, because the lookup would cost every menu step more than the rest of its work. When
the database cannot answer, a read returns the override last read in this process (logged once
per outage): menus keep working while the database is down, and an emergency closure stays in
force.

The store never reads the clock: pass ``now`` to hide an expired override.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, select
from sqlalchemy.exc import ArgumentError

from ivr.clock import to_lima
from ivr.core.schedule.model import Override
from ivr.storage.database import Recent, upsert
from ivr.storage.schema import emergency_override

__all__ = ["Override", "OverrideStore"]

log = logging.getLogger(__name__)

_ROW = 1  # the table holds at most this one row
_READ = select(
    emergency_override.c.message, emergency_override.c.set_at, emergency_override.c.until
).where(emergency_override.c.id == _ROW)


class OverrideStore:
    """Read and write the emergency override kept in the shared database."""

    def __init__(self, engine: Engine, ttl: float = 1.0) -> None:
        self.engine = engine
        self._recent = Recent[Override | None](
            engine,
            _override,
            None,
            ttl=ttl,
            logger=log,
            what="the emergency override",
            kept=lambda last: f"the last one ({'none' if last is None else 'active'})",
        )

    def get(self, now: datetime | None = None) -> Override | None:
        """Return the stored override; with ``now``, None when it has expired by then."""
        override = self._recent.get()
        if override is not None and now is not None and not _unexpired(override, now):
            return None
        return override

    def set(self, message: str, until: datetime | None, set_at: datetime) -> Override:
        """Store an override that closes every line from ``set_at`` until ``until`` or cleared.

        The message and the end are checked once, by the action that sets it
        (``ivr.actions.override.set_override``), not here.
        """
        text = message.strip()
        start = to_lima(set_at)
        end = to_lima(until) if until is not None else None
        override = Override(message=text, set_at=start, until=end)
        row = {"id": _ROW, "message": text, "set_at": start, "until": end}
        with self.engine.begin() as conn:
            upsert(conn, emergency_override, [row], ["id"])
        self._recent.put(override)
        return override

    def clear(self, only: Override | None = None) -> bool:
        """Remove the override (with ``only``: just that one); return whether one went."""
        query = delete(emergency_override).where(emergency_override.c.id == _ROW)
        if only is not None:  # not one set meanwhile from another host
            query = query.where(emergency_override.c.set_at == only.set_at)
        with self.engine.begin() as conn:
            removed = conn.execute(query).rowcount
        self._recent.forget()  # read it again: another may be in force
        return bool(removed)


def _override(conn: Connection) -> Override | None:
    row = conn.execute(_READ).first()
    if row is None:
        return None
    until = None if row.until is None else to_lima(row.until)
    return Override(message=row.message, set_at=to_lima(row.set_at), until=until)


def _unexpired(override: Override, now: datetime) -> bool:
    return override.until is None or to_lima(now) < override.until


def read_override(url: str, now: datetime) -> Override | None:
    """Return the override in force at ``now`` in the database at ``url`` (for ``ivr check``).

    Never creates or upgrades anything: a database without the schema has no override, and one
    that cannot be read is logged and read as none.
    """
    from sqlalchemy.engine import make_url

    from ivr.storage.database import DatabaseError, current_revision, head_revision, make_engine

    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not Path(parsed.database or "").is_file():
            return None  # no database yet: nothing set
    except ArgumentError:
        pass  # make_engine says what is wrong
    try:
        engine = make_engine(url)
    except DatabaseError as error:
        log.warning("%s", error)
        return None
    try:
        if current_revision(engine) != head_revision():
            return None
        return OverrideStore(engine).get(now)
    except DatabaseError as error:
        log.warning("%s", error)
        return None
    finally:
        engine.dispose()
