"""What the operators' schedule files say, as frozen values: hours, holidays, closures, swaps.

Pure data: no I/O, no clock. ``ivr.config.schedules`` builds these from ``schedules/*.yaml``;
``default_schedules()`` builds the central's documented hours for tests and fallbacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from ivr.core.lima import LIMA, to_lima
from ivr.core.schedule.peru import holiday_name

#: The line every call uses unless told otherwise: the campus central.
DEFAULT_LINE = "central"

#: Which part of a call a message swap fills.
#: greeting: replaces the campus greeting; announcement: played after the greeting, before the
#: main menu; after_hours: replaces the after-hours text said when a desk is closed.
Slot = Literal["greeting", "announcement", "after_hours"]
SLOTS: tuple[Slot, ...] = ("greeting", "announcement", "after_hours")


@dataclass(frozen=True, slots=True)
class Interval:
    """Open from ``start`` (inclusive) to ``end`` (exclusive), wall-clock Lima time, one day."""

    start: time
    end: time

    def __contains__(self, moment: time) -> bool:
        # Opening time inclusive, closing time exclusive (21:00:00 is closed).
        return self.start <= moment < self.end

    def __str__(self) -> str:
        return f"{format_time(self.start)}-{format_time(self.end)}"


@dataclass(frozen=True, slots=True)
class WeeklyHours:
    """The opening intervals of each weekday, Monday first (``date.weekday()`` order)."""

    days: tuple[tuple[Interval, ...], ...]

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("weekly hours need exactly 7 days, Monday first")

    def on(self, weekday: int) -> tuple[Interval, ...]:
        return self.days[weekday]


@dataclass(frozen=True, slots=True)
class HolidayPolicy:
    """Whether Peru's national holidays close the line, and which ones stay open anyway."""

    closed: bool = True
    keep_open: tuple[date, ...] = ()
    message: str | None = None

    def closes(self, day: date) -> bool:
        return self.closed and day not in self.keep_open


@dataclass(frozen=True, slots=True)
class Closure:
    """A whole day closed by the operators (a "día no laborable", a campus event)."""

    day: date
    label: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class SpecialHours:
    """Hours that replace the weekly hours on one date (e.g. 24 December 09:00-13:00)."""

    day: date
    intervals: tuple[Interval, ...]
    label: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class LineSchedule:
    """Everything that decides when one named line is open."""

    name: str
    weekly: WeeklyHours
    holidays: HolidayPolicy = HolidayPolicy()
    closures: tuple[Closure, ...] = ()
    special_hours: tuple[SpecialHours, ...] = ()

    def closure_on(self, day: date) -> Closure | None:
        return next((c for c in self.closures if c.day == day), None)

    def closed_all_day(self, day: date) -> tuple[Literal["closure", "holiday"], str | None] | None:
        """Return what closes the line all day before special hours apply, or None."""
        return closed_all_day(self.closures, self.holidays, day)

    def special_on(self, day: date) -> SpecialHours | None:
        return next((s for s in self.special_hours if s.day == day), None)


def closed_all_day(
    closures: tuple[Closure, ...], holidays: HolidayPolicy, day: date
) -> tuple[Literal["closure", "holiday"], str | None] | None:
    """Return ("closure", label) or ("holiday", name) when that closes ``day``, else None.

    The order the evaluation follows: an operator closure, then a national holiday; special
    hours on such a day never apply (``ivr check`` and the closure actions refuse them).
    """
    closure = next((c for c in closures if c.day == day), None)
    if closure is not None:
        return "closure", closure.label
    name = holiday_name(day)
    if name is not None and holidays.closes(day):
        return "holiday", name
    return None


@dataclass(frozen=True, slots=True)
class Adjustment:
    """A closure or special hours an operator added from the console or the CLI, not in YAML.

    ``line`` None applies to every line. No ``hours``: closed every day from ``first`` to
    ``last``; with ``hours``: those hours replace the weekly ones on ``first`` (= ``last``).
    """

    id: int
    line: str | None
    first: date
    last: date
    hours: tuple[Interval, ...] = ()
    label: str | None = None
    message: str | None = None
    added_by: str = ""
    added_at: datetime | None = None

    @property
    def closes(self) -> bool:
        return not self.hours

    def applies_to(self, line: str) -> bool:
        return self.line is None or self.line == line

    def days(self) -> tuple[date, ...]:
        return tuple(
            self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)
        )


@dataclass(frozen=True, slots=True)
class MessageSwap:
    """A named message that fills a slot while all of its conditions hold.

    Conditions left as None always hold: ``starts``/``ends`` bound an absolute window (Lima,
    ``ends`` exclusive); ``weekdays`` limits the days of the week; ``times`` limits the time of
    day; ``when`` ties it to whether ``line`` is open or closed at that instant.
    """

    name: str
    slot: Slot
    text: str
    starts: datetime | None = None
    ends: datetime | None = None
    weekdays: tuple[int, ...] | None = None
    times: Interval | None = None
    when: Literal["open", "closed"] | None = None
    line: str = DEFAULT_LINE


@dataclass(frozen=True, slots=True)
class Schedules:
    """All the lines' schedules and the message swaps (``schedules/`` as a whole)."""

    lines: tuple[LineSchedule, ...]
    messages: tuple[MessageSwap, ...] = ()

    @property
    def line_names(self) -> tuple[str, ...]:
        return tuple(line.name for line in self.lines)

    def line(self, name: str) -> LineSchedule:
        """Return the named line's schedule; an unknown name is a programming error."""
        for line in self.lines:
            if line.name == name:
                return line
        raise KeyError(f"unknown line {name!r}; known lines: {', '.join(self.line_names)}")


@dataclass(frozen=True, slots=True)
class Override:
    """An emergency closure of every line, set from the CLI, not from YAML."""

    message: str
    set_at: datetime
    until: datetime | None = None

    def active(self, now: datetime) -> bool:
        """Return whether the override closes the lines at ``now`` (``until`` exclusive)."""
        moment = to_lima(now)
        if moment < self.set_at:
            return False
        return self.until is None or moment < self.until


_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})$")


def parse_moment(text: str) -> datetime | None:
    """Return the Lima instant written 'YYYY-MM-DD HH:MM', or None if it is not one."""
    match = _MOMENT.match(text.strip())
    if match is None:
        return None
    day, hour, minute = match.groups()
    try:
        return datetime.combine(date.fromisoformat(day), time(int(hour), int(minute)), tzinfo=LIMA)
    except ValueError:
        return None


def format_time(moment: time) -> str:
    """Return 'HH:MM', or 'HH:MM:SS' when the seconds matter."""
    return moment.strftime("%H:%M:%S" if moment.second else "%H:%M")


def default_schedules() -> Schedules:
    """Return the central's documented hours, the same as schedules/central.yaml."""
    weekday = (Interval(time(9), time(21)),)
    saturday = (Interval(time(9), time(14)),)
    weekly = WeeklyHours((weekday, weekday, weekday, weekday, weekday, saturday, ()))
    return Schedules(lines=(LineSchedule(DEFAULT_LINE, weekly),))
