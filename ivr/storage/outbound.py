"""Limits on callbacks and texts per number, and one text per call, in the shared database.

Policy (issue 21): a callback or a text costs the university a call or a message, and lands on
a number someone else may have given, so both are limited per number and for all numbers, per
Lima hour and day (``OutboundLimits``, queues.yaml's ``limits``). Each limit is a row of
``outbound_counts`` per counter and period, raised by one atomic upsert that refuses past the
limit; every counter of one request is raised in one transaction, so a refusal by any of them
counts none, and simultaneous requests on any number of hosts never over-count. Rows are taken
in one fixed order (per caller, per number, total; day before hour), so that two requests never
wait on each other's rows in a cycle.

A text is recorded in ``outbound_messages`` under its call and choice (the idempotency key) in
the same transaction that decides to send it, then sent; a retried webhook or a key pressed
twice finds the row and sends nothing. Numbers are never stored: counters hold a keyed hash
(``ivr.storage.callers.caller_key``), messages the last three digits.

A refusal is counted (``on_refused``, a metric) and logged as a WARNING at most once a minute
per process and kind, with how many were refused since the last line.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from sqlalchemy import Connection, Engine, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.clock import to_lima
from ivr.core.queue.wait import Limit, OutboundLimits
from ivr.storage.callbacks import mask_number
from ivr.storage.callers import caller_key
from ivr.storage.database import insert_new
from ivr.storage.schema import OUTBOUND_STATUSES, Instant, outbound_counts, outbound_messages

log = logging.getLogger("ivr.outbound")

ALARM_LOG_EVERY = 60.0  # seconds between two WARNING lines of one process and kind
KEEP_MESSAGES = timedelta(days=30)  # how long a text's record is kept
CALLBACK, SMS = "callback", "sms"
TOTAL = "*"  # the subject of the counters for all numbers


class OverLimit(Exception):
    """A request over a limit: the transaction that raised it rolls back, counting nothing."""

    def __init__(self, kind: str, scope: str, period: str) -> None:
        super().__init__(f"{kind} over its {scope} limit per {period}")
        self.kind, self.scope, self.period = kind, scope, period


@dataclass(frozen=True, slots=True)
class Quota:
    """One counter a request raises: its scope, whose it is, and its limit."""

    scope: str  # per_caller, per_number, total
    subject: str  # a keyed hash of a number, or TOTAL
    limit: Limit


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    call_sid: str
    choice: str
    number: str  # masked
    status: str
    created_at: datetime
    updated_at: datetime
    sid: str | None
    detail: str | None


class OutboundStore:
    """Count callbacks and texts against their limits; record each call's text once."""

    purges: ClassVar[str] = "outbound counters whose period is over, and old text records"

    def __init__(
        self,
        engine: Engine,
        secret: str,
        on_refused: Callable[[str, str], None] = lambda kind, scope: None,
    ) -> None:
        self.engine = engine
        self.secret = secret  # keys the numbers' hashes (the Twilio token: not in the database)
        self.on_refused = on_refused  # told (kind, scope) of every refusal: a metric
        self._refused: dict[str, int] = {}  # refusals since the last WARNING line, by kind
        self._warned: dict[str, float] = {}
        self._lock = threading.Lock()

    # -- the quotas of a request -------------------------------------------------------------
    def callback_quotas(self, limits: OutboundLimits, caller: str, number: str) -> list[Quota]:
        """Return the counters a callback to ``number`` asked from ``caller`` raises."""
        return [
            Quota("per_caller", caller_key(caller, self.secret), limits.callback_per_caller),
            Quota("per_number", caller_key(number, self.secret), limits.callback_per_number),
            Quota("total", TOTAL, limits.callback_total),
        ]

    def sms_quotas(self, limits: OutboundLimits, number: str) -> list[Quota]:
        """Return the counters a text to ``number`` (the calling number) raises."""
        return [
            Quota("per_number", caller_key(number, self.secret), limits.sms_per_number),
            Quota("total", TOTAL, limits.sms_total),
        ]

    # -- counting ------------------------------------------------------------------------------
    def take(self, conn: Connection, kind: str, quotas: Sequence[Quota], now: datetime) -> None:
        """Raise every counter of one request in ``conn``'s transaction, or raise OverLimit.

        The caller lets OverLimit roll its transaction back, so that a refused request counts
        nothing anywhere; ``refused`` then counts it for the alarm.
        """
        moment = to_lima(now)
        day_start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        hour_start = moment.replace(minute=0, second=0, microsecond=0)
        periods = (
            ("day", day_start.date().isoformat(), _next_day(day_start)),
            ("hour", hour_start.strftime("%Y-%m-%dT%H"), hour_start + timedelta(hours=1)),
        )
        dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
        for quota in quotas:  # the fixed order of the module's docstring
            for name, period, expires in periods:
                cap = quota.limit.day if name == "day" else quota.limit.hour
                insert = dialect.insert(outbound_counts).values(
                    kind=kind,
                    scope=quota.scope,
                    subject=quota.subject,
                    period=period,
                    count=1,
                    expires_at=expires,
                )
                # Raised only while under the cap: past it, no row comes back and nothing changes.
                statement = insert.on_conflict_do_update(
                    index_elements=["kind", "scope", "subject", "period"],
                    set_={"count": outbound_counts.c.count + 1},
                    where=outbound_counts.c.count < cap,
                ).returning(outbound_counts.c.count)
                if cap < 1 or conn.execute(statement).first() is None:
                    raise OverLimit(kind, quota.scope, name)

    def refused(self, over: OverLimit) -> None:
        """Count a refusal and raise the alarm: a WARNING line at most once a minute per kind."""
        self.on_refused(over.kind, over.scope)
        with self._lock:
            self._refused[over.kind] = self._refused.get(over.kind, 0) + 1
            if time.monotonic() - self._warned.get(over.kind, -ALARM_LOG_EVERY) < ALARM_LOG_EVERY:
                return
            self._warned[over.kind] = time.monotonic()
            count, self._refused[over.kind] = self._refused[over.kind], 0
        what = "callback requests" if over.kind == CALLBACK else "texts"
        log.warning(
            "%s refused by the limits of queues.yaml: %d since the last such line (this one "
            "over its %s limit per %s): someone may be aiming them at a number or running up "
            "a bill",
            what,
            count,
            over.scope,
            over.period,
        )

    # -- one text per call and choice ---------------------------------------------------------
    def claim_message(
        self,
        call_sid: str,
        choice: str,
        number: str,
        quotas: Sequence[Quota],
        now: datetime,
    ) -> bool:
        """Record that this call's ``choice`` is being sent to ``number``, within the limits.

        Return True when this request is the one to send it, False when the call already has
        it (sending, sent or failed); raise OverLimit (nothing recorded) past a limit.
        """
        row = {
            "call_sid": call_sid,
            "choice": choice,
            "number": mask_number(number),
            "status": "sending",
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.engine.begin() as conn:
                if not insert_new(conn, outbound_messages, row, ["call_sid", "choice"]):
                    return False
                self.take(conn, SMS, quotas, now)
        except OverLimit as over:
            self.refused(over)
            raise
        return True

    def finish(
        self,
        call_sid: str,
        choice: str,
        status: str,
        now: datetime,
        *,
        sid: str | None = None,
        detail: str | None = None,
    ) -> None:
        """Record how sending a claimed text ended (sent, or failed and why)."""
        if status not in OUTBOUND_STATUSES:
            raise ValueError(f"unknown status {status!r}: one of {', '.join(OUTBOUND_STATUSES)}")
        with self.engine.begin() as conn:
            conn.execute(
                update(outbound_messages)
                .where(
                    outbound_messages.c.call_sid == call_sid,
                    outbound_messages.c.choice == choice,
                )
                .values(status=status, updated_at=now, sid=sid, detail=detail)
            )

    def message(self, call_sid: str, choice: str) -> OutboundMessage | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(outbound_messages).where(
                    outbound_messages.c.call_sid == call_sid,
                    outbound_messages.c.choice == choice,
                )
            ).first()
        return None if row is None else _message(row._mapping)

    def count(self, kind: str, scope: str, number: str | None, period: str) -> int:
        """Return a counter's value (0 when never raised); ``number`` None: the total."""
        subject = TOTAL if number is None else caller_key(number, self.secret)
        with self.engine.connect() as conn:
            value = conn.execute(
                select(outbound_counts.c.count).where(
                    outbound_counts.c.kind == kind,
                    outbound_counts.c.scope == scope,
                    outbound_counts.c.subject == subject,
                    outbound_counts.c.period == period,
                )
            ).scalar()
        return int(value or 0)

    def purge_expired(self, now: datetime) -> int:
        """Forget counters whose period is over and texts recorded long ago; return how many."""
        with self.engine.begin() as conn:
            counters = conn.execute(
                delete(outbound_counts).where(
                    outbound_counts.c.expires_at <= literal(now, Instant())
                )
            ).rowcount
            messages = conn.execute(
                delete(outbound_messages).where(
                    outbound_messages.c.created_at <= literal(now - KEEP_MESSAGES, Instant())
                )
            ).rowcount
        return int(counters) + int(messages)


def _next_day(day_start: datetime) -> datetime:
    # Lima keeps no daylight saving time: a day is always 24 hours
    return day_start + timedelta(days=1)


def _message(mapping: Any) -> OutboundMessage:
    return OutboundMessage(
        call_sid=mapping["call_sid"],
        choice=mapping["choice"],
        number=mapping["number"],
        status=mapping["status"],
        created_at=to_lima(mapping["created_at"]),
        updated_at=to_lima(mapping["updated_at"]),
        sid=mapping["sid"],
        detail=mapping["detail"],
    )
