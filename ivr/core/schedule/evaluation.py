"""Whether a line is open at an instant, why, and when that changes: a pure function of time.

Evaluation order: the emergency override, then an operator closure or a national
holiday, then special hours on that date, then the weekly hours; closed unless something says
open. Every instant is converted to Lima time first, whatever timezone it arrives in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from ivr.core.lima import LIMA, to_lima
from ivr.core.schedule.model import DEFAULT_LINE, Interval, LineSchedule, Override, Schedules

#: Why a line is open or closed. "weekly" and "special_hours" may be open or closed (outside the
#: special hours of that date the day is still governed by them); "after_hours" is the
#: closed-by-default reason: no rule says open at that instant.
Reason = Literal["emergency", "closure", "holiday", "special_hours", "weekly", "after_hours"]

#: How far ahead ``LineStatus.next_change`` looks: two weeks covers any holiday bridge.
HORIZON = timedelta(days=14)


@dataclass(frozen=True, slots=True)
class LineStatus:
    """A line's state at one instant, and the next instant it opens or closes."""

    open: bool
    reason: Reason
    message: str | None = None
    label: str | None = None
    next_change: datetime | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """A stretch of time ``[start, end)`` in Lima during which a line's state is constant."""

    start: datetime
    end: datetime
    open: bool
    reason: Reason
    label: str | None = None
    message: str | None = None

    def same_state(self, other: Window) -> bool:
        return (self.open, self.reason, self.label, self.message) == (
            other.open,
            other.reason,
            other.label,
            other.message,
        )


def status(
    schedules: Schedules,
    now: datetime,
    *,
    line: str = DEFAULT_LINE,
    override: Override | None = None,
) -> LineStatus:
    """Return whether ``line`` is open at ``now`` (aware, any timezone), why, and until when."""
    return status_holding(schedules, now, line=line, override=override)[0]


def status_holding(
    schedules: Schedules,
    now: datetime,
    *,
    line: str = DEFAULT_LINE,
    override: Override | None = None,
) -> tuple[LineStatus, datetime | None]:
    """Return ``status`` at ``now`` and the instant until which that very answer holds.

    The answer is the same at every instant of ``[now, until)``, for the same schedules and
    override: the state stays that of the current window, and the next opening or closing, once
    within the horizon, stays found. ``until`` is None when no opening or closing is within the
    horizon (a later instant may find one).
    """
    moment = to_lima(now)
    horizon = moment + HORIZON
    windows = _merged(_pieces(schedules.line(line), moment, horizon, override))
    current = next(windows)
    next_change = None
    for window in windows:
        if window.start > horizon:
            break
        if window.open != current.open:
            next_change = window.start
            break
    found = LineStatus(current.open, current.reason, current.message, current.label, next_change)
    return found, (current.end if next_change is not None else None)


def windows(
    schedules: Schedules,
    start: datetime,
    days: int,
    *,
    line: str = DEFAULT_LINE,
    override: Override | None = None,
) -> tuple[Window, ...]:
    """Return the line's windows from ``start`` for ``days`` days, clipped to that range."""
    begin = to_lima(start)
    return line_windows(schedules.line(line), begin, begin + timedelta(days=days), override)


def line_windows(
    line: LineSchedule, start: datetime, end: datetime, override: Override | None
) -> tuple[Window, ...]:
    """Return the windows of one line in ``[start, end)`` (both aware), clipped to that range."""
    begin, finish = to_lima(start), to_lima(end)
    out: list[Window] = []
    for window in _merged(_pieces(line, begin, finish, override)):
        if window.start >= finish:
            break
        out.append(_clip(window, begin, finish))
    return tuple(out)


def line_state(
    line: LineSchedule, moment: datetime, override: Override | None
) -> tuple[bool, Reason, str | None, str | None]:
    """Return (open, reason, label, message) at ``moment``, without looking ahead."""
    moment = to_lima(moment)
    if override is not None and override.active(moment):
        return False, "emergency", None, override.message
    for window in _day_pieces(line, moment.date()):
        if window.start <= moment < window.end:
            return window.open, window.reason, window.label, window.message
    raise AssertionError("a day's pieces cover the whole day")  # pragma: no cover


# -- the timeline ----------------------------------------------------------------------------


def _day_pieces(line: LineSchedule, day: date) -> list[Window]:
    """Return the day's windows from midnight to midnight, before any emergency override."""
    start = datetime.combine(day, time(0), tzinfo=LIMA)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LIMA)
    # An operator closure or a national holiday comes before special hours.
    closed = line.closed_all_day(day)
    if closed is not None:
        reason, label = closed
        closure = line.closure_on(day)
        message = closure.message if closure is not None else line.holidays.message
        return [Window(start, end, False, reason, label, message)]
    special = line.special_on(day)
    if special is not None:
        # Outside its intervals the day is still the special one: closed, same label/message.
        return _split(
            start,
            end,
            special.intervals,
            Window(start, end, True, "special_hours", special.label, special.message),
            Window(start, end, False, "special_hours", special.label, special.message),
        )
    return _split(
        start,
        end,
        line.weekly.on(day.weekday()),
        Window(start, end, True, "weekly"),
        Window(start, end, False, "after_hours"),
    )


def _split(
    start: datetime,
    end: datetime,
    intervals: tuple[Interval, ...],
    opened: Window,
    closed: Window,
) -> list[Window]:
    """Cut the day ``[start, end)`` into open windows (``intervals``) and closed ones between."""
    out: list[Window] = []
    cursor = start
    for interval in sorted(intervals, key=lambda i: i.start):
        opens = datetime.combine(start.date(), interval.start, tzinfo=LIMA)
        closes = datetime.combine(start.date(), interval.end, tzinfo=LIMA)
        if cursor < opens:
            out.append(_with(closed, cursor, opens))
        out.append(_with(opened, opens, closes))
        cursor = closes
    if cursor < end:
        out.append(_with(closed, cursor, end))
    return out


def _pieces(
    line: LineSchedule, start: datetime, end: datetime, override: Override | None
) -> Iterator[Window]:
    """Yield the line's windows, override applied, over the whole days from start to end.

    The first window contains ``start`` (it may begin earlier); the last one contains ``end``.
    """
    day = start.date()
    while day <= end.date():
        for day_piece in _day_pieces(line, day):
            for piece in _overlay(day_piece, override):
                if piece.end > start:
                    yield piece
        day += timedelta(days=1)


def _overlay(piece: Window, override: Override | None) -> Iterator[Window]:
    """Replace the part of ``piece`` that the emergency override covers (it comes first)."""
    if override is None:
        yield piece
        return
    begin = max(piece.start, override.set_at)
    finish = piece.end if override.until is None else min(piece.end, override.until)
    if begin >= finish:
        yield piece
        return
    if piece.start < begin:
        yield _with(piece, piece.start, begin)
    yield Window(begin, finish, False, "emergency", None, override.message)
    if finish < piece.end:
        yield _with(piece, finish, piece.end)


def _merged(pieces: Iterator[Window]) -> Iterator[Window]:
    """Join neighbouring windows in the same state (e.g. after_hours across midnight)."""
    current = next(pieces)
    for piece in pieces:
        if piece.same_state(current):
            current = _with(current, current.start, piece.end)
        else:
            yield current
            current = piece
    yield current


def _clip(window: Window, start: datetime, end: datetime) -> Window:
    return _with(window, max(window.start, start), min(window.end, end))


def _with(window: Window, start: datetime, end: datetime) -> Window:
    return Window(start, end, window.open, window.reason, window.label, window.message)
