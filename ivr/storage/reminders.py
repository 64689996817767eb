"""The reminders' log and the opt-out list, in the shared database.

A reminder is claimed (a row with its key, ``claimed``) in its own transaction BEFORE its text
is sent, and marked ``sent`` or ``failed`` after: an insert that meets the key already there,
or a text already claimed for that student that day (``code, sent_on`` is unique), inserts
nothing and the caller sends nothing. So two runs, a retried job or two hosts at once send
each reminder at most once, and at most one text a day reaches a student. A claim whose
process died before marking it stays ``claimed``: never sent again (at most once).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Connection, Engine, Insert, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ivr.clock import LIMA, to_lima
from ivr.core.fees.model import Account
from ivr.core.reminders import WEEK, History, Reminder, mask_mobile
from ivr.storage.ledger.sql import accounts_with_mobiles
from ivr.storage.schema import reminder_log, reminder_optouts

__all__ = ["DayTally", "OptOuts", "ReminderStore"]

CHUNK = 500  # students read, decided and claimed at a time


@dataclass(frozen=True, slots=True)
class OptOuts:
    """Everyone who asked not to get reminders: by number, and by student."""

    numbers: frozenset[str] = frozenset()
    codes: frozenset[str] = frozenset()

    def covers(self, code: str, number: str) -> bool:
        return number in self.numbers or code in self.codes


@dataclass(slots=True)
class DayTally:
    """One Lima day of reminders: texts sent and failed, dropped by reason, opt-outs."""

    day: date
    sent: int = 0
    failed: int = 0
    claimed: int = 0  # claimed and never marked (a process that died while sending)
    skipped: Counter[str] = field(default_factory=Counter)
    opted_out: int = 0


class ReminderStore:
    """Claim, mark and count reminders; keep the opt-outs (raises ``STORE_ERRORS``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- who gets them ----------------------------------------------------------------------
    def contacts(self, day: date) -> Iterator[tuple[OptOuts, list[tuple[Account, str, History]]]]:
        """Yield, a few hundred at a time, students with a mobile: account, mobile, history.

        Each chunk is read on one connection, in one transaction: the opt-outs, the accounts
        (the ledger's) and what the log holds for those students.
        """
        after = ""
        while True:
            with self.engine.connect() as conn:
                opt_outs = _opt_outs(conn)
                chunk = accounts_with_mobiles(conn, after, CHUNK)
                if not chunk:
                    return
                histories = _histories(conn, [account.student.code for account, _ in chunk], day)
            yield opt_outs, [(a, mobile, histories[a.student.code]) for a, mobile in chunk]
            if len(chunk) < CHUNK:
                return
            after = chunk[-1][0].student.code

    # -- the log ----------------------------------------------------------------------------
    def claim(self, reminder: Reminder, day: date, now: datetime, number: str) -> bool:
        """Record that this reminder is being sent today; False: it, or another text to this
        student today, was claimed already (here or on another host)."""
        row = _row(reminder, day, now, "claimed") | {"sent_on": day, "number": mask_mobile(number)}
        return self._insert(row)

    def drop(self, reminder: Reminder, day: date, now: datetime, reason: str) -> bool:
        """Record that this reminder will not be sent (paid, expired, opted_out), once."""
        return self._insert(_row(reminder, day, now, reason))

    def mark(self, key: str, status: str, *, sid: str | None = None, error: str = "") -> None:
        """Mark a claimed reminder ``sent`` (with Twilio's SID) or ``failed`` (and why)."""
        values = {"status": status, "sid": sid, "error": error[:200] or None}
        with self.engine.begin() as conn:
            conn.execute(update(reminder_log).where(reminder_log.c.key == key).values(**values))

    def _insert(self, row: dict[str, object]) -> bool:
        with self.engine.begin() as conn:
            # RETURNING, not rowcount: psycopg reports -1 for INSERT .. ON CONFLICT DO NOTHING
            inserted = conn.execute(_insert_new(conn.dialect.name).values(**row)).first()
        return inserted is not None

    def tallies(self, first: date, last: date) -> list[DayTally]:
        """Return each Lima day from ``first`` to ``last`` with something to count, in order."""
        days: dict[date, DayTally] = {}

        def on(day: date) -> DayTally:
            return days.setdefault(day, DayTally(day))

        with self.engine.connect() as conn:
            rows = conn.execute(
                select(reminder_log.c.day, reminder_log.c.status, func.count())
                .where(reminder_log.c.day.between(first, last))
                .group_by(reminder_log.c.day, reminder_log.c.status)
            )
            for day, status, count in rows:
                tally = on(day)
                if status in ("sent", "failed", "claimed"):
                    setattr(tally, status, getattr(tally, status) + int(count))
                else:
                    tally.skipped[status] += int(count)
            start = datetime.combine(first, time(), tzinfo=LIMA)
            end = start + timedelta(days=(last - first).days + 1)
            for (at,) in conn.execute(
                select(reminder_optouts.c.at).where(
                    reminder_optouts.c.at >= start, reminder_optouts.c.at < end
                )
            ):
                on(to_lima(at).date()).opted_out += 1
        return [days[day] for day in sorted(days)]

    # -- opting out -------------------------------------------------------------------------
    def opt_outs(self) -> OptOuts:
        with self.engine.connect() as conn:
            return _opt_outs(conn)

    def opt_out(
        self, now: datetime, door: str, *, number: str | None = None, code: str | None = None
    ) -> bool:
        """Add a number and/or a student to the list; False when each was on it already."""
        added = False
        for column, value in (("number", number), ("code", code)):
            if value:
                row = {column: value, "at": now, "door": door}
                added = self._insert_optout(row) or added
        return added

    def _insert_optout(self, row: dict[str, object]) -> bool:
        with self.engine.begin() as conn:
            dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
            statement = dialect.insert(reminder_optouts).on_conflict_do_nothing()
            statement = statement.returning(reminder_optouts.c.id)
            return conn.execute(statement.values(**row)).first() is not None

    def opt_in(self, *, number: str | None = None, code: str | None = None) -> int:
        """Take a number and/or a student off the list; return how many entries went."""
        conditions = [
            *([reminder_optouts.c.number == number] if number else []),
            *([reminder_optouts.c.code == code] if code else []),
        ]
        if not conditions:
            return 0
        removing = delete(reminder_optouts).where(or_(*conditions)).returning(reminder_optouts.c.id)
        with self.engine.begin() as conn:
            return len(conn.execute(removing).all())

    def opted_out(self, *, number: str | None = None, code: str | None = None) -> bool:
        return self.opt_outs().covers(code or "", number or "")


def _opt_outs(conn: Connection) -> OptOuts:
    numbers, codes = set(), set()
    for number, code in conn.execute(select(reminder_optouts.c.number, reminder_optouts.c.code)):
        if number:
            numbers.add(str(number))
        if code:
            codes.add(str(code))
    return OptOuts(frozenset(numbers), frozenset(codes))


def _histories(conn: Connection, codes: list[str], day: date) -> dict[str, History]:
    """Return what the log holds for these students: keys recorded, days texts went."""
    recorded: dict[str, set[str]] = {code: set() for code in codes}
    sent_on: dict[str, list[date]] = {code: [] for code in codes}
    since = day - timedelta(days=WEEK - 1)
    query = select(reminder_log.c.code, reminder_log.c.key, reminder_log.c.sent_on)
    for code, key, sent in conn.execute(query.where(reminder_log.c.code.in_(codes))):
        recorded[code].add(key)
        if sent is not None and since <= sent <= day:
            sent_on[code].append(sent)
    return {code: History(frozenset(recorded[code]), tuple(sent_on[code])) for code in codes}


def _row(reminder: Reminder, day: date, now: datetime, status: str) -> dict[str, object]:
    return {
        "key": reminder.key,
        "code": reminder.code,
        "term": reminder.term,
        "cuota": reminder.cuota,
        "kind": reminder.kind,
        "day": day,
        "at": now,
        "status": status,
    }


def _insert_new(dialect_name: str) -> Insert:
    """INSERT that does nothing when any unique key is taken (the claim's test)."""
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    statement: Insert = (
        dialect.insert(reminder_log).on_conflict_do_nothing().returning(reminder_log.c.key)
    )
    return statement
