"""The «Mesa» page: desks' agents, their state, and who waits at their desks.

A console user with the role ``agent`` is the desks' agent of the same name (``ivr agents``):
they see themselves and who waits at their desks, and set their own state, available or away.
Operators see every agent and set anyone's; viewers see every agent. Every change goes through
``ivr.actions.agents`` (validated, audited).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ivr.actions import ActionRefused
from ivr.actions.agents import STATE_WORDS, set_agent_state
from ivr.console.blueprint import blueprint
from ivr.console.views import _actor, _duration, _user
from ivr.core.desks import AgentState, Kind
from ivr.core.desks import line as in_order
from ivr.runtime import current_runtime
from ivr.storage.console import User
from ivr.storage.desks import Agent

# What an operator may set from the page, by the form's value.
SETTABLE = {"available": AgentState.AVAILABLE, "away": AgentState.AWAY}


@dataclass(frozen=True, slots=True)
class AgentShown:
    name: str
    state: str  # in Spanish
    since: datetime
    desks: str
    settable: bool  # this user may set this agent's state
    available: bool  # already available (the page offers «Ausente»), else «Disponible»


@dataclass(frozen=True, slots=True)
class InLine:
    desk: str
    place: int
    what: str  # "Persona en espera" or "Devolución de llamada"
    waited: str  # how long, in words


def may_set(user: User, agent: Agent) -> bool:
    """Return whether ``user`` may set ``agent``'s state: an operator, or the agent themself."""
    return user.is_operator or (user.is_agent and user.name == agent.name)


@blueprint.route("/desk", methods=["GET"])
def desk() -> str:
    """The agents (an agent: themself) and the line of callers and callbacks at their desks."""
    rt = current_runtime()
    user = _user()
    now = rt.now()
    everyone = rt.desks.agents()
    shown = [a for a in everyone if a.name == user.name] if user.is_agent else everyone
    desks = sorted({d for a in shown for d in a.desks})
    line = [
        InLine(
            entry.desk,
            place,
            "Devolución de llamada" if entry.kind == Kind.CALLBACK else "Persona en espera",
            _duration(max(0, int((now - entry.entered_at).total_seconds()))),
        )
        for name in desks
        for place, entry in enumerate(in_order(rt.desks.line(name)), start=1)
    ]
    agents = [
        AgentShown(
            a.name,
            STATE_WORDS[a.state],
            a.state_since,
            ", ".join(a.desks),
            may_set(user, a),
            a.state == AgentState.AVAILABLE,
        )
        for a in shown
    ]
    missing = user.is_agent and not shown
    return render_template("console/desk.html", agents=agents, line=line, missing=missing)


@blueprint.route("/desk/<name>/state", methods=["POST"])
def desk_state(name: str) -> BaseResponse | tuple[str, int]:
    """Set an agent available or away: the agent themself, or an operator."""
    rt = current_runtime()
    user = _user()
    agent = rt.desks.agent(name)
    wanted = SETTABLE.get(request.form.get("state", ""))
    if agent is None or wanted is None or not may_set(user, agent):
        message = "Solo un operador, o el propio agente, puede cambiar el estado de un agente."
        return render_template("console/error.html", message=message), 403
    try:
        changed = set_agent_state(rt, _actor(), agent.name, wanted)
    except ActionRefused as refused:
        flash(refused.es, "error")
        return redirect(url_for(".desk"))
    said = STATE_WORDS[wanted]
    flash(f"{agent.name}: {said}." if changed else f"{agent.name} ya estaba {said}.", "info")
    return redirect(url_for(".desk"))
