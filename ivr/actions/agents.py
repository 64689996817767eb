"""The operator actions on desks' agents and placed callbacks (the CLI and the console call them).

Each ``do_*`` validates its input, writes through ``DeskStore``, logs one line naming the agent
(never their phone number) and writes an entry to the console's audit log. A refusal raises
``ActionError`` with the one line an operator reads.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ivr import desks_dispatch
from ivr.core.desks import AgentState, operator_refusal
from ivr.core.menu import TransferNode
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from ivr.storage.database import STORE_ERRORS, describe
from ivr.storage.desks import Agent, AgentExists

log = logging.getLogger("ivr.desks")

AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
E164 = re.compile(r"\+[1-9]\d{6,14}")
SIP = re.compile(r"sip:[^@\s]+@[A-Za-z0-9.-]+(:\d+)?")


class ActionError(ValueError):
    """The action was refused or could not be done; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts, and through which door (cli, console)."""

    name: str
    door: str

    @property
    def audited(self) -> str:
        return f"{self.door}:{self.name}"


def known_desks(runtime: Runtime) -> set[str]:
    """The desks agents may answer: the queues the menus transfer to."""
    nodes = runtime.config.menus.nodes.values()
    return {n.queue for n in nodes if isinstance(n, TransferNode) and n.queue}


def _name(name: str) -> str:
    normal = name.strip().lower()
    if not AGENT_NAME.fullmatch(normal):
        raise ActionError(
            f"'{name}' is not an agent name: 1 to 32 letters (a-z), digits, '.', '_' or '-'"
        )
    return normal


def _audit(runtime: Runtime, actor: Actor, action: str, detail: str) -> None:
    ConsoleStore(runtime.engine).audit(runtime.now(), actor.audited, action, detail)


def do_add_agent(
    runtime: Runtime, actor: Actor, name: str, desks: Sequence[str], phone: str
) -> Agent:
    """Add an agent who answers ``desks`` at ``phone`` (E.164 or sip:), away until available."""
    agent_name = _name(name)
    number = phone.strip()
    if not (E164.fullmatch(number) or SIP.fullmatch(number)):
        raise ActionError(
            f"'{phone}' is not a phone number in E.164 form (+51987654321) or a sip: address"
        )
    if not desks:
        raise ActionError("name at least one desk with --desk")
    known = known_desks(runtime)
    unknown = sorted(set(desks) - known)
    if unknown:
        raise ActionError(
            f"no desk named {', '.join(unknown)}; the desks are: {', '.join(sorted(known))}"
        )
    try:
        agent = runtime.desks.add_agent(agent_name, number, desks, runtime.now())
        _audit(runtime, actor, "agent_add", f"{agent_name} ({', '.join(sorted(set(desks)))})")
    except AgentExists as error:
        raise ActionError(str(error)) from None
    except STORE_ERRORS as error:
        raise ActionError(f"cannot add the agent: {describe(error)}") from None
    log.info("agent %s added for %s by %s", agent_name, ", ".join(agent.desks), actor.audited)
    return agent


def do_remove_agent(runtime: Runtime, actor: Actor, name: str) -> None:
    """Remove an agent who is not on a call."""
    agent_name = _name(name)
    try:
        agent = runtime.desks.agent(agent_name)
        if agent is None:
            raise ActionError(f"there is no agent '{agent_name}'")
        if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
            raise ActionError(f"{agent_name} is on a call; remove them once it ends")
        runtime.desks.remove_agent(agent_name)
        _audit(runtime, actor, "agent_remove", agent_name)
    except STORE_ERRORS as error:
        raise ActionError(f"cannot remove the agent: {describe(error)}") from None
    log.info("agent %s removed by %s", agent_name, actor.audited)


def do_set_agent_state(runtime: Runtime, actor: Actor, name: str, state: AgentState) -> bool:
    """Set an agent available or away; return whether it changed. Available rings at once."""
    agent_name = _name(name)
    try:
        agent = runtime.desks.agent(agent_name)
        if agent is None:
            raise ActionError(f"there is no agent '{agent_name}'")
        refusal = operator_refusal(agent.state, state)
        if refusal is not None:
            raise ActionError(f"{agent_name} {refusal}")
        changed = runtime.desks.set_state(agent_name, state, runtime.now())
        if changed:
            _audit(runtime, actor, "agent_state", f"{agent_name} {state.value}")
    except STORE_ERRORS as error:
        raise ActionError(f"cannot set the agent's state: {describe(error)}") from None
    if changed:
        log.info("agent %s %s (by %s)", agent_name, state.value, actor.audited)
        if state == AgentState.AVAILABLE:
            desks_dispatch.nudge(runtime)
    return changed


def do_cancel_callback(runtime: Runtime, actor: Actor, callback_id: int) -> None:
    """Cancel a callback the service has not started placing."""
    try:
        if not runtime.desks.cancel(callback_id, runtime.now()):
            raise ActionError(f"callback {callback_id} is not pending: it cannot be cancelled")
        _audit(runtime, actor, "callback_cancel", str(callback_id))
    except STORE_ERRORS as error:
        raise ActionError(f"cannot cancel the callback: {describe(error)}") from None
    log.info("callback %d cancelled by %s", callback_id, actor.audited)
