"""The console's calendar: 30 days of hours per line, holidays, closures, special hours, swaps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from ivr.clock import LIMA
from ivr.config.schedules import parse_schedules
from ivr.config.source import Collector
from ivr.console.calendar import calendar
from ivr.core.schedule.model import (
    Closure,
    Interval,
    LineSchedule,
    MessageSwap,
    Override,
    Schedules,
    WeeklyHours,
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc]


NOW = at(2026, 12, 1, 10, 30)  # a Tuesday


MONDAYS = WeeklyHours(((Interval(time(8), time(12)),), (), (), (), (), (), ()))


@pytest.fixture
def schedules() -> Schedules:
    """The shipped schedules, a closure on 18 December, and a line open on Monday mornings."""
    collector = Collector()
    shipped = parse_schedules(collector, Path(__file__).resolve().parents[2])
    assert shipped is not None and collector.problems == []
    central = replace(
        shipped.line("central"),
        closures=(Closure(date(2026, 12, 18), "Aniversario", "Hoy no atendemos."),),
    )
    admisiones = LineSchedule("admisiones", MONDAYS)
    return replace(shipped, lines=(central, admisiones))


def test_thirty_days_from_today_in_lima(schedules: Schedules) -> None:
    # 02:00 UTC on 2 December is still 1 December in Lima
    found = calendar(schedules, datetime(2026, 12, 2, 2, 0, tzinfo=UTC), None)
    assert found.first_day == date(2026, 12, 1)
    assert [d.day for d in found.days][::29] == [date(2026, 12, 1), date(2026, 12, 30)]
    assert len(found.days) == 30
    assert [line.line for line in found.days[0].lines] == ["central", "admisiones"]


def test_a_weekday_a_saturday_and_a_sunday(schedules: Schedules) -> None:
    days = {d.day: d for d in calendar(schedules, NOW, None).days}
    tuesday, saturday, sunday = (days[date(2026, 12, n)].lines[0] for n in (1, 5, 6))
    assert days[date(2026, 12, 1)].weekday == "martes"
    assert tuesday.opening_hours == ((at(2026, 12, 1, 9), at(2026, 12, 1, 21)),)
    assert [(p.reason, p.open) for p in tuesday.periods] == [
        ("after_hours", False),
        ("weekly", True),
        ("after_hours", False),
    ]
    assert tuesday.periods[0].start == at(2026, 12, 1)  # the day starts at midnight
    assert tuesday.periods[-1].end == at(2026, 12, 2)
    assert saturday.opening_hours == ((at(2026, 12, 5, 9), at(2026, 12, 5, 14)),)
    assert not sunday.open_at_all
    assert (sunday.holiday, sunday.closure, sunday.special_hours) == (None, None, None)


def test_holidays_closures_and_special_hours(schedules: Schedules) -> None:
    days = {d.day: d.lines[0] for d in calendar(schedules, NOW, None).days}
    assert days[date(2026, 12, 8)].holiday == "Inmaculada Concepción"
    assert days[date(2026, 12, 9)].holiday == "Batalla de Ayacucho"
    assert days[date(2026, 12, 25)].holiday == "Navidad del Señor"
    assert not days[date(2026, 12, 25)].open_at_all
    closure = days[date(2026, 12, 18)]
    assert (closure.closure, closure.open_at_all) == ("Aniversario", False)
    assert closure.periods[0].message == "Hoy no atendemos."
    eve = days[date(2026, 12, 24)]
    assert eve.special_hours == "Nochebuena"
    assert eve.opening_hours == ((at(2026, 12, 24, 9), at(2026, 12, 24, 13)),)
    assert eve.periods[1].message is not None and "24 de diciembre" in eve.periods[1].message


def test_each_line_has_its_own_hours(schedules: Schedules) -> None:
    days = {d.day: d.lines[1] for d in calendar(schedules, NOW, None).days}
    assert days[date(2026, 12, 7)].opening_hours == ((at(2026, 12, 7, 8), at(2026, 12, 7, 12)),)
    assert not days[date(2026, 12, 8)].open_at_all  # a holiday closes every line
    assert not days[date(2026, 12, 1)].open_at_all


def test_message_swaps_per_day(schedules: Schedules) -> None:
    days = {d.day: d for d in calendar(schedules, NOW, None).days}
    first = {(s.name, s.start, s.end) for s in days[date(2026, 12, 1)].swaps}
    assert ("cuota_5_diciembre", at(2026, 12, 1), at(2026, 12, 2)) in first
    assert ("saludo_fuera_de_horario", at(2026, 12, 1), at(2026, 12, 1, 9)) in first
    assert ("saludo_fuera_de_horario", at(2026, 12, 1, 21), at(2026, 12, 2)) in first
    assert "cuota_5_diciembre" not in {s.name for s in days[date(2026, 12, 10)].swaps}


def test_the_emergency_override_closes_every_line(schedules: Schedules) -> None:
    override = Override(
        "Cerrado por emergencia.", set_at=at(2026, 12, 1, 10), until=at(2026, 12, 2, 12)
    )
    found = calendar(schedules, NOW, override)
    assert found.override == override
    first, second, third = found.days[:3]
    assert first.lines[0].emergency and second.lines[0].emergency and not third.lines[0].emergency
    assert first.lines[0].opening_hours == ((at(2026, 12, 1, 9), at(2026, 12, 1, 10)),)
    assert second.lines[0].opening_hours == ((at(2026, 12, 2, 12), at(2026, 12, 2, 21)),)
    emergency = [p for p in first.lines[0].periods if p.reason == "emergency"]
    assert [(p.start, p.end, p.message) for p in emergency] == [
        (at(2026, 12, 1, 10), at(2026, 12, 2), "Cerrado por emergencia.")
    ]
    # the closed greeting follows the override
    assert ("saludo_fuera_de_horario", at(2026, 12, 1, 10)) in {
        (s.name, s.start) for s in first.swaps
    }


def test_an_override_that_ended_is_left_out(schedules: Schedules) -> None:
    ended = Override("Ya pasó.", set_at=at(2026, 11, 20, 10), until=at(2026, 11, 21))
    found = calendar(schedules, NOW, ended)
    assert found.override is None
    assert not any(line.emergency for day in found.days for line in day.lines)


def test_at_least_one_day(schedules: Schedules) -> None:
    with pytest.raises(ValueError, match="at least one day"):
        calendar(schedules, NOW, None, days=0)


def test_swaps_follow_their_conditions() -> None:
    only = Schedules(
        lines=(LineSchedule("central", MONDAYS),),
        messages=(MessageSwap("lunes", "announcement", "Hoy es lunes.", weekdays=(0,)),),
    )
    days = calendar(only, NOW, None, days=7).days
    assert [(d.day, [s.name for s in d.swaps]) for d in days if d.swaps] == [
        (date(2026, 12, 7), ["lunes"])
    ]
