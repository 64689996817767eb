"""What the "Now" page shows: the lines, the messages, the calls, the queues, the callbacks.

Each part is read by one function from what the IVR itself uses: the line states come from the
same schedule evaluation as the webhooks (``ivr.core.schedule.evaluation.status``, with the
override of the shared store), the calls in progress from the call records every host writes
(``ivr.storage.calls.CallStore``: the one definition of "in progress", which «Llamadas» and
``ivr report`` share), the callbacks from ``CallbackStore``, the configuration's reload from the
runtime. Nothing here shows a student code, a DNI or a balance: call records
hold them masked, and only campus, node, event and times are read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from ivr.clock import to_lima
from ivr.core.desks import AgentState
from ivr.core.events import CallEvent
from ivr.core.figures import DeskFigures, overdue
from ivr.core.schedule import evaluation
from ivr.core.schedule.messages import active_messages
from ivr.core.schedule.model import SLOTS, Override
from ivr.core.schedule.snapshot import REASONS_ES, SLOT_NAMES_ES
from ivr.observability.deskfigures import desk_table
from ivr.observability.report import day_bounds
from ivr.observability.wallboard import waiting_for
from ivr.runtime import Runtime
from ivr.storage.callbacks import Callback
from ivr.storage.calls import CallStore

REASONS = REASONS_ES
SLOT_NAMES = SLOT_NAMES_ES


@dataclass(frozen=True, slots=True)
class LineNow:
    name: str
    open: bool
    reason: str  # in Spanish, REASONS
    label: str | None  # the closure's or holiday's name, the special hours' label
    message: str | None  # what callers hear about it, when the schedule has a text
    until: datetime | None  # the next opening or closing, within two weeks


@dataclass(frozen=True, slots=True)
class MessageNow:
    slot: str  # in Spanish, SLOT_NAMES
    text: str


@dataclass(frozen=True, slots=True)
class CallNow:
    ref: str  # the CallSid's last six characters: enough to tell calls apart on the page
    campus: str
    node: str
    state: str  # in Spanish: where the call is
    started: datetime  # Lima time
    desk: str | None  # the desk's queue the caller waits in
    waiting_since: datetime | None


@dataclass(frozen=True, slots=True)
class DeskNow:
    desk: str
    waiting: int
    longest_s: int


@dataclass(frozen=True, slots=True)
class DeskBoard:
    """One desk for a supervisor: its line now, its agents, today's figures, its callbacks."""

    desk: str
    waiting: int
    longest_s: int
    past_threshold: bool  # the longest wait is past the desk's service level seconds
    available: int
    on_call: int  # ringing, on a call or wrapping up
    away: int
    answered: int  # today (ivr.core.figures)
    abandoned: int
    service_level: float | None
    pending: int
    overdue: int


@dataclass(frozen=True, slots=True)
class ReloadNow:
    """The configuration this process serves, and the last edit it refused."""

    fingerprint: str
    loaded_at: datetime | None
    failures: int
    problems: tuple[str, ...]  # ``file:line: path: problem`` of the refused edit


def lines_now(rt: Runtime, now: datetime, override: Override | None) -> list[LineNow]:
    """Every line's state at ``now``, as the webhooks decide it."""
    schedules = rt.schedules
    out = []
    for name in schedules.line_names:
        status = evaluation.status(schedules, now, line=name, override=override)
        out.append(
            LineNow(
                name=name,
                open=status.open,
                reason=REASONS.get(status.reason, status.reason),
                label=status.label,
                message=status.message,
                until=status.next_change,
            )
        )
    return out


def messages_now(rt: Runtime, now: datetime, override: Override | None) -> list[MessageNow]:
    """The message swaps callers hear now, per slot, in the order they are heard."""
    active = active_messages(rt.schedules, now, override=override)
    return [MessageNow(SLOT_NAMES[slot], text) for slot in SLOTS for text in active.texts(slot)]


def reload_now(rt: Runtime) -> ReloadNow:
    """The configuration's last reload in this process, and the problems of a refused edit."""
    error = rt.last_error
    return ReloadNow(
        fingerprint=rt.config.fingerprint,
        loaded_at=to_lima(rt.loaded_at) if rt.loaded_at else None,
        failures=rt.reload_failures,
        problems=tuple(str(problem) for problem in error.problems) if error is not None else (),
    )


def calls_now(engine: Engine, now: datetime) -> list[CallNow]:
    """The calls in progress now (``ivr.storage.calls.in_progress``), where each one is."""
    calls = []
    for call in CallStore(engine).in_progress(now):
        last = call.steps[-1]
        desk, since = waiting_for(call.steps)
        if desk is not None:
            state = f"en espera de {desk}"
        elif last.event == CallEvent.TRANSFER:
            state = "transferida a un anexo"
        else:
            state = "en el menú"
        calls.append(
            CallNow(
                ref=call.call_sid[-6:],
                campus=call.campus,
                node=last.node,
                state=state,
                started=to_lima(call.started_at),
                desk=desk,
                waiting_since=since,
            )
        )
    return calls


def desks_now(calls: list[CallNow], now: datetime) -> list[DeskNow]:
    """Callers waiting per desk, and how long the first of them has waited."""
    waits: dict[str, list[datetime]] = {}
    for call in calls:
        if call.desk is not None and call.waiting_since is not None:
            waits.setdefault(call.desk, []).append(call.waiting_since)
    return [
        DeskNow(desk, len(starts), max(0, int((now - min(starts)).total_seconds())))
        for desk, starts in sorted(waits.items())
    ]


def pending_per_desk(pending: list[Callback]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for callback in pending:
        counts[callback.desk] = counts.get(callback.desk, 0) + 1
    return sorted(counts.items())


ON_CALL = frozenset({AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP})


def board(
    rt: Runtime, desks: list[DeskNow], pending: list[Callback], now: datetime
) -> list[DeskBoard]:
    """Per desk: callers waiting, agents by state, today's figures, callbacks pending/overdue.

    Today's figures are ``ivr report``'s (``ivr.core.figures`` over today's call records).
    """
    queues = rt.config.queues
    start, end = day_bounds(now.date(), now.date())
    today = desk_table(CallStore(rt.engine).calls(start, end), rt.desks, start, end, queues)
    agents = rt.desks.agents()
    windows = {placed.id: placed.window for placed in rt.desks.all_placed()}
    waiting = {d.desk: d for d in desks}
    names = set(waiting) | set(today.desks) | {c.desk for c in pending}
    names |= {desk for agent in agents for desk in agent.desks}
    rows = []
    for name in sorted(names):
        line = waiting.get(name, DeskNow(name, 0, 0))
        figures = today.desks.get(name, DeskFigures())
        mine = [agent for agent in agents if name in agent.desks]
        late = [
            c for c in pending
            if c.desk == name
            and overdue(c.requested_at, (w.end if (w := windows.get(c.id)) else None), now)
        ]  # fmt: skip
        rows.append(
            DeskBoard(
                desk=name,
                waiting=line.waiting,
                longest_s=line.longest_s,
                past_threshold=line.waiting > 0
                and line.longest_s > queues.desk(name).service_level_seconds,
                available=sum(a.state == AgentState.AVAILABLE for a in mine),
                on_call=sum(a.state in ON_CALL for a in mine),
                away=sum(a.state == AgentState.AWAY for a in mine),
                answered=figures.answered,
                abandoned=figures.abandoned,
                service_level=figures.service_level,
                pending=sum(c.desk == name for c in pending),
                overdue=len(late),
            )
        )
    return rows
