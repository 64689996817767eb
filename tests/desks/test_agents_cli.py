"""``ivr agents``: add, list, available, away, remove; one clear line on every refusal."""

from __future__ import annotations

import logging

import pytest
from click.testing import Result
from flask import Flask

from ivr.cli.agents import agents_group
from ivr.core.desks import AgentState
from ivr.storage.console import ConsoleStore
from tests.desks.conftest import Desk


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(agents_group, list(args))


def test_add_list_available_away_remove(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    app = desk.app
    caplog.set_level(logging.INFO, "ivr.actions")
    added = run(app, "add", "Ana", "--desk", "helpdesk", "--phone", "+51911111111")
    assert added.exit_code == 0, added.output
    assert added.output == "Agent ana added for helpdesk: away.\n"
    listed = run(app, "list")
    assert listed.output.splitlines() == [
        "name  state  since             desks     phone",
        "ana   away   2026-11-18 10:00  helpdesk  +51911111111",
    ]
    assert run(app, "available", "ana").output == "Agent ana: available.\n"
    assert desk.state("ana") == AgentState.AVAILABLE
    assert run(app, "available", "ana").output == "Agent ana: already available.\n"
    assert run(app, "away", "ana").output == "Agent ana: away.\n"
    assert run(app, "remove", "ana").output == "Agent ana removed.\n"
    assert run(app, "list").output.startswith("No agents")
    audit = [(e.action, e.detail) for e in ConsoleStore(desk.runtime.engine).audit_log()]
    assert audit == [
        ("agent_remove", "ana"),
        ("agent_state", "ana: ausente"),
        ("agent_state", "ana: disponible"),
        ("agent_add", "ana (helpdesk)"),
    ]
    assert "911111111" not in caplog.text  # the agent by name, never their number
    assert "agent_add: ana for helpdesk; by " in caplog.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("add", "ana", "--desk", "helpdesk", "--phone", "911111111"),
         "Error: Invalid value for '--phone': '911111111' is not a phone number in E.164 form "
         "(+51987654321) or a sip: address"),
        (("add", "ana", "--desk", "soporte", "--phone", "+51911111111"),
         "Error: Invalid value for '--desk': no desk named soporte; the desks are: "),
        (("add", "Ana María", "--desk", "helpdesk", "--phone", "+51911111111"),
         "Error: Invalid value for 'NAME': 'Ana María' is not an agent name"),
    ],
)  # fmt: skip
def test_a_bad_value_is_a_usage_error(desk: Desk, args: tuple[str, ...], message: str) -> None:
    result = run(desk.app, *args)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1].startswith(message)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["available", "away", "remove"])
def test_an_unknown_agent_is_one_line(desk: Desk, command: str) -> None:
    result = run(desk.app, command, "nadie")
    assert (result.exit_code, result.output) == (1, "Error: there is no agent 'nadie'\n")


def test_a_second_agent_of_the_same_name_is_refused(desk: Desk) -> None:
    run(desk.app, "add", "ana", "--desk", "helpdesk", "--phone", "sip:ana@pbx.example.edu")
    again = run(desk.app, "add", "ana", "--desk", "helpdesk", "--phone", "+51911111111")
    assert again.output == "Error: there is already an agent 'ana'\n"


def test_an_agent_on_a_call_cannot_be_set_away_or_removed(desk: Desk) -> None:
    desk.add_agent("ana", "+51911111111")
    desk.caller(1).post("/voice/wait/help-desk?s=3&t=principal.estudiantes", QueuePosition="1")
    desk.api.wait_for(1)
    assert run(desk.app, "away", "ana").output == (
        "Error: ana is being rung; set the state once the call ends\n"
    )
    assert run(desk.app, "remove", "ana").output == (
        "Error: ana is on a call; remove them once it ends\n"
    )


def test_available_rings_the_agent_at_once(desk: Desk) -> None:
    run(desk.app, "add", "ana", "--desk", "helpdesk", "--phone", "+51911111111")
    desk.caller(1).post("/voice/wait/help-desk?s=3&t=principal.estudiantes", QueuePosition="1")
    assert desk.api.calls == []
    run(desk.app, "available", "ana")
    [placed] = desk.api.wait_for(1)
    assert placed.to == "+51911111111"
