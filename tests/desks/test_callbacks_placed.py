"""Callbacks placed by the service in their caller's turn: agent first, then the student."""

from __future__ import annotations

import pytest
from lxml import etree
from werkzeug.test import TestResponse

from ivr.console.callspage import calls_page
from ivr.core.desks import AgentState
from tests.desks.conftest import ACTION, CENTRAL, WAIT, Desk, Placed, at, says, verbs
from tests.helpers import Caller, assert_valid_twiml

ANA = "+51911111111"


def press(caller: Caller, response: TestResponse, digits: str) -> TestResponse:
    gather = etree.fromstring(response.data).find("Gather")
    assert gather is not None, response.data
    return caller.post(str(gather.get("action")), Digits=digits)


def ask_callback(caller: Caller, queue_time: int, position: int = 1) -> TestResponse:
    """Wait, press 1 for a callback, confirm the own number, leave; return the action's answer."""
    waiting = caller.post(WAIT, QueuePosition=str(position), QueueTime=str(queue_time))
    left = press(caller, press(caller, waiting, "1"), "1")
    assert verbs(left.data) == ["Leave"], left.data
    return caller.post(ACTION, QueueResult="leave", QueueTime=str(queue_time + 20))


def take_callback(desk: Desk, placed: Placed, status: str) -> TestResponse:
    """The agent answers the ring of a callback, keys 1, and the student's phone gives
    ``status``; return the answer to the agent's key."""
    answer = desk.answer(placed)
    assert_valid_twiml(answer.data)
    dialled = press_agent(desk, placed, answer, "1")
    dial = etree.fromstring(dialled.data).find("Dial")
    assert dial is not None, dialled.data
    done = desk.post(
        str(dial.get("action")), CallSid=placed.sid, DialCallStatus=status, DialCallDuration="0"
    )
    assert says(done.data) == ["Gracias."]
    desk.status(placed, "completed")
    return dialled


def press_agent(desk: Desk, placed: Placed, response: TestResponse, digits: str) -> TestResponse:
    gather = etree.fromstring(response.data).find("Gather")
    assert gather is not None, response.data
    return desk.post(str(gather.get("action")), CallSid=placed.sid, Digits=digits)


def test_callbacks_keep_their_place_among_live_callers(desk: Desk) -> None:
    desk.add_agent("ana", ANA, available=False)
    first, second, third = desk.caller(1), desk.caller(2), desk.caller(3)
    first.post(WAIT, QueuePosition="1", QueueTime="300")  # entered at 9:55
    after = ask_callback(second, 200, position=2)  # entered at 9:56:40, then asked
    assert says(after.data)[0].startswith("Registramos su pedido. Le devolveremos la llamada")
    # Twilio says 2 (two callers in its queue): the callback ahead makes the third place
    waiting = third.post(WAIT, QueuePosition="2", QueueTime="100")
    assert "Usted es la tercera persona en espera." in says(waiting.data)[0]
    desk.runtime.desks.set_state("ana", AgentState.AVAILABLE, desk.clock())
    desk.tick()
    [to_first] = desk.api.wait_for(1)
    answer = desk.answer(to_first)
    desk.bridge(to_first, answer, first.call["CallSid"])
    desk.status(to_first, "completed")
    desk.tick(seconds=30)
    [to_callback] = desk.api.calls[1:]
    offered = desk.answer(to_callback)
    assert_valid_twiml(offered.data)
    assert says(offered.data)[0] == (
        "Una devolución de llamada para Help Desk, solicitada hace menos de un minuto, al número "
        "nueve nueve nueve, cero cero cero, cero cero dos. Marque 1 para llamar."
    )
    dialled = press_agent(desk, to_callback, offered, "1")
    assert_valid_twiml(dialled.data)
    dial = etree.fromstring(dialled.data).find("Dial")
    assert dial is not None and dial.get("callerId") == CENTRAL
    assert [n.text for n in dial.iter("Number")] == ["+51999000002"]
    again = press_agent(desk, to_callback, offered, "1")  # Twilio retried the key's webhook
    assert says(again.data) == ["Esta devolución de llamada ya fue marcada."]
    desk.post(str(dial.get("action")), CallSid=to_callback.sid, DialCallStatus="completed")
    desk.status(to_callback, "completed")
    [placed] = desk.runtime.desks.all_placed()
    assert (placed.status, placed.attempts, placed.agent) == ("reached", 1, "ana")
    desk.tick(seconds=30)
    [to_third] = desk.api.calls[2:]
    desk.answer(to_third)
    assert desk.runtime.desks.waiting(third.call["CallSid"]).agent == "ana"  # type: ignore[union-attr]


def test_an_agent_who_keys_nothing_leaves_the_callback_pending(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    ask_callback(desk.caller(1), 30)
    [placed] = desk.api.wait_for(1)
    answer = desk.answer(placed)
    silent = press_agent(desk, placed, answer, "")
    assert says(silent.data) == [
        "No marcó ninguna opción. La devolución de llamada queda pendiente."
    ]
    desk.status(placed, "completed")
    [callback] = desk.runtime.desks.all_placed()
    assert (callback.status, callback.attempts) == ("pending", 0)
    desk.tick(seconds=30)
    assert len(desk.api.calls) == 2  # rung again after the wrap-up


def test_retries_after_the_delay_then_unreached(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    ask_callback(desk.caller(1), 30)
    placed = desk.api.wait_for(1)[0]
    for attempt in (1, 2, 3):
        take_callback(desk, placed, "no-answer")
        [callback] = desk.runtime.desks.all_placed()
        assert callback.attempts == attempt
        desk.tick(seconds=30)  # the wrap-up ends; the retry is not due yet
        assert len(desk.api.calls) == attempt
        if attempt < 3:
            assert callback.status == "pending"
            desk.tick(seconds=570)  # queues.yaml: retry_after 10 minutes
            placed = desk.api.calls[attempt]
    assert callback.status == "unreached"
    desk.tick(minutes=30)
    assert len(desk.api.calls) == 3  # at most 3 attempts


def test_a_busy_student_then_reached(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    ask_callback(desk.caller(1), 30)
    take_callback(desk, desk.api.wait_for(1)[0], "busy")
    desk.tick(seconds=600)
    take_callback(desk, desk.api.wait_for(2)[1], "completed")
    [callback] = desk.runtime.desks.all_placed()
    assert (callback.status, callback.attempts) == ("reached", 2)


# -- a callback at a time the caller can count on ---------------------------------------------
@pytest.mark.parametrize(
    ("asked", "promised", "before", "within"),
    [
        pytest.param(
            at(2026, 11, 20, 20, 55),
            "Le llamaremos el sábado 21 de noviembre entre las 9 y las 10 de la mañana",
            at(2026, 11, 21, 8, 59),
            at(2026, 11, 21, 9, 0),
            id="friday-20:55",
        ),
        pytest.param(
            at(2026, 11, 21, 13, 58),
            "Le llamaremos el lunes 23 de noviembre entre las 9 y las 10 de la mañana",
            at(2026, 11, 23, 8, 59, 59),
            at(2026, 11, 23, 9, 0, 1),
            id="saturday-13:58",
        ),
        pytest.param(
            at(2026, 12, 7, 20, 57),
            # 8 December (Inmaculada Concepción) and 9 (Batalla de Ayacucho) are holidays
            "Le llamaremos el jueves 10 de diciembre entre las 9 y las 10 de la mañana",
            at(2026, 12, 9, 9, 30),
            at(2026, 12, 10, 9, 30),
            id="evening-before-two-holidays",
        ),
    ],
)
def test_a_callback_promised_for_the_next_window_and_placed_in_it(
    desk: Desk, asked: object, promised: str, before: object, within: object
) -> None:
    desk.add_agent("ana", ANA, available=False)
    desk.clock.set(asked)  # type: ignore[arg-type]
    caller = desk.caller(1)
    after = ask_callback(caller, 30)
    assert_valid_twiml(after.data)
    assert says(after.data)[:2] == [
        "Registramos su pedido.",
        f"{promised}, al nueve nueve nueve, cero cero cero, cero cero uno.",
    ]
    desk.runtime.desks.set_state("ana", AgentState.AVAILABLE, desk.clock())
    desk.tick()
    desk.clock.set(before)  # type: ignore[arg-type]
    desk.tick()
    assert desk.api.calls == []  # not before its window
    desk.clock.set(within)  # type: ignore[arg-type]
    desk.tick()
    [placed] = desk.api.wait_for(1)
    offered = desk.answer(placed)
    assert "Una devolución de llamada para Help Desk" in says(offered.data)[0]


def test_each_window_has_a_capacity_per_desk(desk: Desk) -> None:
    desk.clock.set(at(2026, 11, 20, 20, 55))
    desk.add_agent("ana", ANA, available=False)
    heard = [says(ask_callback(desk.caller(n), 30).data)[1] for n in (1, 2, 3)]
    # queues.yaml: window_capacity 2
    assert [line.split(",")[0] for line in heard] == [
        "Le llamaremos el sábado 21 de noviembre entre las 9 y las 10 de la mañana",
        "Le llamaremos el sábado 21 de noviembre entre las 9 y las 10 de la mañana",
        "Le llamaremos el sábado 21 de noviembre entre las 10 y las 11 de la mañana",
    ]


def test_the_line_closing_offers_a_callback_in_the_next_opening(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    caller = desk.caller(1)
    desk.clock.set(at(2026, 11, 21, 14, 0, 20))  # Saturday: closed at 14:00
    out = caller.post(WAIT, QueuePosition="1", QueueTime="90")
    assert verbs(out.data) == ["Leave"]
    after = caller.post(ACTION, QueueResult="leave", QueueTime="92")
    accepted = caller.follow(after, Digits="1")
    assert_valid_twiml(accepted.data)
    assert says(accepted.data)[:2] == [
        "Registramos su pedido.",
        "Le llamaremos el lunes 23 de noviembre entre las 9 y las 10 de la mañana, al nueve "
        "nueve nueve, cero cero cero, cero cero uno.",
    ]
    [callback] = desk.runtime.desks.all_placed()
    assert callback.window is not None and callback.window.start == at(2026, 11, 23, 9, 0)


def test_the_report_shows_each_desks_callbacks(desk: Desk) -> None:
    from ivr.cli.report import report_command

    desk.add_agent("ana", ANA)
    ask_callback(desk.caller(1), 30)
    take_callback(desk, desk.api.wait_for(1)[0], "completed")
    desk.runtime.desks.set_state("ana", AgentState.AWAY, desk.clock())
    ask_callback(desk.caller(2), 30)
    out = desk.app.test_cli_runner().invoke(report_command, []).output
    table = out[out.index("Callbacks") :].splitlines()
    assert table[:3] == [
        "Callbacks",
        "  desk      requested  placed  reached  unreached",
        "  helpdesk          2       1        1          0",
    ]
    today = desk.clock().date()  # the console's «Llamadas» page, from the same figures
    page = calls_page(desk.runtime.engine, today, today, desk.clock())
    shown = page.table("devoluciones")
    assert shown is not None and shown.rows == (("helpdesk", 2, 1, 1, 0),)
