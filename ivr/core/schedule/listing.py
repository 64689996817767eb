"""What changes when: swap boundaries for the scheduler, and the listing for ``ivr schedule``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from ivr.core.lima import LIMA, to_lima
from ivr.core.schedule import days as weekdays
from ivr.core.schedule.evaluation import Reason, Window, line_state, line_windows
from ivr.core.schedule.messages import is_active
from ivr.core.schedule.model import DEFAULT_LINE, Override, Schedules, Slot
from ivr.core.schedule.wording import describe_hours

_REASONS: dict[Reason, str] = {
    "emergency": "EMERGENCY OVERRIDE",
    "closure": "closure",
    "holiday": "holiday",
    "special_hours": "special hours",
    "weekly": "weekly hours",
    "after_hours": "after hours",
}
_SHOWN_TEXT = 72  # characters of a message shown in the listing; the YAML has the full text
_INSTANT = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class MessageWindow:
    """A stretch ``[start, end)`` in Lima during which the message ``name`` is active."""

    name: str
    slot: Slot
    start: datetime
    end: datetime
    text: str


def boundaries(
    schedules: Schedules,
    start: datetime,
    end: datetime,
    *,
    override: Override | None = None,
) -> tuple[datetime, ...]:
    """Return every instant in ``[start, end)`` at which a line's state or a swap changes.

    A line's state is (open, reason, label, message); a swap changes when a message becomes
    active or inactive. The instants are in Lima time, sorted.
    """
    begin, finish = to_lima(start), to_lima(end)
    previous = _snapshot(schedules, begin - _INSTANT, override)
    out: list[datetime] = []
    for moment in _candidates(schedules, begin, finish, override):
        current = _snapshot(schedules, moment, override)
        if current != previous:
            out.append(moment)
        previous = current
    return tuple(out)


def message_windows(
    schedules: Schedules,
    start: datetime,
    days: int,
    *,
    override: Override | None = None,
) -> tuple[MessageWindow, ...]:
    """Return when each message swap is active from ``start`` for ``days`` days, by start."""
    begin = to_lima(start)
    finish = begin + timedelta(days=days)
    points = _candidates(schedules, begin, finish, override)
    out: list[MessageWindow] = []
    for swap in schedules.messages:
        opened: datetime | None = None
        for index, moment in enumerate(points):
            active = is_active(schedules, swap, moment, override)
            if active and opened is None:
                opened = moment
            elif not active and opened is not None:
                out.append(MessageWindow(swap.name, swap.slot, opened, moment, swap.text))
                opened = None
            if index == len(points) - 1 and opened is not None:
                out.append(MessageWindow(swap.name, swap.slot, opened, finish, swap.text))
    order = {swap.name: index for index, swap in enumerate(schedules.messages)}
    return tuple(sorted(out, key=lambda w: (w.start, order[w.name])))


def render_schedule(
    schedules: Schedules,
    start: datetime,
    days: int,
    *,
    line: str = DEFAULT_LINE,
    override: Override | None = None,
) -> str:
    """Return the plain-text listing that ``ivr schedule`` prints."""
    begin = to_lima(start)
    finish = begin + timedelta(days=days)
    out = [
        f"Line '{line}' from {_when(begin)} to {_when(finish)} (America/Lima)",
        f"Weekly hours: {describe_hours(schedules, line)}",
    ]
    if override is not None:
        out.append(f"Emergency override: every line closed {_span(override)}.")
    out.append("")
    line_rows = line_windows(schedules.line(line), begin, finish, override)
    swaps = message_windows(schedules, begin, days, override=override)
    edges = [(w.start, w.end) for w in line_rows] + [(m.start, m.end) for m in swaps]
    ranges = [_range(start, end) for start, end in edges]
    width = max(len(text) for text in ranges)  # a column that also fits HH:MM:SS edges
    for window in line_rows:
        out.extend(_window_lines(window, width))
    out.append("")
    if not swaps:
        out.append("Message swaps: none active in this period.")
    else:
        out.append("Message swaps (when each message is active):")
        for swap in swaps:
            out.append(f"{_range(swap.start, swap.end):{width}}  {swap.slot:<12}  {swap.name}")
        out.append("")
        shown = dict.fromkeys(swap.name for swap in swaps)
        texts = {swap.name: swap.text for swap in schedules.messages}
        out.extend(f"{name}: {_quote(texts[name])}" for name in shown)
    return "\n".join(out) + "\n"


def describe_override(override: Override | None, now: datetime) -> str:
    """Return what ``ivr override show`` prints: whether the override closes the lines now."""
    moment = to_lima(now)
    if override is None:
        return "No emergency override."
    if override.until is not None and override.until <= moment:
        return f"No emergency override (the last one ended {_when(override.until)})."
    state = "ACTIVE" if override.active(moment) else "SCHEDULED"
    return (
        f"Emergency override {state}: every line closed {_span(override)}.\n"
        f"Message: {override.message}"
    )


# -- internals -------------------------------------------------------------------------------


def _snapshot(
    schedules: Schedules, moment: datetime, override: Override | None
) -> tuple[object, ...]:
    states = tuple(line_state(line, moment, override) for line in schedules.lines)
    active = tuple(
        swap.name for swap in schedules.messages if is_active(schedules, swap, moment, override)
    )
    return states, active


def _candidates(
    schedules: Schedules, start: datetime, end: datetime, override: Override | None
) -> list[datetime]:
    """Return the instants in ``[start, end)`` where something may change, plus ``start``.

    Between two candidates every line's state and every swap's activity is constant: lines
    change only at their window edges; swaps at their from/until, at midnight (weekdays) and
    at their daily times.
    """
    points = {start}
    for line in schedules.lines:
        points.update(window.start for window in line_windows(line, start, end, override))
    day = start.date()
    while (midnight := datetime.combine(day, time(0), tzinfo=LIMA)) < end:
        points.add(midnight)
        for swap in schedules.messages:
            if swap.times is not None:
                points.add(datetime.combine(day, swap.times.start, tzinfo=LIMA))
                points.add(datetime.combine(day, swap.times.end, tzinfo=LIMA))
        day += timedelta(days=1)
    for swap in schedules.messages:
        points.update(edge for edge in (swap.starts, swap.ends) if edge is not None)
    return sorted(point for point in points if start <= point < end)


def _window_lines(window: Window, width: int) -> list[str]:
    what = _REASONS[window.reason]
    if window.label:
        what = f"{what}: {window.label}"
    state = "OPEN  " if window.open else "closed"
    lines = [f"{_range(window.start, window.end):{width}}  {state}  {what}"]
    if window.message:
        lines.append(f"{'':{width + 2}}{_quote(window.message)}")
    return lines


def _range(start: datetime, end: datetime) -> str:
    return f"{_when(start)} -> {_when(end)}"


def _span(override: Override) -> str:
    until = f"until {_when(override.until)}" if override.until is not None else "until cleared"
    return f"from {_when(override.set_at)} {until}"


def _when(moment: datetime) -> str:
    local = to_lima(moment)
    shown = f"{local:%Y-%m-%d %H:%M:%S}" if local.second else f"{local:%Y-%m-%d %H:%M}"
    return f"{weekdays.SHORT[local.weekday()]} {shown}"


def _quote(text: str) -> str:
    shown = text if len(text) <= _SHOWN_TEXT else text[: _SHOWN_TEXT - 3].rstrip() + "..."
    return f'"{shown}"'
