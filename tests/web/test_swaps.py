"""Message swaps are right at every instant, in every process, whenever it started."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from lxml import etree

from ivr.clock import LIMA
from tests.helpers import Caller, Clock

ANNOUNCEMENT_START = datetime(2026, 12, 1, 0, 0, tzinfo=LIMA)  # schedules/messages.yaml


def greeting(app: Flask) -> list[str]:
    with app.test_client() as client:
        data = Caller(client).post("/voice").data
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


@pytest.mark.parametrize(
    ("moment", "announced"),
    [
        (ANNOUNCEMENT_START - timedelta(seconds=1), False),
        (ANNOUNCEMENT_START, True),
        (datetime(2026, 12, 5, 23, 59, 59, tzinfo=LIMA), True),
        (datetime(2026, 12, 6, 0, 0, tzinfo=LIMA), False),
    ],
    ids=["second-before", "first-second", "last-second", "after"],
)
def test_announcement_window_to_the_second(
    app: Flask, clock: Clock, moment: datetime, announced: bool
) -> None:
    clock.set(moment)
    assert any("cuota 5" in text for text in greeting(app)) is announced


def test_two_instances_agree_and_one_started_mid_window(make_app: object, clock: Clock) -> None:
    clock.set(datetime(2026, 12, 3, 12, 0, tzinfo=LIMA))  # mid-window, central open
    early: Flask = make_app()  # type: ignore[operator]
    clock.set(ANNOUNCEMENT_START + timedelta(days=2, hours=20, minutes=59, seconds=59))
    late: Flask = make_app()  # type: ignore[operator]  started mid-window, seconds before 21:00
    assert greeting(early) == greeting(late)
    clock.set(clock() + timedelta(seconds=1))  # 21:00:00: the after-hours greeting swaps in
    after = greeting(early)
    assert after == greeting(late)
    assert after[:2] == [
        "Gracias por llamar a la universidad.",
        "La central está cerrada hasta mañana a las 9 de la mañana.",
    ]
    # the announcement follows the main menu's options: the first option comes first
    assert after[2].startswith(
        "Para información y canales de atención, marque 1. Para "
        "estudiantes, marque 2. Recuerde: la cuota 5 vence"
    )
