"""The figures a desk is run by, defined once: every page and ``ivr report`` reads them here.

Per desk, and per half hour of the Lima day a caller left the queue in:

- ``offered``: callers out of the desk's queue, however they left (answered, abandoned, left
  with a reason, failed, redirected): each caller who entered it once.
- ``answered``: put through to someone (Twilio's ``bridged``).
- ``abandoned``: hung up while waiting, after ``SHORT_ABANDON`` seconds or more; callers who
  left with a callback (or any other reason) are not abandoned.
- ``short_abandoned``: hung up within ``SHORT_ABANDON`` seconds (a misdial, not a lost caller):
  counted apart, in neither ``abandoned`` nor the service level.
- ``average speed of answer``: the mean wait of the answered callers whose wait is known.
- ``service level``: answered within the desk's ``service_level_seconds`` (queues.yaml,
  default 60) over offered less the short abandons.
- ``overdue`` (a pending callback): its promised hour is over, or without one it was requested
  more than 30 minutes ago.
- ``estimate hits``: of the answered callers told a wait range on entering, the share answered
  within it (``ivr.core.queue.estimate``).
- ``callbacks requested, placed, reached``: the desk's callback requests of the period, those
  dialled at least once, those whose student was reached (by the request's hour).

Read from the call records' queue results (``ivr.core.events.QUEUE_RESULTS``, detail
``"<desk> <seconds>"`` or ``"<desk> <reason> <seconds>"``) and the callbacks store. Pure: the
caller hands in the records' values and the instants already in Lima time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ivr.core.events import QUEUE_RESULTS, CallEvent
from ivr.core.queue.estimate import BY_CODE

SHORT_ABANDON = 5  # seconds: a caller who hangs up sooner is counted apart
DEFAULT_SERVICE_LEVEL = 60  # seconds: answered within this is "in service level"
CALLBACK = "callback"  # the reason of a caller who left with a callback request
OVERDUE_AFTER = timedelta(minutes=30)  # a pending callback without a promised hour


def overdue(requested_at: datetime, window_end: datetime | None, now: datetime) -> bool:
    """Whether a pending callback is late: its promised hour is over, or, without one, it was
    requested more than ``OVERDUE_AFTER`` ago."""
    if window_end is not None:
        return window_end <= now
    return now - requested_at > OVERDUE_AFTER


@dataclass(frozen=True, slots=True)
class QueueOutcome:
    """One caller out of a desk's queue."""

    desk: str
    result: str  # answered, abandoned, left, failed, redirected
    reason: str  # why a caller left (callback, sms, closing, max_wait), or Twilio's failure
    seconds: int | None  # Twilio's QueueTime, when known
    at: datetime | None = None  # when they left (Lima)
    told: str | None = None  # the wait range told on entering (ivr.core.queue.estimate code)


def outcome(event: CallEvent, detail: str, at: datetime | None = None) -> QueueOutcome | None:
    """Read a queue result step; None for any other step."""
    result = QUEUE_RESULTS.get(event)
    if result is None:
        return None
    parts = detail.split()
    desk = parts[0] if parts else "unknown"
    seconds = int(parts[-1]) if len(parts) > 1 and parts[-1].isdigit() else None
    reason = parts[1] if len(parts) > 2 else ""
    return QueueOutcome(desk, result, reason, seconds, at)


@dataclass(frozen=True, slots=True)
class CallbackFact:
    """One callback request as the figures see it."""

    desk: str
    requested_at: datetime  # Lima
    placed: bool  # dialled at least once
    reached: bool


def half_hour(moment: datetime) -> datetime:
    """Return the start of the half hour ``moment`` falls in (same time zone)."""
    return moment.replace(minute=moment.minute - moment.minute % 30, second=0, microsecond=0)


@dataclass(slots=True)
class DeskFigures:
    """The figures of one desk over a period (or one half hour of it)."""

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    left_callback: int = 0  # left the queue with a callback request (not abandoned)
    answered_timed: int = 0  # answered callers whose wait is known
    answer_seconds: int = 0  # their waits, added up
    within_level: int = 0  # answered within the service level's seconds
    callbacks_requested: int = 0
    callbacks_placed: int = 0
    callbacks_reached: int = 0
    told_answered: int = 0  # answered callers who had been told a range, with a known wait
    told_within: int = 0  # of them, answered within the range they were told

    @property
    def estimate_hits(self) -> float | None:
        """The share of answered callers told a range who were answered within it."""
        return self.told_within / self.told_answered if self.told_answered else None

    @property
    def average_answer_s(self) -> float | None:
        """Average speed of answer."""
        return self.answer_seconds / self.answered_timed if self.answered_timed else None

    @property
    def service_level(self) -> float | None:
        """Answered within the threshold over offered less the short abandons."""
        counted = self.offered - self.short_abandoned
        return self.within_level / counted if counted > 0 else None

    def add(self, found: QueueOutcome, level_s: int) -> None:
        self.offered += 1
        if found.result == "answered":
            self.answered += 1
            if found.seconds is not None:
                self.answered_timed += 1
                self.answer_seconds += found.seconds
                self.within_level += found.seconds <= level_s
                told = BY_CODE.get(found.told or "")
                if told is not None:
                    self.told_answered += 1
                    self.told_within += told.holds(found.seconds)
        elif found.result == "abandoned":
            if found.seconds is not None and found.seconds < SHORT_ABANDON:
                self.short_abandoned += 1
            else:
                self.abandoned += 1
        elif found.result == "left" and found.reason == CALLBACK:
            self.left_callback += 1

    def add_callback(self, fact: CallbackFact) -> None:
        self.callbacks_requested += 1
        self.callbacks_placed += fact.placed
        self.callbacks_reached += fact.reached


@dataclass(frozen=True, slots=True)
class DeskTable:
    """Per desk over the whole period, and per desk and half hour."""

    desks: Mapping[str, DeskFigures] = field(default_factory=dict)
    half_hours: Mapping[tuple[str, datetime], DeskFigures] = field(default_factory=dict)


def tally(
    outcomes: Iterable[QueueOutcome],
    callbacks: Iterable[CallbackFact] = (),
    levels: Mapping[str, int] | None = None,
    default_level: int = DEFAULT_SERVICE_LEVEL,
) -> DeskTable:
    """Add up the figures per desk and per desk and half hour (``levels``: seconds per desk)."""
    levels = levels or {}
    desks: dict[str, DeskFigures] = {}
    halves: dict[tuple[str, datetime], DeskFigures] = {}
    for found in outcomes:
        level = levels.get(found.desk, default_level)
        desks.setdefault(found.desk, DeskFigures()).add(found, level)
        if found.at is not None:
            halves.setdefault((found.desk, half_hour(found.at)), DeskFigures()).add(found, level)
    for fact in callbacks:
        desks.setdefault(fact.desk, DeskFigures()).add_callback(fact)
        key = (fact.desk, half_hour(fact.requested_at))
        halves.setdefault(key, DeskFigures()).add_callback(fact)
    return DeskTable(dict(sorted(desks.items())), dict(sorted(halves.items())))
