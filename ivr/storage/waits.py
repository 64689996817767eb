"""The desks' answered waits of the current half hour's history, cached for the wait answers.

Every wait answer of every caller asks for its desk's history (``ivr.core.queue.estimate``):
one query per half hour and ``TTL``, for all desks at once, not one per request. A failed read
is logged and answered with no history (then only the caller's place is said), and retried at
the next request.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta

from ivr.clock import to_lima
from ivr.core.queue.estimate import history_windows
from ivr.storage.calls import CallStore
from ivr.storage.database import STORE_ERRORS, describe

log = logging.getLogger("ivr.queue")

TTL = timedelta(minutes=10)  # the history of a half hour changes only by this week's callers


class WaitHistory:
    """Per desk, the answered waits of this weekday and half hour in the last weeks."""

    def __init__(self, store: CallStore, ttl: timedelta = TTL) -> None:
        self.store = store
        self.ttl = ttl
        self.queries = 0  # how many times the database was read (for the tests)
        self._lock = threading.Lock()
        self._slot: datetime | None = None
        self._read_at: datetime | None = None
        self._waits: Mapping[str, list[int]] = {}

    def waits(self, queue: str, now: datetime) -> tuple[int, ...]:
        """Return ``queue``'s answered waits of ``now``'s weekday and half hour (cached)."""
        lima = to_lima(now)
        slot = lima.replace(minute=lima.minute - lima.minute % 30, second=0, microsecond=0)
        with self._lock:
            fresh = (
                self._slot == slot and self._read_at is not None and now - self._read_at < self.ttl
            )
            if not fresh:
                try:
                    self._waits = self.store.answered_waits(history_windows(lima))
                except STORE_ERRORS as error:
                    log.error("cannot read the desks' wait history (%s)", describe(error))
                    return ()
                finally:
                    self.queries += 1
                self._slot, self._read_at = slot, now
            return tuple(self._waits.get(queue, ()))
