"""Who runs the scheduler: exactly one process per deployment, whatever the number of hosts.

- PostgreSQL (several hosts): a session advisory lock, held on a connection of its own for as
  long as this process leads. When the leader dies, its connection closes and PostgreSQL frees
  the lock at once; a follower asking every few seconds then takes over.
- SQLite (one host): an exclusive ``flock`` on ``scheduler.lock`` in the data folder, released
  by the kernel when the process dies.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text

from ivr.storage.database import SCHEDULER_LOCK, STORE_ERRORS, describe, is_postgresql

try:  # POSIX; elsewhere the file lock is skipped and "one scheduler" rests on the deployment
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]  # no module here: the lock is skipped

log = logging.getLogger("ivr.scheduler")

LOCK_FILE = "scheduler.lock"


class Leadership(Protocol):
    # whether a second scheduler waits to take over (several hosts), or refuses (one host)
    waits: bool

    def try_acquire(self) -> str | None:
        """Take the lead if free; return None when this process leads, else who holds it."""
        ...

    def held(self) -> bool:
        """Return whether this process still leads (it may have lost its database session)."""
        ...

    def release(self) -> None: ...


class FileLeadership:
    """The lead of one host: an exclusive lock on a file in its data folder."""

    waits = False

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: IO[str] | None = None

    def try_acquire(self) -> str | None:
        if fcntl is None or self._handle is not None:
            return None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            return f"another scheduler holds {self.path} (pid {holder})"
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._handle = handle
        return None

    def held(self) -> bool:
        return self._handle is not None or fcntl is None

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file releases the flock
            self._handle = None


class AdvisoryLeadership:
    """The lead of a deployment on PostgreSQL: a session advisory lock on its own connection."""

    waits = True

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def try_acquire(self) -> str | None:
        if self._conn is not None:
            return None
        try:
            conn = self.engine.connect()
        except STORE_ERRORS as error:
            return f"the database cannot be reached ({describe(error)})"
        try:
            taken = conn.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": SCHEDULER_LOCK}
            ).scalar_one()
            conn.commit()  # a session lock: it outlives the transaction
        except STORE_ERRORS as error:
            conn.close()
            return f"the database cannot be reached ({describe(error)})"
        if not taken:
            conn.close()
            return "another host's scheduler leads (PostgreSQL advisory lock)"
        self._conn = conn
        return None

    def held(self) -> bool:
        conn = self._conn
        if conn is None:
            return False
        try:
            conn.execute(text("SELECT 1")).scalar_one()
            conn.commit()
        except STORE_ERRORS as error:
            log.error(
                "the scheduler lost its database session (%s): it leads no more", describe(error)
            )
            conn.invalidate()
            conn.close()
            self._conn = None
            return False
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEDULER_LOCK})
            conn.commit()
        except STORE_ERRORS:
            conn.invalidate()  # never back into the pool with the lock possibly still on it
        finally:
            conn.close()


def leadership_for(engine: Engine, data_dir: Path) -> Leadership:
    """Return how this deployment chooses its one scheduler."""
    if is_postgresql(engine):
        return AdvisoryLeadership(engine)
    return FileLeadership(data_dir / LOCK_FILE)
