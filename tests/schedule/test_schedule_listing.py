"""windows(), render_schedule(), describe_hours(): what operators and callers are told."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from ivr.clock import LIMA
from ivr.core.schedule import (
    Closure,
    HolidayPolicy,
    Interval,
    LineSchedule,
    MessageSwap,
    Override,
    Schedules,
    WeeklyHours,
    Window,
    default_schedules,
    describe_hours,
    describe_override,
    render_schedule,
    spoken_time,
    windows,
)

FERIADO = "Hoy es feriado nacional."


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


def test_windows_across_two_holidays() -> None:
    central = replace(default_schedules().line("central"), holidays=HolidayPolicy(message=FERIADO))
    schedules = Schedules(lines=(central,))
    assert windows(schedules, at(2026, 7, 27), 4) == (
        Window(at(2026, 7, 27), at(2026, 7, 27, 9), False, "after_hours"),
        Window(at(2026, 7, 27, 9), at(2026, 7, 27, 21), True, "weekly"),
        Window(at(2026, 7, 27, 21), at(2026, 7, 28), False, "after_hours"),
        Window(
            at(2026, 7, 28), at(2026, 7, 29), False, "holiday", "Día de la Independencia", FERIADO
        ),
        Window(
            at(2026, 7, 29),
            at(2026, 7, 30),
            False,
            "holiday",
            "Día de la Gran Parada Militar",
            FERIADO,
        ),
        Window(at(2026, 7, 30), at(2026, 7, 30, 9), False, "after_hours"),
        Window(at(2026, 7, 30, 9), at(2026, 7, 30, 21), True, "weekly"),
        Window(at(2026, 7, 30, 21), at(2026, 7, 31), False, "after_hours"),
    )


def test_windows_are_clipped_to_the_range_and_merged_across_midnight() -> None:
    assert windows(default_schedules(), at(2026, 3, 7, 10, 30), 2) == (
        Window(at(2026, 3, 7, 10, 30), at(2026, 3, 7, 14), True, "weekly"),
        # Saturday 14:00 to Monday 09:00 is one closed window, across two midnights.
        Window(at(2026, 3, 7, 14), at(2026, 3, 9, 9), False, "after_hours"),
        Window(at(2026, 3, 9, 9), at(2026, 3, 9, 10, 30), True, "weekly"),
    )


def test_windows_show_the_override() -> None:
    override = Override("Corte de luz.", set_at=at(2026, 3, 4, 10), until=at(2026, 3, 4, 12))
    assert windows(default_schedules(), at(2026, 3, 4, 9), 1, override=override) == (
        Window(at(2026, 3, 4, 9), at(2026, 3, 4, 10), True, "weekly"),
        Window(at(2026, 3, 4, 10), at(2026, 3, 4, 12), False, "emergency", None, "Corte de luz."),
        Window(at(2026, 3, 4, 12), at(2026, 3, 4, 21), True, "weekly"),
        Window(at(2026, 3, 4, 21), at(2026, 3, 5, 9), False, "after_hours"),
    )


# -- render_schedule ------------------------------------------------------------------------

LISTED = Schedules(
    lines=(
        replace(
            default_schedules().line("central"),
            holidays=HolidayPolicy(message=FERIADO),
            closures=(Closure(date(2026, 11, 2), "Día no laborable", "Hoy no atendemos."),),
        ),
    ),
    messages=(
        MessageSwap("fuera_de_horario", "greeting", "La central está cerrada.", when="closed"),
        MessageSwap(
            "cuota_4",
            "announcement",
            "La cuota 4 vence el 3 de noviembre; págala a tiempo para evitar el cargo por "
            "gastos administrativos.",
            starts=at(2026, 11, 3, 8),
            ends=at(2026, 11, 4),
        ),
    ),
)

EXPECTED_LISTING = """\
Line 'central' from Sun 2026-11-01 00:00 to Wed 2026-11-04 00:00 (America/Lima)
Weekly hours: {central_hours}
Emergency override: every line closed from Tue 2026-11-03 10:32:17 until Tue 2026-11-03 15:00.

Sun 2026-11-01 00:00 -> Mon 2026-11-02 00:00     closed  holiday: Todos Los Santos
                                                 "Hoy es feriado nacional."
Mon 2026-11-02 00:00 -> Tue 2026-11-03 00:00     closed  closure: Día no laborable
                                                 "Hoy no atendemos."
Tue 2026-11-03 00:00 -> Tue 2026-11-03 09:00     closed  after hours
Tue 2026-11-03 09:00 -> Tue 2026-11-03 10:32:17  OPEN    weekly hours
Tue 2026-11-03 10:32:17 -> Tue 2026-11-03 15:00  closed  EMERGENCY OVERRIDE
                                                 "Corte de luz."
Tue 2026-11-03 15:00 -> Tue 2026-11-03 21:00     OPEN    weekly hours
Tue 2026-11-03 21:00 -> Wed 2026-11-04 00:00     closed  after hours

Message swaps (when each message is active):
Sun 2026-11-01 00:00 -> Tue 2026-11-03 09:00     greeting      fuera_de_horario
Tue 2026-11-03 08:00 -> Wed 2026-11-04 00:00     announcement  cuota_4
Tue 2026-11-03 10:32:17 -> Tue 2026-11-03 15:00  greeting      fuera_de_horario
Tue 2026-11-03 21:00 -> Wed 2026-11-04 00:00     greeting      fuera_de_horario

fuera_de_horario: "La central está cerrada."
cuota_4: "La cuota 4 vence el 3 de noviembre; págala a tiempo para evitar el ca..."
""".format(
    central_hours="de lunes a viernes de 9 de la mañana a 9 de la noche, "
    "y los sábados de 9 de la mañana a 2 de la tarde"
)


def test_render_schedule() -> None:
    override = Override(
        "Corte de luz.", set_at=at(2026, 11, 3, 10, 32, 17), until=at(2026, 11, 3, 15)
    )
    assert render_schedule(LISTED, at(2026, 11, 1), 3, override=override) == EXPECTED_LISTING


def test_render_schedule_without_swaps() -> None:
    assert render_schedule(default_schedules(), at(2026, 3, 8), 1) == (
        "Line 'central' from Sun 2026-03-08 00:00 to Mon 2026-03-09 00:00 (America/Lima)\n"
        "Weekly hours: de lunes a viernes de 9 de la mañana a 9 de la noche, y los sábados "
        "de 9 de la mañana a 2 de la tarde\n"
        "\n"
        "Sun 2026-03-08 00:00 -> Mon 2026-03-09 00:00  closed  after hours\n"
        "\n"
        "Message swaps: none active in this period.\n"
    )


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        pytest.param(None, "No emergency override.", id="none"),
        pytest.param(
            Override("Simulacro.", set_at=at(2026, 3, 4, 10), until=at(2026, 3, 4, 12)),
            "Emergency override ACTIVE: every line closed from Wed 2026-03-04 10:00 until "
            "Wed 2026-03-04 12:00.\nMessage: Simulacro.",
            id="active-until",
        ),
        pytest.param(
            Override("Simulacro.", set_at=at(2026, 3, 4, 10)),
            "Emergency override ACTIVE: every line closed from Wed 2026-03-04 10:00 until "
            "cleared.\nMessage: Simulacro.",
            id="active-until-cleared",
        ),
        pytest.param(
            Override("Simulacro.", set_at=at(2026, 3, 4, 9), until=at(2026, 3, 4, 11)),
            "No emergency override (the last one ended Wed 2026-03-04 11:00).",
            id="expired",
        ),
        pytest.param(
            Override("Simulacro.", set_at=at(2026, 3, 4, 12), until=at(2026, 3, 4, 13)),
            "Emergency override SCHEDULED: every line closed from Wed 2026-03-04 12:00 until "
            "Wed 2026-03-04 13:00.\nMessage: Simulacro.",
            id="not-yet",
        ),
    ],
)
def test_describe_override(override: Override | None, expected: str) -> None:
    assert describe_override(override, at(2026, 3, 4, 11)) == expected


# -- describe_hours ---------------------------------------------------------------------------


def line_with(days: tuple[tuple[Interval, ...], ...]) -> Schedules:
    return Schedules(lines=(LineSchedule("central", WeeklyHours(days)),))


NINE_TO_ONE = Interval(time(9), time(13))
LUNCH = (NINE_TO_ONE, Interval(time(14), time(18)))
NONE: tuple[Interval, ...] = ()


@pytest.mark.parametrize(
    ("schedules", "expected"),
    [
        pytest.param(
            default_schedules(),
            "de lunes a viernes de 9 de la mañana a 9 de la noche, "
            "y los sábados de 9 de la mañana a 2 de la tarde",
            id="central",
        ),
        pytest.param(
            line_with((LUNCH,) * 5 + (NONE, NONE)),
            "de lunes a viernes de 9 de la mañana a 1 de la tarde "
            "y de 2 de la tarde a 6 de la tarde",
            id="lunch-break",
        ),
        pytest.param(
            line_with(((Interval(time(8), time(20)),),) * 7),
            "todos los días de 8 de la mañana a 8 de la noche",
            id="every-day",
        ),
        pytest.param(
            line_with(
                ((Interval(time(9, 30), time(12)),), NONE) * 2
                + ((Interval(time(9, 30), time(12)),), NONE, NONE)
            ),
            "los lunes, miércoles y viernes de 9 y media de la mañana a mediodía",
            id="alternate-days",
        ),
        pytest.param(
            line_with((NONE,) * 5 + ((Interval(time(10), time(23, 59, 59)),),) * 2),
            "los sábados y domingos de 10 de la mañana a medianoche",
            id="weekend-until-midnight",
        ),
        pytest.param(
            line_with(
                ((NINE_TO_ONE,),) * 3 + (((Interval(time(15), time(19, 15)),),) * 2) + (NONE, NONE)
            ),
            "de lunes a miércoles de 9 de la mañana a 1 de la tarde, "
            "y los jueves y viernes de 3 de la tarde a 7 y cuarto de la noche",
            id="two-runs",
        ),
        pytest.param(line_with((NONE,) * 7), "no tiene horario de atención", id="never-open"),
    ],
)
def test_describe_hours(schedules: Schedules, expected: str) -> None:
    assert describe_hours(schedules) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(time(0), "medianoche", id="00:00"),
        pytest.param(time(1), "1 de la mañana", id="01:00"),
        pytest.param(time(8, 45), "8 y 45 de la mañana", id="08:45"),
        pytest.param(time(12), "mediodía", id="12:00"),
        pytest.param(time(12, 30), "12 y media de la tarde", id="12:30"),
        pytest.param(time(18, 59), "6 y 59 de la tarde", id="18:59"),
        pytest.param(time(19), "7 de la noche", id="19:00"),
        pytest.param(time(21), "9 de la noche", id="21:00"),
    ],
)
def test_spoken_time(moment: time, expected: str) -> None:
    assert spoken_time(moment) == expected


def test_shipped_central_is_the_documented_default(shipped: Schedules) -> None:
    assert shipped.line("central").weekly == default_schedules().line("central").weekly
    assert describe_hours(shipped) == describe_hours(default_schedules())
