"""SQLite connections as every store here opens them: WAL, one per thread and per process."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

# What a store raises when its database cannot be used; adapters turn it into a polite answer.
STORE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)


def open_database(path: Path, *, autocommit: bool = True) -> sqlite3.Connection:
    """Open ``path`` in WAL mode: readers (tools, reports) never block the webhooks' writes."""
    if autocommit:
        db = sqlite3.connect(path, timeout=5.0, check_same_thread=False, isolation_level=None)
    else:
        db = sqlite3.connect(path, timeout=5.0, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at checkpoints, never corrupt
    return db


class ThreadConnections:
    """A connection per thread, never shared across a fork.

    Gunicorn forks workers from a preloaded app; SQLite forbids using in the child a connection
    opened before fork(), so a connection opened under another pid is left alone and replaced.
    """

    def __init__(self, path: Path, *pragmas: str) -> None:
        self.path = path
        self.pragmas = pragmas
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._guard = threading.Lock()

    def get(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None and getattr(self._local, "pid", None) == os.getpid():
            return db
        db = open_database(self.path)
        for pragma in self.pragmas:
            db.execute(f"PRAGMA {pragma}")
        with self._guard:
            if getattr(self._local, "pid", os.getpid()) != os.getpid():
                self._opened = []  # the parent's: not ours to close
            self._opened.append(db)
        self._local.db = db
        self._local.pid = os.getpid()
        return db

    def close_all(self) -> None:
        """Close every connection opened in this process, in any thread."""
        with self._guard:
            for db in self._opened:
                db.close()
            self._opened.clear()
        self._local = threading.local()
