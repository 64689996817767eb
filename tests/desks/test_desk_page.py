"""The console's «Mesa» page: an agent sets their own state and sees who waits; operators set
anyone's; every change audited."""

from __future__ import annotations

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr.core.desks import AgentState
from ivr.storage.console import ConsoleStore, hash_password
from tests.console.conftest import PASSWORD, csrf_token, log_in
from tests.desks.conftest import BASE, WAIT, Desk
from tests.helpers import Caller

ANA = "+51911111111"


def logged_in(desk: Desk, name: str, role: str) -> FlaskClient:
    ConsoleStore(desk.runtime.engine).add(name, role, hash_password(PASSWORD), desk.clock())
    client = desk.app.test_client()
    assert log_in(client, name).status_code == 302
    return client


def wait(desk: Desk, n: int, queue_time: int) -> None:
    """A caller waits, from a client of its own: the fixture's keeps its request's context
    (and the console's CSRF token would be read from it)."""
    caller = Caller(desk.app.test_client(), BASE)
    caller.call.update(CallSid=f"CA{n:032d}", From=f"+519990000{n:02d}")
    caller.post(WAIT, QueuePosition="1", QueueTime=str(queue_time))


def set_state(client: FlaskClient, name: str, state: str) -> TestResponse:
    page = client.get("/console/desk")
    return client.post(
        f"/console/desk/{name}/state",
        data={"state": state, "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )


def test_an_agent_sets_their_own_state_and_sees_who_waits(desk: Desk) -> None:
    desk.add_agent("ana", ANA, available=False)
    desk.add_agent("beto", "+51922222222", "helpdesk", available=False)
    wait(desk, 1, 120)
    client = logged_in(desk, "ana", "agent")
    page = client.get("/console/desk").get_data(as_text=True)
    assert "(agente)" in page
    assert ">ana</th>" in page and ">beto</th>" not in page  # only themself
    assert "<td>Persona en espera</td><td>2 min 0 s</td>" in page
    assert "Disponible: ana" in page
    done = set_state(client, "ana", "available")
    assert "ana: disponible." in done.get_data(as_text=True)
    assert desk.state("ana") in (AgentState.AVAILABLE, AgentState.RINGING)  # rung at once
    [placed] = desk.api.wait_for(1)
    assert placed.to == ANA
    refused = set_state(client, "beto", "available")  # someone else's state
    assert refused.status_code == 403
    assert desk.state("beto") == AgentState.AWAY
    audit = [(e.actor, e.action, e.detail) for e in ConsoleStore(desk.runtime.engine).audit_log()]
    assert ("ana", "agent_state", "ana: disponible") in audit
    assert not any(detail.startswith("beto") for _, _, detail in audit)


def test_an_operator_sees_every_agent_and_sets_any(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    desk.add_agent("beto", "+51922222222", available=False)
    client = logged_in(desk, "carla", "operator")
    page = client.get("/console/desk").get_data(as_text=True)
    assert ">ana</th>" in page and ">beto</th>" in page
    assert "Ausente: ana" in page and "Disponible: beto" in page
    assert "911111111" not in page  # the agent's phone stays out of the page
    away = set_state(client, "ana", "away")
    assert "ana: ausente." in away.get_data(as_text=True)
    assert desk.state("ana") == AgentState.AWAY
    again = set_state(client, "ana", "away")
    assert "ana ya estaba ausente." in again.get_data(as_text=True)
    [entry] = ConsoleStore(desk.runtime.engine).audit_log()[:1]
    assert (entry.actor, entry.action, entry.detail) == ("carla", "agent_state", "ana: ausente")


def test_a_viewer_sees_but_cannot_set(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    client = logged_in(desk, "dora", "viewer")
    page = client.get("/console/desk").get_data(as_text=True)
    assert ">ana</th>" in page and "Ausente: ana" not in page
    token = csrf_token(client.get("/console/callbacks"))
    refused = client.post("/console/desk/ana/state", data={"state": "away", "csrf_token": token})
    assert refused.status_code == 403
    assert desk.state("ana") == AgentState.AVAILABLE


def test_an_agent_being_rung_cannot_be_set_away(desk: Desk) -> None:
    desk.add_agent("ana", ANA)
    wait(desk, 1, 0)
    desk.api.wait_for(1)
    client = logged_in(desk, "ana", "agent")
    refused = set_state(client, "ana", "away")
    assert "ana está sonando: cambie su estado cuando termine." in refused.get_data(as_text=True)
    assert desk.state("ana") == AgentState.RINGING


def test_an_agent_user_without_an_agent_is_told_how(desk: Desk) -> None:
    page = logged_in(desk, "eva", "agent").get("/console/desk").get_data(as_text=True)
    assert "No hay un agente «eva»." in page
