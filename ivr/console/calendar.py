"""The central's calendar ahead, day by day: each line's hours and why, and the message swaps.

Computed by the schedule code the IVR answers with (``ivr.core.schedule``: the same windows
``ivr schedule`` lists), so what the calendar shows is what a caller would hear. The emergency
override is the stored one: it closes every line while it lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from ivr.clock import LIMA, to_lima
from ivr.core.schedule.evaluation import Reason, Window, line_windows
from ivr.core.schedule.listing import MessageWindow, message_windows
from ivr.core.schedule.model import Override, Schedules, Slot

CALENDAR_DAYS = 30
WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


@dataclass(frozen=True, slots=True)
class Period:
    """A stretch of one day during which a line stays open or closed, for one reason."""

    start: datetime  # Lima
    end: datetime  # Lima, exclusive (midnight of the next day for the day's last period)
    open: bool
    reason: Reason  # weekly, special_hours, holiday, closure, emergency, after_hours
    label: str | None  # the holiday's name, the closure's or special hours' label
    message: str | None  # what callers hear instead of the usual closed message


@dataclass(frozen=True, slots=True)
class LineDay:
    """One line on one day."""

    line: str
    periods: tuple[Period, ...]
    holiday: str | None  # the national holiday that closes the line, by name
    closure: str | None  # the operators' closure: its label ("" when it has none)
    special_hours: str | None  # special hours replace the weekly ones: their label, or ""
    emergency: bool  # the override closes the line for some of the day

    @property
    def opening_hours(self) -> tuple[tuple[datetime, datetime], ...]:
        return tuple((p.start, p.end) for p in self.periods if p.open)

    @property
    def open_at_all(self) -> bool:
        return any(p.open for p in self.periods)


@dataclass(frozen=True, slots=True)
class Swap:
    """A message swap active for part of a day."""

    name: str
    slot: Slot
    start: datetime
    end: datetime
    text: str


@dataclass(frozen=True, slots=True)
class CalendarDay:
    day: date
    weekday: str  # in Spanish
    lines: tuple[LineDay, ...]
    swaps: tuple[Swap, ...]


@dataclass(frozen=True, slots=True)
class Calendar:
    """The days ahead from today (Lima), with the override that applies to them."""

    first_day: date
    days: tuple[CalendarDay, ...]
    override: Override | None  # the stored override if it is active or ahead, else None


def calendar(
    schedules: Schedules,
    now: datetime,
    override: Override | None,
    days: int = CALENDAR_DAYS,
) -> Calendar:
    """Return ``days`` days of every line's hours and the message swaps, from today in Lima."""
    if days < 1:
        raise ValueError("a calendar has at least one day")
    today = to_lima(now).date()
    start = datetime.combine(today, time(0), tzinfo=LIMA)
    end = start + timedelta(days=days)
    if override is not None and override.until is not None and override.until <= start:
        override = None  # ended before the calendar begins (as ``ivr schedule`` does)
    per_line = {line.name: line_windows(line, start, end, override) for line in schedules.lines}
    swaps = message_windows(schedules, start, days, override=override)
    out = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        begin = datetime.combine(day, time(0), tzinfo=LIMA)
        finish = begin + timedelta(days=1)
        out.append(
            CalendarDay(
                day=day,
                weekday=WEEKDAYS[day.weekday()],
                lines=tuple(
                    _line_day(name, windows, begin, finish) for name, windows in per_line.items()
                ),
                swaps=tuple(_swaps_of(swaps, begin, finish)),
            )
        )
    return Calendar(today, tuple(out), override)


def _line_day(name: str, windows: tuple[Window, ...], begin: datetime, end: datetime) -> LineDay:
    periods = tuple(
        Period(max(w.start, begin), min(w.end, end), w.open, w.reason, w.label, w.message)
        for w in windows
        if w.start < end and w.end > begin
    )

    def label(reason: Reason) -> str | None:
        found = next((p for p in periods if p.reason == reason), None)
        return None if found is None else found.label or ""

    return LineDay(
        line=name,
        periods=periods,
        holiday=label("holiday"),
        closure=label("closure"),
        special_hours=label("special_hours"),
        emergency=any(p.reason == "emergency" for p in periods),
    )


def _swaps_of(swaps: tuple[MessageWindow, ...], begin: datetime, end: datetime) -> list[Swap]:
    return [
        Swap(s.name, s.slot, max(s.start, begin), min(s.end, end), s.text)
        for s in swaps
        if s.start < end and s.end > begin
    ]
