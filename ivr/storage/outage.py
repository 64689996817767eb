"""The database's outages in the log: a line when it goes away, one a minute, one when it is back.

While the database is unreachable every webhook that needs it fails; a line (let alone a
traceback) per request buries the one fact an operator needs. ``OutageLog`` turns the failures
of one engine into three kinds of lines on the ``ivr.outage`` logger: the first failure (ERROR,
with the driver's reason), one WARNING a minute while it lasts (with how many attempts to reach
it failed since the last line), and INFO when a connection is made again.
``ivr.storage.database`` feeds it (``watch_outages``); callers that survive a store error log it
through ``log_store_error``, which stays quiet about a failure the outage lines already tell.

The clock is the runtime's (a parameter): tests move it to see the minute's line.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from datetime import datetime, timedelta

log = logging.getLogger("ivr.outage")

REPEAT = timedelta(minutes=1)  # while the outage lasts, a line this often at most


def span(delta: timedelta) -> str:
    """Say how long, to the second under a minute and to the minute past it."""
    seconds = max(int(delta.total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class OutageLog:
    """One database's outage, as the log tells it; safe to share between threads."""

    def __init__(self, name: str, clock: Callable[[], datetime]) -> None:
        self.name = name  # the database, as an operator may see it (no password)
        self.clock = clock
        self.since: datetime | None = None  # when the outage began; None: no outage known
        self._told_at: datetime | None = None
        self._failed_since_told = 0
        self._failed = 0
        self._lock = threading.Lock()
        _live.add(self)

    @property
    def down(self) -> bool:
        return self.since is not None

    def failed(self, reason: str) -> None:
        """Count an attempt that could not reach the database; log the outage's lines as due."""
        now = self.clock()
        with self._lock:
            if self.since is None or self._told_at is None:
                self.since, self._told_at = now, now
                self._failed, self._failed_since_told = 1, 0
                first = True
            else:
                self._failed += 1
                self._failed_since_told += 1
                if now - self._told_at < REPEAT:
                    return
                first = False
                since, count = self.since, self._failed_since_told
                self._told_at, self._failed_since_told = now, 0
        if first:
            log.error(
                "the database %s is unavailable (%s): self-service apologises, menus go on",
                self.name,
                reason,
            )
        else:
            log.warning(
                "the database %s is still unavailable after %s: %d attempts to reach it failed "
                "since the last line (%s)",
                self.name,
                span(now - since),
                count,
                reason,
            )

    def worked(self) -> None:
        """A connection was made: end the outage, if there was one."""
        if self.since is None:  # the usual case, without the lock
            return
        now = self.clock()
        with self._lock:
            since, failed = self.since, self._failed
            if since is None:
                return
            self.since = self._told_at = None
        log.info(
            "the database %s is back after %s (%d attempts to reach it failed meanwhile)",
            self.name,
            span(now - since),
            failed,
        )

    def _forget_parent(self) -> None:
        self._lock = threading.Lock()


_live: weakref.WeakSet[OutageLog] = weakref.WeakSet()


def _after_fork() -> None:
    for outage in list(_live):  # a lock held by a thread of the parent is never released
        outage._forget_parent()


os.register_at_fork(after_in_child=_after_fork)
