"""Failed verifications per calling number, and the alarm on failures across all codes.

Policy: a calling number has at most ``max_failures`` failed verifications in an hour; past
that it hears the locked-code answer whatever code it tries, until its hour is over. The hour
starts at the number's first failure (a fixed window: one row per number, counted by one atomic
upsert, so simultaneous failures on any number of hosts are each counted once). Numbers are
never stored: the row holds an HMAC of the number keyed with the Twilio token, which the
database never holds. Withheld numbers (empty, "anonymous", "restricted", "unknown", or the
"+266696687" Twilio sends for them) share one budget.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Connection, Engine, bindparam, case, delete, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

from ivr.storage.quickread import QuickRead
from ivr.storage.schema import Instant, caller_failures

log = logging.getLogger("ivr.selfservice")

WITHHELD = frozenset({"", "anonymous", "restricted", "unknown", "+266696687", "266696687"})
ALARM_LOG_EVERY = 60.0  # seconds between two WARNING lines of one process while alarmed


def caller_key(number: str, secret: str) -> str:
    """Name a calling number without revealing it; every withheld number gets the same name."""
    raw = number.strip().lower()
    name = "withheld" if raw in WITHHELD else raw
    digest = hmac.new(secret.encode(), f"caller\x1f{name}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class CallerPolicy:
    max_failures: int = 10
    window: timedelta = timedelta(hours=1)
    alarm_per_hour: int = 100  # failures across every number in their current hour


# Asked at every verification: built once, each call only binds its values.
_FAILURES_OF = select(caller_failures.c.failures).where(
    caller_failures.c.caller == bindparam("caller"),
    caller_failures.c.window_start > bindparam("since", type_=Instant()),
)


class CallerLimits:
    """Counts failures per calling number in the shared database, and raises the alarm."""

    purges: ClassVar[str] = "calling numbers whose hour of failures is over"

    def __init__(
        self,
        engine: Engine,
        policy: CallerPolicy | None = None,
        on_alarm: Callable[[], None] = lambda: None,
    ) -> None:
        self.engine = engine
        self.policy = policy or CallerPolicy()
        self.on_alarm = on_alarm  # told of every failure counted while alarmed (a metric)
        self._failures_of = QuickRead(engine, _FAILURES_OF)  # asked at every verification
        self._warned = 0.0
        self._lock = threading.Lock()

    def blocked(self, caller: str, now: datetime) -> bool:
        """Whether this number used up its failures for its current hour."""
        failures = self._failures_of.value({"caller": caller, "since": now - self.policy.window})
        return failures is not None and int(failures) >= self.policy.max_failures

    def fail(self, caller: str, now: datetime) -> int:
        """Count one failure of this number; return its failures in its current hour."""
        expired = caller_failures.c.window_start <= literal(now - self.policy.window, Instant())
        dialect = sqlite if self.engine.dialect.name == "sqlite" else postgresql
        insert = dialect.insert(caller_failures).values(caller=caller, window_start=now, failures=1)
        # Every SET expression sees the row as it was: a past window starts again at one.
        statement = insert.on_conflict_do_update(
            index_elements=["caller"],
            set_={
                "failures": case((expired, 1), else_=caller_failures.c.failures + 1),
                "window_start": case(
                    (expired, literal(now, Instant())), else_=caller_failures.c.window_start
                ),
            },
        ).returning(caller_failures.c.failures)
        with self.engine.begin() as conn:
            failures = int(conn.execute(statement).scalar_one())
            recent = self._recent(now, conn)
        self._alarm(recent)
        return failures

    def alarmed(self, now: datetime) -> bool:
        """Whether failures across all numbers in their current hour are over the alarm rate."""
        return self._recent(now) > self.policy.alarm_per_hour

    def _recent(self, now: datetime, conn: Connection | None = None) -> int:
        query = select(func.coalesce(func.sum(caller_failures.c.failures), 0)).where(
            caller_failures.c.window_start > literal(now - self.policy.window, Instant())
        )
        if conn is not None:
            return int(conn.execute(query).scalar_one())
        with self.engine.connect() as own:
            return int(own.execute(query).scalar_one())

    def _alarm(self, recent: int) -> None:
        """Raise the alarm while failures across all codes exceed the configured rate."""
        if recent <= self.policy.alarm_per_hour:
            return
        self.on_alarm()
        with self._lock:
            if time.monotonic() - self._warned < ALARM_LOG_EVERY:
                return
            self._warned = time.monotonic()
        log.warning(
            "failed verifications across all codes: %d in the last hour, over the alarm "
            "threshold of %d (IVR_FAILURE_ALARM_PER_HOUR): someone may be guessing codes",
            recent,
            self.policy.alarm_per_hour,
        )

    def purge_expired(self, now: datetime) -> int:
        """Forget numbers whose hour is over; return how many went."""
        with self.engine.begin() as conn:
            result = conn.execute(
                delete(caller_failures).where(
                    caller_failures.c.window_start <= literal(now - self.policy.window, Instant())
                )
            )
        return int(result.rowcount)
