"""A desk with agents asked for while closed offers a callback in its next opening, by key."""

from __future__ import annotations

from lxml import etree
from werkzeug.test import TestResponse

from ivr.core.desks import AgentState
from tests.desks.conftest import Desk, at, says
from tests.helpers import Caller, assert_valid_twiml

ANA = "+51911111111"
SUNDAY = at(2026, 11, 22, 11, 0)  # the central is closed all day
HELP_DESK = "/voice/menu/estudiantes?s=2&t=principal"  # key 1: Help Desk
OFFER = (
    "Podemos llamarle el lunes 23 de noviembre entre las 9 y las 10 de la mañana. "
    "Si lo desea, marque 1."
)


def press(caller: Caller, response: TestResponse, digits: str) -> TestResponse:
    gather = etree.fromstring(response.data).find("Gather")
    assert gather is not None, response.data
    answer = caller.post(str(gather.get("action")), Digits=digits)
    assert_valid_twiml(answer.data)
    return answer


def ask_help_desk(caller: Caller) -> TestResponse:
    asked = caller.post(HELP_DESK, Digits="1")
    assert_valid_twiml(asked.data)
    return asked


def test_a_closed_desk_offers_its_next_opening_and_places_the_callback_in_it(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.clock.set(SUNDAY)
    caller = desk.caller(1)
    offered = ask_help_desk(caller)
    assert says(offered.data)[-2:] == [
        "Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; vuelve a atender "
        "mañana a las 9 de la mañana.",
        OFFER,
    ]
    confirm = press(caller, offered, "1")
    assert says(confirm.data) == [
        "Le llamaremos al nueve nueve nueve, cero cero cero, cero cero uno. Si es correcto, "
        "marque 1. Para indicar otro número, marque 2."
    ]
    stored = press(caller, confirm, "1")
    assert says(stored.data)[:2] == [
        "Registramos su pedido.",
        "Le llamaremos el lunes 23 de noviembre entre las 9 y las 10 de la mañana, al nueve "
        "nueve nueve, cero cero cero, cero cero uno.",
    ]
    assert etree.fromstring(stored.data)[-1].tag == "Hangup"
    [callback] = desk.runtime.desks.all_placed()
    assert callback.window is not None and callback.window.start == at(2026, 11, 23, 9, 0)
    desk.tick()
    desk.clock.set(at(2026, 11, 23, 8, 59, 59))
    desk.tick()
    assert desk.api.calls == []  # not before its window
    desk.clock.set(at(2026, 11, 23, 9, 0, 1))
    desk.tick()
    [placed] = desk.api.wait_for(1)
    assert placed.to == ANA  # the agent first, then the student


def test_each_offered_window_has_its_capacity(desk: Desk) -> None:
    desk.add_agent("ana", ANA, available=False)
    desk.clock.set(SUNDAY)
    for n in (1, 2):  # queues.yaml: window_capacity 2
        caller = desk.caller(n)
        press(caller, press(caller, ask_help_desk(caller), "1"), "1")
    third = ask_help_desk(desk.caller(3))
    assert says(third.data)[-1] == (
        "Podemos llamarle el lunes 23 de noviembre entre las 10 y las 11 de la mañana. "
        "Si lo desea, marque 1."
    )


def test_another_number_is_keyed_and_read_back(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.clock.set(SUNDAY)
    caller = desk.caller(1, number="+12025550123")  # not a Peruvian number: asked for one
    asked = press(caller, ask_help_desk(caller), "1")
    assert says(asked.data)[0].startswith("Marque el número al que debemos llamarle")
    wrong = press(caller, asked, "12#")
    assert says(wrong.data)[0] == "Ese número no está completo o no es válido."
    confirm = press(caller, wrong, "987654321#")
    assert says(confirm.data)[0].startswith("Le llamaremos al nueve ocho siete, seis cinco")
    press(caller, confirm, "1")
    [callback] = desk.runtime.desks.all_placed()
    assert callback.number == "+51987654321"


def test_declining_goes_on_as_a_closed_desk_does(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.clock.set(SUNDAY)
    caller = desk.caller(1)
    declined = press(caller, ask_help_desk(caller), "9")
    assert etree.fromstring(declined.data).find("Gather") is not None  # the after-hours menu
    assert desk.runtime.desks.all_placed() == []


def test_a_desk_without_agents_offers_nothing(desk: Desk) -> None:
    desk.clock.set(SUNDAY)
    heard = " ".join(says(ask_help_desk(desk.caller(1)).data))
    assert "Podemos llamarle" not in heard
    assert desk.runtime.desks.all_placed() == []


def test_away_agents_still_call_back_in_the_opening(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.runtime.desks.set_state("ana", AgentState.AWAY, desk.clock())
    desk.clock.set(SUNDAY)
    assert says(ask_help_desk(desk.caller(1)).data)[-1] == OFFER
