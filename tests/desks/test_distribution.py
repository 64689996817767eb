"""Agents rung for the callers waiting for their desk: the longest waiting first, one at a time."""

from __future__ import annotations

from sqlalchemy import select

from ivr.core.desks import AgentState
from ivr.storage.schema import call_steps
from tests.desks.conftest import ACTION, BASE, CENTRAL, WAIT, Desk, says, verbs
from tests.helpers import assert_valid_twiml

ANA = "+51911111111"
BETO = "sip:beto@desk.example.edu"


def _steps(desk: Desk, sid: str) -> list[tuple[str, str]]:
    desk.runtime.calls.flush()
    with desk.runtime.engine.connect() as conn:
        rows = conn.execute(
            select(call_steps.c.event, call_steps.c.detail)
            .where(call_steps.c.call_sid == sid)
            .order_by(call_steps.c.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_one_agent_one_caller(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    caller = desk.caller(1)
    waiting = caller.post(WAIT, QueuePosition="1", QueueTime="0")
    assert "Usted es la primera persona en espera." in says(waiting.data)[0]
    [placed] = desk.api.wait_for(1)  # rung at once by the nudge, no tick needed
    assert (placed.to, placed.from_) == (ANA, CENTRAL)
    assert placed.url == f"{BASE}/voice/agent/ana/answer?ring=1"
    assert placed.status_callback == f"{BASE}/voice/agent/ana/status?ring=1"
    assert placed.events == ["initiated", "ringing", "answered", "completed"]
    assert desk.state("ana") == AgentState.RINGING
    desk.tick(seconds=65)  # another second's job: nobody is rung twice
    assert len(desk.api.calls) == 1

    answer = desk.answer(placed)
    assert_valid_twiml(answer.data)
    assert says(answer.data) == [
        "Help Desk. Una persona espera desde hace un minuto. No verificó su identidad en la "
        "central. Eligió: Estudiantes, Help Desk."
    ]
    assert verbs(answer.data) == ["Say", "Dial"]
    assert b'<Dial action="/voice/agent/ana/done?ring=1" method="POST">' in answer.data
    assert (
        b'<Queue method="POST" url="/voice/agent/ana/bridged?ring=1">helpdesk</Queue>'
        in answer.data
    )
    assert desk.state("ana") == AgentState.ON_CALL
    bridged = desk.bridge(placed, answer, caller.call["CallSid"])
    assert says(bridged.data) == ["Le comunicamos con un asesor."]
    caller.post(ACTION, QueueResult="bridged", QueueTime="70")
    assert desk.status(placed, "completed").status_code == 204
    assert desk.state("ana") == AgentState.WRAP_UP
    desk.tick(seconds=29)
    assert desk.state("ana") == AgentState.WRAP_UP
    desk.tick(seconds=1)  # the desk's wrap_up: 30 seconds
    assert desk.state("ana") == AgentState.AVAILABLE
    events = _steps(desk, caller.call["CallSid"])
    assert ("desk_rung", "helpdesk agent ana") in events
    assert ("desk_answered", "helpdesk agent ana") in events
    assert all(ANA not in detail for _, detail in events)


def test_two_agents_five_callers_longest_waiting_first(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.clock.set(desk.clock().replace(second=5))
    desk.add_agent("beto", BETO)  # available later than ana: ana is rung first
    callers = [desk.caller(n) for n in range(1, 6)]
    for n, caller in enumerate(callers):
        # each entered the queue 10 s before the next
        caller.post(WAIT, QueuePosition=str(n + 1), QueueTime=str(50 - 10 * n))
    placed = desk.api.wait_for(2)
    desk.tick()
    assert [p.to for p in desk.api.calls] == [ANA, BETO]  # nobody rung twice
    waiting = {c.call["CallSid"]: desk.runtime.desks.waiting(c.call["CallSid"]) for c in callers}
    rung_for = {sid: w.agent for sid, w in waiting.items() if w and w.agent}
    assert rung_for == {callers[0].call["CallSid"]: "ana", callers[1].call["CallSid"]: "beto"}

    # beto answers first: Twilio gives him the queue's front caller (the first), ana's claim
    # moves to the second
    beto_answer = desk.answer(placed[1])
    assert "espera desde hace" in says(beto_answer.data)[0]
    desk.bridge(placed[1], beto_answer, callers[0].call["CallSid"])
    callers[0].post(ACTION, QueueResult="bridged", QueueTime="60")
    ana_answer = desk.answer(placed[0])
    desk.bridge(placed[0], ana_answer, callers[1].call["CallSid"])
    callers[1].post(ACTION, QueueResult="bridged", QueueTime="61")
    assert desk.runtime.desks.waiting(callers[0].call["CallSid"]).agent == "beto"  # type: ignore[union-attr]
    assert desk.runtime.desks.waiting(callers[1].call["CallSid"]).agent == "ana"  # type: ignore[union-attr]
    desk.tick()
    assert len(desk.api.calls) == 2  # both on a call: nobody else rung

    desk.status(placed[0], "completed")
    desk.tick(seconds=30)
    [third] = desk.api.calls[2:]
    assert third.to == ANA  # ana's wrap-up ended: the third caller
    assert third.path == "/voice/agent/ana/answer?ring=2"
    assert desk.runtime.desks.waiting(callers[2].call["CallSid"]).agent == "ana"  # type: ignore[union-attr]
    desk.status(placed[1], "completed")
    desk.tick(seconds=30)
    assert [p.to for p in desk.api.calls[3:]] == [BETO]
    assert desk.runtime.desks.waiting(callers[3].call["CallSid"]).agent == "beto"  # type: ignore[union-attr]
    assert desk.runtime.desks.waiting(callers[4].call["CallSid"]).agent is None  # type: ignore[union-attr]


def test_an_agent_who_does_not_answer_is_set_away_and_the_next_is_rung(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.clock.set(desk.clock().replace(second=5))
    desk.add_agent("beto", BETO)
    caller = desk.caller(1)
    caller.post(WAIT, QueuePosition="1", QueueTime="0")
    [to_ana] = desk.api.wait_for(1)
    assert to_ana.to == ANA
    desk.status(to_ana, "ringing")
    assert desk.status(to_ana, "no-answer").status_code == 204
    assert desk.state("ana") == AgentState.AWAY
    _, to_beto = desk.api.wait_for(2)  # the nudge rings the next agent at once
    assert to_beto.to == BETO
    assert desk.runtime.desks.waiting(caller.call["CallSid"]).agent == "beto"  # type: ignore[union-attr]
    # a late webhook of ana's old ring changes nothing
    late = desk.answer(to_ana)
    assert says(late.data) == ["La persona que esperaba ya colgó. Gracias."]
    assert desk.state("ana") == AgentState.AWAY


def test_a_caller_who_hangs_up_while_the_agent_rings(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    caller = desk.caller(1)
    caller.post(WAIT, QueuePosition="1", QueueTime="0")
    [placed] = desk.api.wait_for(1)
    caller.post(ACTION, QueueResult="hangup", QueueTime="12")
    answer = desk.answer(placed)
    assert says(answer.data) == ["La persona que esperaba ya colgó. Gracias."]
    assert verbs(answer.data) == ["Say", "Hangup"]
    assert desk.state("ana") == AgentState.AVAILABLE  # no wrap-up for nobody


def test_a_desk_without_agents_rings_nobody(desk: Desk) -> None:
    caller = desk.caller(1)
    waiting = caller.post(WAIT, QueuePosition="2", QueueTime="0")
    assert "Usted es la segunda persona en espera." in says(waiting.data)[0]
    desk.tick()
    assert desk.api.calls == []
    assert desk.runtime.desks.waiting(caller.call["CallSid"]) is None
