"""``ivr agents add|list|remove|available|away``: the people who answer desks' calls.

An agent answers one or more desks (the queues menus/ transfer to) at a phone number (E.164)
or a sip: address. Added away; ``available`` makes the service ring them for the callers and
callbacks in line. Every change goes through ``ivr.actions.agents`` and the audit log.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ivr.actions.agents import add_agent, remove_agent, set_agent_state
from ivr.cli.acting import operator, refusals
from ivr.clock import to_lima
from ivr.core.desks import AgentState
from ivr.runtime import current_runtime
from ivr.storage.database import STORE_ERRORS, describe

COLUMNS = ("name", "state", "since", "desks", "phone")
# Where an action's refusal names an input, the option it came from.
INPUTS: dict[str, str | None] = {"name": "'NAME'", "phone": "'--phone'", "desk": "'--desk'"}


def _failed(error: Exception) -> click.ClickException:
    return click.ClickException(f"cannot reach the agents: {describe(error)}")


@click.group("agents")
def agents_group() -> None:
    """The agents who answer desks' calls, rung by the service."""


@agents_group.command("add")
@click.argument("name")
@click.option("--desk", "desks", multiple=True, required=True, help="A desk (queue) they answer.")
@click.option("--phone", required=True, help="Their phone: +51987654321, or sip:user@host.")
@with_appcontext
def add_command(name: str, desks: tuple[str, ...], phone: str) -> None:
    """Add an agent (away until 'ivr agents available NAME')."""
    try:
        with refusals(**INPUTS):
            agent = add_agent(current_runtime(), operator(), name, desks, phone)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"Agent {agent.name} added for {', '.join(agent.desks)}: away.")


@agents_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the agents, their state and desks."""
    try:
        found = current_runtime().desks.agents()
    except STORE_ERRORS as error:
        raise _failed(error) from None
    if not found:
        click.echo("No agents: desks are answered elsewhere (see docs/deploy.md, The desks).")
        return
    rows = [
        (
            a.name,
            a.state.value,
            to_lima(a.state_since).strftime("%Y-%m-%d %H:%M"),
            ",".join(a.desks),
            a.phone,
        )
        for a in found
    ]
    widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for row in [COLUMNS, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


@agents_group.command("remove")
@click.argument("name")
@with_appcontext
def remove_command(name: str) -> None:
    """Remove an agent."""
    try:
        with refusals(**INPUTS):
            agent = remove_agent(current_runtime(), operator(), name)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    click.echo(f"Agent {agent.name} removed.")


def _set(name: str, state: AgentState) -> None:
    try:
        with refusals(**INPUTS):
            changed = set_agent_state(current_runtime(), operator(), name, state)
    except STORE_ERRORS as error:
        raise _failed(error) from None
    said = state.value if changed else f"already {state.value}"
    click.echo(f"Agent {name.strip().lower()}: {said}.")


@agents_group.command("available")
@click.argument("name")
@with_appcontext
def available_command(name: str) -> None:
    """Make an agent available: the service rings them for the next in line."""
    _set(name, AgentState.AVAILABLE)


@agents_group.command("away")
@click.argument("name")
@with_appcontext
def away_command(name: str) -> None:
    """Set an agent away: not rung until available again."""
    _set(name, AgentState.AWAY)
