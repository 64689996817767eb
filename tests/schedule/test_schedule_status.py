"""status(): open or closed at the nasty instants, in evaluation order, whatever the server TZ."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import pytest
from freezegun import freeze_time

from ivr import clock
from ivr.clock import LIMA
from ivr.core.schedule import (
    Closure,
    HolidayPolicy,
    Interval,
    LineSchedule,
    LineStatus,
    Override,
    Schedules,
    SpecialHours,
    WeeklyHours,
    default_schedules,
    status,
    status_holding,
)

CENTRAL = default_schedules()
NOCHEBUENA = "Hoy 24 de diciembre atendemos de 9 de la mañana a 1 de la tarde."
FERIADO = "Hoy es feriado nacional."


def with_central(**changes: Any) -> Schedules:
    """Return the default schedules with the central line's fields replaced."""
    return Schedules(lines=(replace(CENTRAL.line("central"), **changes),))


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        pytest.param(at(2026, 3, 4, 8, 59, 59), False, id="wed-08:59:59-closed"),
        pytest.param(at(2026, 3, 4, 9, 0, 0), True, id="wed-09:00:00-open"),
        pytest.param(at(2026, 3, 4, 20, 59, 59), True, id="wed-20:59:59-open"),
        pytest.param(at(2026, 3, 4, 21, 0, 0), False, id="wed-21:00:00-closed"),
        pytest.param(at(2026, 3, 7, 12, 0, 0), True, id="sat-noon-open"),
        pytest.param(at(2026, 3, 7, 13, 59, 59), True, id="sat-13:59:59-open"),
        pytest.param(at(2026, 3, 7, 14, 0, 0), False, id="sat-14:00:00-closed"),
        pytest.param(at(2026, 3, 8, 11, 0, 0), False, id="sunday-11:00-closed"),
        pytest.param(at(2026, 3, 8, 0, 0, 0), False, id="sunday-midnight-closed"),
    ],
)
def test_weekly_hours_open_inclusive_close_exclusive(moment: datetime, is_open: bool) -> None:
    result = status(CENTRAL, moment)
    assert result.open is is_open
    assert result.reason == ("weekly" if is_open else "after_hours")


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # 02:00Z on Tuesday 3 March is still Monday 21:00 in Lima: just closed.
        pytest.param(
            datetime(2026, 3, 3, 2, 0, 0, tzinfo=UTC), False, id="utc-tue-02:00-lima-mon-21:00"
        ),
        pytest.param(
            datetime(2026, 3, 3, 1, 59, 59, tzinfo=UTC),
            True,
            id="utc-tue-01:59:59-lima-mon-20:59:59",
        ),
        # Monday 01:00Z is Sunday 20:00 in Lima: closed all day.
        pytest.param(
            datetime(2026, 3, 9, 1, 0, 0, tzinfo=UTC), False, id="utc-mon-01:00-lima-sunday"
        ),
        # Sunday 00:30Z is Saturday 19:30 in Lima: closed since 14:00.
        pytest.param(
            datetime(2026, 3, 8, 0, 30, tzinfo=UTC), False, id="utc-sun-00:30-lima-sat-19:30"
        ),
        pytest.param(
            datetime(2026, 3, 4, 17, 0, tzinfo=timezone(timedelta(hours=9))),
            False,
            id="tokyo-17:00-lima-03:00",
        ),
    ],
)
def test_any_timezone_is_read_as_lima(moment: datetime, expected: bool) -> None:
    assert status(CENTRAL, moment).open is expected


@freeze_time("2026-03-03 02:00:00")  # a server whose clock runs in UTC
def test_server_clock_in_utc_through_the_clock_seam() -> None:
    now = clock.now()
    assert (now.date(), now.hour) == (date(2026, 3, 2), 21)
    assert status(CENTRAL, now) == LineStatus(
        open=False, reason="after_hours", next_change=at(2026, 3, 3, 9)
    )


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        status(CENTRAL, datetime(2026, 3, 4, 10))  # noqa: DTZ001 - the point of the test


def test_unknown_line_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match="unknown line 'admisiones'; known lines: central"):
        status(CENTRAL, at(2026, 3, 4, 10), line="admisiones")


# -- evaluation order: emergency, closure or holiday, special hours, weekly -------------------

CHRISTMAS_EVE = SpecialHours(
    date(2026, 12, 24), (Interval(time(9), time(13)),), "Nochebuena", NOCHEBUENA
)
CLOSURE = Closure(date(2026, 11, 2), "Día no laborable", "Hoy no atendemos.")
EMERGENCY = Override("Corte de luz en el campus.", set_at=at(2026, 12, 24, 8), until=None)


@pytest.mark.parametrize(
    ("schedules", "moment", "override", "expected"),
    [
        pytest.param(
            with_central(special_hours=(CHRISTMAS_EVE,)),
            at(2026, 12, 24, 10),
            EMERGENCY,
            LineStatus(False, "emergency", "Corte de luz en el campus.", None, None),
            id="emergency-beats-special-hours",
        ),
        pytest.param(
            with_central(closures=(CLOSURE,)),
            at(2026, 11, 2, 10),
            None,
            LineStatus(
                False, "closure", "Hoy no atendemos.", "Día no laborable", at(2026, 11, 3, 9)
            ),
            id="closure-beats-weekly",
        ),
        pytest.param(
            with_central(closures=(Closure(date(2026, 12, 24)),), special_hours=(CHRISTMAS_EVE,)),
            at(2026, 12, 24, 10),
            None,
            LineStatus(False, "closure", None, None, at(2026, 12, 26, 9)),
            id="closure-beats-special-hours",
        ),
        pytest.param(
            with_central(holidays=HolidayPolicy(message=FERIADO)),
            at(2026, 7, 28, 10),
            None,
            # 28 and 29 July are both holidays: the next opening is Thursday 30 at 09:00.
            LineStatus(False, "holiday", FERIADO, "Día de la Independencia", at(2026, 7, 30, 9)),
            id="holiday-on-a-weekday-28-july",
        ),
        pytest.param(
            CENTRAL,
            at(2027, 5, 1, 10),
            None,
            LineStatus(False, "holiday", None, "Día del Trabajo", at(2027, 5, 3, 9)),
            id="holiday-on-a-saturday",
        ),
        pytest.param(
            with_central(holidays=HolidayPolicy(closed=False)),
            at(2026, 7, 28, 10),
            None,
            LineStatus(True, "weekly", None, None, at(2026, 7, 28, 21)),
            id="holidays-switched-off-open",
        ),
        pytest.param(
            with_central(holidays=HolidayPolicy(keep_open=(date(2026, 7, 28),))),
            at(2026, 7, 28, 10),
            None,
            # Kept open on the 28th, but the 29th is still a closed holiday.
            LineStatus(True, "weekly", None, None, at(2026, 7, 28, 21)),
            id="one-holiday-kept-open",
        ),
        pytest.param(
            with_central(special_hours=(replace(CHRISTMAS_EVE, day=date(2026, 7, 28)),)),
            at(2026, 7, 28, 10),
            None,
            LineStatus(False, "holiday", None, "Día de la Independencia", at(2026, 7, 30, 9)),
            id="holiday-beats-special-hours",
        ),
        pytest.param(
            with_central(special_hours=(CHRISTMAS_EVE,)),
            at(2026, 12, 24, 12, 59, 59),
            None,
            LineStatus(True, "special_hours", NOCHEBUENA, "Nochebuena", at(2026, 12, 24, 13)),
            id="special-hours-24-dec-12:59:59-open",
        ),
        pytest.param(
            with_central(special_hours=(CHRISTMAS_EVE,)),
            at(2026, 12, 24, 13),
            None,
            # 25 December is a holiday and 26 a Saturday: the next opening is 26 at 09:00.
            LineStatus(False, "special_hours", NOCHEBUENA, "Nochebuena", at(2026, 12, 26, 9)),
            id="special-hours-24-dec-13:00-closed",
        ),
        pytest.param(
            with_central(special_hours=(CHRISTMAS_EVE,)),
            at(2026, 12, 24, 8, 59, 59),
            None,
            LineStatus(False, "special_hours", NOCHEBUENA, "Nochebuena", at(2026, 12, 24, 9)),
            id="special-hours-24-dec-08:59:59-closed",
        ),
        pytest.param(
            with_central(
                holidays=HolidayPolicy(keep_open=(date(2026, 7, 28),)),
                special_hours=(replace(CHRISTMAS_EVE, day=date(2026, 7, 28)),),
            ),
            at(2026, 7, 28, 14),
            None,
            LineStatus(False, "special_hours", NOCHEBUENA, "Nochebuena", at(2026, 7, 30, 9)),
            id="holiday-kept-open-then-special-hours",
        ),
    ],
)
def test_evaluation_order(
    schedules: Schedules, moment: datetime, override: Override | None, expected: LineStatus
) -> None:
    assert status(schedules, moment, override=override) == expected


# -- the emergency override -------------------------------------------------------------------

SET_THEN_EXPIRE = Override(
    "Simulacro de sismo.", set_at=at(2026, 3, 4, 10), until=at(2026, 3, 4, 12)
)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(
            at(2026, 3, 4, 9, 59, 59),
            LineStatus(True, "weekly", None, None, at(2026, 3, 4, 10)),
            id="before-it-is-set",
        ),
        pytest.param(
            at(2026, 3, 4, 10),
            LineStatus(False, "emergency", "Simulacro de sismo.", None, at(2026, 3, 4, 12)),
            id="set",
        ),
        pytest.param(
            at(2026, 3, 4, 11, 59, 59),
            LineStatus(False, "emergency", "Simulacro de sismo.", None, at(2026, 3, 4, 12)),
            id="last-second",
        ),
        pytest.param(
            at(2026, 3, 4, 12),
            LineStatus(True, "weekly", None, None, at(2026, 3, 4, 21)),
            id="expired",
        ),
    ],
)
def test_override_set_then_expired(moment: datetime, expected: LineStatus) -> None:
    assert status(CENTRAL, moment, override=SET_THEN_EXPIRE) == expected


def test_override_expiring_after_hours_keeps_the_line_closed() -> None:
    evening = Override("Corte de luz.", set_at=at(2026, 3, 4, 18), until=at(2026, 3, 4, 22))
    assert status(CENTRAL, at(2026, 3, 4, 19), override=evening) == LineStatus(
        False, "emergency", "Corte de luz.", None, at(2026, 3, 5, 9)
    )


def test_override_until_cleared_has_no_next_change() -> None:
    forever = Override("Cerrado por emergencia.", set_at=at(2026, 3, 4, 10))
    assert status(CENTRAL, at(2026, 3, 20, 10), override=forever).next_change is None


@pytest.mark.parametrize(
    ("moment", "next_change"),
    [
        pytest.param(at(2026, 3, 4, 10), at(2026, 3, 4, 21), id="wed-open-closes-21:00"),
        pytest.param(at(2026, 3, 4, 22), at(2026, 3, 5, 9), id="wed-night-opens-thu-09:00"),
        pytest.param(at(2026, 3, 7, 15), at(2026, 3, 9, 9), id="sat-afternoon-opens-mon"),
        pytest.param(at(2026, 3, 6, 21), at(2026, 3, 7, 9), id="fri-21:00-opens-sat"),
    ],
)
def test_next_change(moment: datetime, next_change: datetime) -> None:
    assert status(CENTRAL, moment).next_change == next_change


def test_next_change_is_none_beyond_fourteen_days() -> None:
    never = Schedules(lines=(LineSchedule("central", WeeklyHours(((),) * 7)),))
    assert status(never, at(2026, 3, 4, 10)) == LineStatus(False, "after_hours")


def test_adjacent_intervals_are_one_opening() -> None:
    split = (Interval(time(9), time(13)), Interval(time(13), time(18)))
    schedules = Schedules(lines=(LineSchedule("central", WeeklyHours((split,) * 7)),))
    assert status(schedules, at(2026, 3, 4, 10)).next_change == at(2026, 3, 4, 18)


def test_named_line() -> None:
    lunch = (Interval(time(9), time(13)), Interval(time(14), time(18)))
    admisiones = LineSchedule("admisiones", WeeklyHours((lunch,) * 5 + ((), ())))
    schedules = Schedules(lines=(*CENTRAL.lines, admisiones))
    assert status(schedules, at(2026, 3, 4, 13, 30), line="admisiones") == LineStatus(
        False, "after_hours", None, None, at(2026, 3, 4, 14)
    )
    assert status(schedules, at(2026, 3, 4, 13, 30)).open is True


# -- status_holding: how long an answer stays the same (the webhooks keep it that long) --------
def _holding_cases() -> list[Any]:
    closure = with_central(closures=(Closure(date(2026, 3, 5), "Aniversario"),))
    override = Override("Cerrado por emergencia.", at(2026, 3, 4, 10), at(2026, 3, 4, 12))
    return [
        pytest.param(CENTRAL, None, at(2026, 3, 4, 8, 0), at(2026, 3, 4, 9), id="before-opening"),
        pytest.param(CENTRAL, None, at(2026, 3, 4, 9, 0), at(2026, 3, 4, 21), id="at-opening"),
        pytest.param(CENTRAL, None, at(2026, 3, 7, 15, 0), at(2026, 3, 9, 9), id="weekend"),
        pytest.param(closure, None, at(2026, 3, 4, 22, 0), at(2026, 3, 5, 0), id="eve-of-closure"),
        pytest.param(closure, None, at(2026, 3, 5, 10, 0), at(2026, 3, 6, 0), id="closure-day"),
        pytest.param(CENTRAL, override, at(2026, 3, 4, 9, 30), at(2026, 3, 4, 10), id="override"),
        pytest.param(
            CENTRAL, override, at(2026, 3, 4, 11, 0), at(2026, 3, 4, 12), id="in-override"
        ),
    ]


@pytest.mark.parametrize(("schedules", "override", "moment", "until"), _holding_cases())
def test_status_holds_until_the_state_changes(
    schedules: Schedules, override: Override | None, moment: datetime, until: datetime
) -> None:
    found, holds = status_holding(schedules, moment, override=override)
    assert (found, holds) == (status(schedules, moment, override=override), until)
    step = (until - moment) / 7
    for i in range(7):  # the same answer at every instant up to it ...
        assert status(schedules, moment + step * i, override=override) == found
    assert status(schedules, until - timedelta(microseconds=1), override=override) == found
    assert status(schedules, until, override=override) != found  # ... and not at it


def test_status_without_a_change_in_the_horizon_holds_for_no_time() -> None:
    forever = Override("Cerrado hasta nuevo aviso.", at(2026, 3, 4, 10), None)
    found, holds = status_holding(CENTRAL, at(2026, 3, 4, 11), override=forever)
    assert found.next_change is None and holds is None
