"""What a closed central and a closed desk say: closed and until when, in one sentence each."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from ivr.clock import LIMA
from ivr.config.loader import load_config
from ivr.core.flow import NO_REOPENING, CallContext, closed_desk_notice, closed_notice, reopening
from ivr.core.menu import TransferNode
from ivr.core.schedule import evaluation
from ivr.core.schedule.model import Closure, Override
from tests.helpers import ROOT

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=LIMA)  # a Tuesday
SHIPPED = load_config(ROOT)


@pytest.mark.parametrize(
    ("opens", "said"),
    [
        pytest.param(
            datetime(2026, 12, 8, 14, 30, tzinfo=LIMA),
            "Volvemos a atender hoy a las 2 y media de la tarde.",
            id="today",
        ),
        pytest.param(
            datetime(2026, 12, 9, 9, 0, tzinfo=LIMA),
            "Volvemos a atender mañana a las 9 de la mañana.",
            id="tomorrow",
        ),
        pytest.param(
            datetime(2026, 12, 10, 9, 0, tzinfo=LIMA),
            "Volvemos a atender el jueves 10 de diciembre a las 9 de la mañana.",
            id="later",
        ),
        pytest.param(
            datetime(2026, 12, 10, 13, 0, tzinfo=LIMA),
            "Volvemos a atender el jueves 10 de diciembre a la 1 de la tarde.",
            id="one-o-clock",
        ),
        pytest.param(
            datetime(2026, 12, 8, 12, 0, tzinfo=LIMA),
            "Volvemos a atender hoy al mediodía.",
            id="noon",
        ),
        pytest.param(
            datetime(2027, 1, 2, 9, 0, tzinfo=LIMA),
            "Volvemos a atender el sábado 2 de enero de 2027 a las 9 de la mañana.",
            id="next-year",
        ),
        pytest.param(None, NO_REOPENING, id="override-with-no-end"),
    ],
)
def test_when_the_central_opens_again(opens: datetime | None, said: str) -> None:
    assert reopening(NOW, opens) == said


def context(
    now: datetime, override: Override | None = None, closures: tuple[Closure, ...] = ()
) -> CallContext:
    """Return the context of a call at ``now`` on the shipped files, with these closures."""
    central = replace(SHIPPED.schedules.line("central"), closures=closures)
    schedules = replace(SHIPPED.schedules, lines=(central,))
    return CallContext(
        tree=SHIPPED.menus,
        now=now,
        line=None,
        status=lambda line: evaluation.status(schedules, now, line=line, override=override),
        hours="",
        schedules=schedules,
    )


CLOSURE = Closure(date(2026, 11, 18), "Aniversario de la universidad", None)
EMERGENCY = Override(
    "Por una emergencia la central está cerrada.",
    datetime(2026, 11, 18, 9, tzinfo=LIMA),
    datetime(2026, 11, 18, 12, tzinfo=LIMA),
)


@pytest.mark.parametrize(
    ("ctx", "central", "desk"),
    [
        pytest.param(
            context(datetime(2026, 11, 18, 23, 0, tzinfo=LIMA)),
            ("La central está cerrada hasta mañana a las 9 de la mañana.",),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
            "atender mañana a las 9 de la mañana.",
            id="weekday-night",
        ),
        pytest.param(
            context(datetime(2026, 11, 21, 15, 0, tzinfo=LIMA)),
            ("La central está cerrada hasta el lunes 23 de noviembre a las 9 de la mañana.",),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
            "atender el lunes a las 9 de la mañana.",
            id="saturday-afternoon",
        ),
        pytest.param(
            context(datetime(2026, 11, 20, 22, 0, tzinfo=LIMA)),
            ("La central está cerrada hasta mañana a las 9 de la mañana.",),
            # the hours of the day it opens again: Saturday's
            "Help Desk atiende los sábados de 9 de la mañana a 2 de la tarde; vuelve a atender "
            "mañana a las 9 de la mañana.",
            id="friday-night",
        ),
        pytest.param(
            context(datetime(2026, 7, 28, 10, 0, tzinfo=LIMA)),
            (
                "La central está cerrada por feriado, Día de la Independencia, hasta el jueves "
                "30 de julio a las 9 de la mañana.",
            ),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
            "atender el jueves a las 9 de la mañana.",
            id="national-holiday",
        ),
        pytest.param(
            context(datetime(2026, 11, 18, 10, 0, tzinfo=LIMA), closures=(CLOSURE,)),
            (
                "La central está cerrada por Aniversario de la universidad hasta mañana a las 9 "
                "de la mañana.",
            ),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
            "atender mañana a las 9 de la mañana.",
            id="closure",
        ),
        pytest.param(
            context(datetime(2026, 11, 18, 10, 0, tzinfo=LIMA), EMERGENCY),
            ("Por una emergencia la central está cerrada.", "Volvemos a atender hoy al mediodía."),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a "
            "atender hoy al mediodía.",
            id="override",
        ),
        pytest.param(
            context(datetime(2026, 11, 18, 10, 0, tzinfo=LIMA), replace(EMERGENCY, until=None)),
            ("Por una emergencia la central está cerrada.", NO_REOPENING),
            "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; por ahora "
            "no podemos indicarle cuándo volverá a atender.",
            id="override-with-no-end",
        ),
    ],
)
def test_a_closed_central_and_a_closed_desk_say_when_they_open(
    ctx: CallContext, central: tuple[str, ...], desk: str
) -> None:
    assert closed_notice(ctx) == central
    help_desk = ctx.tree.node("help-desk")
    assert isinstance(help_desk, TransferNode)
    assert closed_desk_notice(ctx, help_desk) == desk


def test_a_closed_desk_is_named_by_its_spoken_name_never_its_title() -> None:
    ctx = context(datetime(2026, 11, 18, 23, 0, tzinfo=LIMA))
    person = ctx.tree.node("orientacion-general")
    assert isinstance(person, TransferNode)
    assert person.title == "Orientación general (cuando no se entiende la elección)"
    assert closed_desk_notice(ctx, person).startswith("Un asesor de orientación atiende de lunes")
