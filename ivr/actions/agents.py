"""Desks' agents: add one, remove one, set one available or away.

Each validates, writes through ``DeskStore``, then ``record``s (the audit entry and one log
line naming the agent, never their phone number). A store failure is not caught here: each
door says it its own way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ivr.actions.base import ActionRefused, Actor, AuditAction, record
from ivr.core.desks import AgentState, operator_refusal
from ivr.core.menu import TransferNode
from ivr.outbound import desks as desks_dispatch
from ivr.runtime import Runtime
from ivr.storage.desks import Agent, AgentExists

AGENT_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,31}")
E164 = re.compile(r"\+[1-9]\d{6,14}")
SIP = re.compile(r"sip:[^@\s]+@[A-Za-z0-9.-]+(:\d+)?")
# What the console says of each state an operator may set, and of the others.
STATE_WORDS = {
    AgentState.AVAILABLE: "disponible",
    AgentState.RINGING: "sonando",
    AgentState.ON_CALL: "en llamada",
    AgentState.WRAP_UP: "cerrando la llamada",
    AgentState.AWAY: "ausente",
}


def known_desks(runtime: Runtime) -> set[str]:
    """The desks agents may answer: the queues the menus transfer to."""
    nodes = runtime.config.menus.nodes.values()
    return {n.queue for n in nodes if isinstance(n, TransferNode) and n.queue}


def agent_name(name: str) -> str:
    """Return ``name`` as agents are named (lower case), or refuse it."""
    normal = name.strip().lower()
    if not AGENT_NAME.fullmatch(normal):
        raise ActionRefused(
            f"'{name}' is not an agent name: 1 to 32 letters (a-z), digits, '.', '_' or '-'",
            f"«{name}» no es un nombre de agente: de 1 a 32 letras (a-z), dígitos, «.», «_» o «-».",
            field="name",
        )
    return normal


def find_agent(runtime: Runtime, name: str) -> Agent:
    """Return the agent called ``name``, or refuse."""
    normal = agent_name(name)
    agent = runtime.desks.agent(normal)
    if agent is None:
        raise ActionRefused(f"there is no agent '{normal}'", f"No existe el agente «{normal}».")
    return agent


def add_agent(runtime: Runtime, actor: Actor, name: str, desks: Sequence[str], phone: str) -> Agent:
    """Add an agent who answers ``desks`` at ``phone`` (E.164 or sip:), away until available."""
    normal = agent_name(name)
    number = phone.strip()
    if not (E164.fullmatch(number) or SIP.fullmatch(number)):
        raise ActionRefused(
            f"'{phone}' is not a phone number in E.164 form (+51987654321) or a sip: address",
            f"«{phone}» no es un teléfono en forma E.164 (+51987654321) ni una dirección sip:.",
            field="phone",
        )
    if not desks:
        raise ActionRefused("name at least one desk", "Indique al menos una mesa.", field="desk")
    known = known_desks(runtime)
    unknown = sorted(set(desks) - known)
    if unknown:
        raise ActionRefused(
            f"no desk named {', '.join(unknown)}; the desks are: {', '.join(sorted(known))}",
            f"No hay una mesa «{', '.join(unknown)}»; las mesas son: {', '.join(sorted(known))}.",
            field="desk",
        )
    try:
        agent = runtime.desks.add_agent(normal, number, desks, runtime.now())
    except AgentExists:
        raise ActionRefused(
            f"there is already an agent '{normal}'", f"Ya existe el agente «{normal}»."
        ) from None
    answered = ", ".join(agent.desks)
    record(
        runtime,
        actor,
        AuditAction.AGENT_ADD,
        f"{normal} ({answered})",
        summary=f"{normal} for {answered}",
    )
    return agent


def _not_on_call(agent: Agent, en: str, es: str) -> None:
    if agent.state in (AgentState.RINGING, AgentState.ON_CALL):
        raise ActionRefused(f"{agent.name} is on a call; {en}", f"{agent.name} {es}")


def remove_agent(runtime: Runtime, actor: Actor, name: str) -> Agent:
    """Remove an agent who is not being rung nor on a call."""
    agent = find_agent(runtime, name)
    _not_on_call(agent, "remove them once it ends", "está en una llamada; quítelo cuando termine.")
    if not runtime.desks.remove_agent(agent.name):  # removed meanwhile
        raise ActionRefused(
            f"there is no agent '{agent.name}'", f"No existe el agente «{agent.name}»."
        )
    record(runtime, actor, AuditAction.AGENT_REMOVE, agent.name, summary=agent.name)
    return agent


def set_agent_state(runtime: Runtime, actor: Actor, name: str, state: AgentState) -> bool:
    """Set an agent available or away; return whether it changed. Available rings at once."""
    agent = find_agent(runtime, name)
    refusal = operator_refusal(agent.state, state)
    if refusal is not None:
        raise ActionRefused(
            f"{agent.name} {refusal}",
            f"{agent.name} está {STATE_WORDS[agent.state]}: cambie su estado cuando termine.",
            field="state",
        )
    changed = runtime.desks.set_state(agent.name, state, runtime.now())
    if changed:
        record(
            runtime,
            actor,
            AuditAction.AGENT_STATE,
            f"{agent.name}: {STATE_WORDS[state]}",
            summary=f"{agent.name} {state.value}",
        )
        if state == AgentState.AVAILABLE:
            desks_dispatch.nudge(runtime)
    return changed
