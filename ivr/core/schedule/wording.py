"""The hours as callers hear them, in Spanish, derived from the schedule (never hard-coded)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import time

from ivr.core.schedule import days as weekdays
from ivr.core.schedule.model import DEFAULT_LINE, Interval, Schedules


def describe_hours(schedules: Schedules, line: str = DEFAULT_LINE) -> str:
    """Return the line's weekly hours in Spanish, e.g. 'de lunes a viernes de 9 de la mañana ...'.

    Days with the same hours are grouped (a run of three or more days reads "de lunes a
    viernes"); closed days are not mentioned.
    """
    weekly = schedules.line(line).weekly
    groups: dict[tuple[Interval, ...], list[int]] = {}
    for day in range(7):
        intervals = weekly.on(day)
        if intervals:
            groups.setdefault(intervals, []).append(day)
    if not groups:
        return "no tiene horario de atención"
    parts = [f"{_days(chosen)} {describe_intervals(hours)}" for hours, chosen in groups.items()]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + ", y " + parts[-1]


def describe_days_of(schedules: Schedules, line: str, weekday: int) -> str | None:
    """Return the hours of the days that keep ``weekday``'s hours: 'de lunes a viernes de 9 ...'.

    The part of ``describe_hours`` a caller needs to know when a desk opens again: the weekly
    hours of that day and of the days like it. None when the line has no hours that weekday.
    """
    weekly = schedules.line(line).weekly
    hours = weekly.on(weekday)
    if not hours:
        return None
    chosen = [day for day in range(7) if weekly.on(day) == hours]
    return f"{_days(chosen)} {describe_intervals(hours)}"


def describe_intervals(intervals: Sequence[Interval]) -> str:
    """Return 'de 9 de la mañana a 1 de la tarde y de 3 de la tarde a 6 de la tarde'."""
    return " y ".join(
        f"de {spoken_time(i.start)} a {spoken_time(i.end, closing=True)}" for i in intervals
    )


def spoken_time(moment: time, *, closing: bool = False) -> str:
    """Return a time of day as said in Peru: '9 de la mañana', '2 y media de la tarde'.

    With ``closing``, 23:59 and later reads "medianoche" (the YAML cannot say 24:00).
    """
    if closing and (moment.hour, moment.minute) == (23, 59):
        return "medianoche"
    if (moment.hour, moment.minute) == (0, 0):
        return "medianoche"
    if (moment.hour, moment.minute) == (12, 0):
        return "mediodía"
    hour = moment.hour % 12 or 12
    minutes = {0: "", 15: " y cuarto", 30: " y media"}.get(moment.minute, f" y {moment.minute}")
    # Customary Peruvian day parts: mañana until noon, tarde until 7 pm, noche after.
    if moment.hour < 12:
        part = "de la mañana"
    elif moment.hour < 19:
        part = "de la tarde"
    else:
        part = "de la noche"
    return f"{hour}{minutes} {part}"


def _days(chosen: list[int]) -> str:
    if len(chosen) == 7:
        return "todos los días"
    consecutive = chosen == list(range(chosen[0], chosen[0] + len(chosen)))
    if consecutive and len(chosen) >= 3:
        return f"de {weekdays.SPANISH[chosen[0]]} a {weekdays.SPANISH[chosen[-1]]}"
    names = [weekdays.SPANISH_PLURAL[day] for day in chosen]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " y " + names[-1]
    return f"los {listed}"
