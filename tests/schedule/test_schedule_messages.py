"""active_messages() and boundaries(): swaps right to the second, in a defined order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time

import pytest

from ivr.clock import LIMA
from ivr.core.schedule import (
    ActiveMessages,
    Interval,
    MessageSwap,
    MessageWindow,
    Override,
    active_messages,
    boundaries,
    default_schedules,
    message_windows,
)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


CUOTA = MessageSwap(
    "cuota_5",
    "announcement",
    "La cuota 5 vence el 5 de diciembre.",
    starts=at(2026, 12, 1),
    ends=at(2026, 12, 6),
)
FUERA = MessageSwap("fuera_de_horario", "greeting", "La central está cerrada.", when="closed")
MANANA = MessageSwap(
    "manana",
    "announcement",
    "Matrícula abierta.",
    weekdays=(0, 1, 2, 3, 4),
    times=Interval(time(8), time(12)),
)
CERRADO = MessageSwap("cerrado", "after_hours", "Escríbenos al WhatsApp.", when="closed")
SCHEDULES = replace(default_schedules(), messages=(CUOTA, FUERA, MANANA, CERRADO))


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(
            at(2026, 11, 30, 23, 59, 59),
            ActiveMessages(
                greeting=(FUERA.text,),
                after_hours=(CERRADO.text,),
                names=("fuera_de_horario", "cerrado"),
            ),
            id="mon-23:59:59-before-the-window",
        ),
        pytest.param(
            at(2026, 12, 1, 0, 0, 0),
            ActiveMessages(
                greeting=(FUERA.text,),
                announcement=(CUOTA.text,),
                after_hours=(CERRADO.text,),
                names=("cuota_5", "fuera_de_horario", "cerrado"),
            ),
            id="tue-00:00:00-window-opens",
        ),
        pytest.param(
            at(2026, 12, 2, 11, 59, 59),
            ActiveMessages(
                announcement=(CUOTA.text, MANANA.text),
                names=("cuota_5", "manana"),
            ),
            id="wed-11:59:59-two-announcements-in-file-order",
        ),
        pytest.param(
            at(2026, 12, 2, 12, 0, 0),
            ActiveMessages(announcement=(CUOTA.text,), names=("cuota_5",)),
            id="wed-12:00:00-morning-one-ends",
        ),
        pytest.param(
            at(2026, 12, 2, 20, 59, 59),
            ActiveMessages(announcement=(CUOTA.text,), names=("cuota_5",)),
            id="wed-20:59:59-open-no-after-hours-greeting",
        ),
        pytest.param(
            at(2026, 12, 2, 21, 0, 0),
            ActiveMessages(
                greeting=(FUERA.text,),
                announcement=(CUOTA.text,),
                after_hours=(CERRADO.text,),
                names=("cuota_5", "fuera_de_horario", "cerrado"),
            ),
            id="wed-21:00:00-closed-after-hours-greeting",
        ),
        pytest.param(
            at(2026, 12, 5, 23, 59, 59),
            ActiveMessages(
                greeting=(FUERA.text,),
                announcement=(CUOTA.text,),
                after_hours=(CERRADO.text,),
                names=("cuota_5", "fuera_de_horario", "cerrado"),
            ),
            id="sat-23:59:59-last-second-of-the-window",
        ),
        pytest.param(
            at(2026, 12, 6, 0, 0, 0),
            ActiveMessages(
                greeting=(FUERA.text,),
                after_hours=(CERRADO.text,),
                names=("fuera_de_horario", "cerrado"),
            ),
            id="sun-00:00:00-window-closed",
        ),
        pytest.param(
            at(2026, 12, 7, 7, 59, 59),
            ActiveMessages(
                greeting=(FUERA.text,),
                after_hours=(CERRADO.text,),
                names=("fuera_de_horario", "cerrado"),
            ),
            id="mon-07:59:59-before-daily-times",
        ),
    ],
)
def test_active_messages_to_the_second(moment: datetime, expected: ActiveMessages) -> None:
    assert active_messages(SCHEDULES, moment) == expected


def test_priority_is_the_order_of_the_file() -> None:
    reordered = replace(SCHEDULES, messages=(MANANA, CUOTA))
    active = active_messages(reordered, at(2026, 12, 2, 10))
    assert active.texts("announcement") == (MANANA.text, CUOTA.text)
    assert active.first("announcement") == MANANA.text
    assert active.first("greeting") is None


def test_emergency_makes_when_closed_messages_active() -> None:
    override = Override("Emergencia.", set_at=at(2026, 12, 2, 9))
    active = active_messages(SCHEDULES, at(2026, 12, 2, 10), override=override)
    assert active.first("greeting") == FUERA.text
    assert active.first("after_hours") == CERRADO.text


def test_when_open_on_a_named_line() -> None:
    abierto = MessageSwap("abierto", "announcement", "Te atendemos.", when="open", line="central")
    schedules = replace(SCHEDULES, messages=(abierto,))
    assert active_messages(schedules, at(2026, 12, 2, 10)).announcement == ("Te atendemos.",)
    assert active_messages(schedules, at(2026, 12, 2, 22)).announcement == ()


def test_any_timezone_is_read_as_lima() -> None:
    # 02:00Z on 1 December is still 30 November 21:00 in Lima: before the window opens.
    active = active_messages(SCHEDULES, datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    assert active.names == ("fuera_de_horario", "cerrado")


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        active_messages(SCHEDULES, datetime(2026, 12, 1))  # noqa: DTZ001 - the point of the test


# -- boundaries ------------------------------------------------------------------------------


def test_boundaries_list_every_change_in_the_range() -> None:
    assert boundaries(SCHEDULES, at(2026, 12, 4), at(2026, 12, 7)) == (
        at(2026, 12, 4, 8),  # manana starts
        at(2026, 12, 4, 9),  # open; fuera_de_horario and cerrado end
        at(2026, 12, 4, 12),  # manana ends
        at(2026, 12, 4, 21),  # closed
        at(2026, 12, 5, 9),  # Saturday opens
        at(2026, 12, 5, 14),  # Saturday closes
        at(2026, 12, 6),  # cuota_5 ends at midnight
    )


def test_boundaries_include_start_only_when_something_changes_there() -> None:
    assert boundaries(SCHEDULES, at(2026, 12, 4, 9), at(2026, 12, 4, 12)) == (at(2026, 12, 4, 9),)
    assert boundaries(SCHEDULES, at(2026, 12, 4, 9, 0, 1), at(2026, 12, 4, 12)) == ()


def test_boundaries_end_is_exclusive() -> None:
    assert boundaries(SCHEDULES, at(2026, 12, 4, 10), at(2026, 12, 4, 21)) == (at(2026, 12, 4, 12),)


def test_boundaries_follow_the_override_to_the_second() -> None:
    override = Override("Corte.", set_at=at(2026, 3, 4, 10, 32, 17), until=at(2026, 3, 4, 15))
    schedules = default_schedules()
    assert boundaries(schedules, at(2026, 3, 4), at(2026, 3, 5), override=override) == (
        at(2026, 3, 4, 9),
        at(2026, 3, 4, 10, 32, 17),
        at(2026, 3, 4, 15),
        at(2026, 3, 4, 21),
    )


def test_boundaries_see_a_change_of_reason_while_closed() -> None:
    # Monday 27 July closes at 21:00 (after hours); at midnight the holiday begins: still
    # closed, but what callers hear changes.
    assert boundaries(default_schedules(), at(2026, 7, 27, 20), at(2026, 7, 28, 1)) == (
        at(2026, 7, 27, 21),
        at(2026, 7, 28),
    )


def test_message_windows() -> None:
    assert message_windows(SCHEDULES, at(2026, 12, 4), 3) == (
        MessageWindow("cuota_5", "announcement", at(2026, 12, 4), at(2026, 12, 6), CUOTA.text),
        MessageWindow(
            "fuera_de_horario", "greeting", at(2026, 12, 4), at(2026, 12, 4, 9), FUERA.text
        ),
        MessageWindow("cerrado", "after_hours", at(2026, 12, 4), at(2026, 12, 4, 9), CERRADO.text),
        MessageWindow(
            "manana", "announcement", at(2026, 12, 4, 8), at(2026, 12, 4, 12), MANANA.text
        ),
        MessageWindow(
            "fuera_de_horario", "greeting", at(2026, 12, 4, 21), at(2026, 12, 5, 9), FUERA.text
        ),
        MessageWindow(
            "cerrado", "after_hours", at(2026, 12, 4, 21), at(2026, 12, 5, 9), CERRADO.text
        ),
        MessageWindow(
            "fuera_de_horario", "greeting", at(2026, 12, 5, 14), at(2026, 12, 7), FUERA.text
        ),
        MessageWindow("cerrado", "after_hours", at(2026, 12, 5, 14), at(2026, 12, 7), CERRADO.text),
    )
