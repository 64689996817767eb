"""What the "Now" page shows: the lines, the messages, the calls, the queues, the callbacks.

Each part is read by one function from what the IVR itself uses: the line states come from the
same schedule evaluation as the webhooks (``ivr.core.schedule.evaluation.status``, with the
override of the shared store), the calls from the call records every host writes
(``call_steps``/``call_statuses``), the callbacks from ``CallbackStore``, the configuration's
reload from the runtime. Nothing here shows a student code, a DNI or a balance: call records
hold them masked, and only campus, node, event and times are read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import Engine, select

from ivr.clock import to_lima
from ivr.core.schedule import evaluation
from ivr.core.schedule.messages import active_messages
from ivr.core.schedule.model import SLOTS, Override
from ivr.core.schedule.snapshot import REASONS_ES, SLOT_NAMES_ES
from ivr.observability.report import LONGEST_CALL
from ivr.runtime import Runtime
from ivr.storage.callbacks import Callback
from ivr.storage.schema import call_statuses, call_steps
from ivr.storage.sessions import FINISHED

# A call with no step for this long is taken as no longer in the IVR (Twilio's status callback
# may be off): longer than the longest hold between two announcements of a waiting caller
# (300 s). The report's IN_PROGRESS_WINDOW, until the session is forgotten, is longer.
ACTIVE_WINDOW = timedelta(minutes=6)

# After these events the IVR has nothing more to do with the call.
ENDED = frozenset(
    {
        "hangup",
        "failed",
        "transfer_done",
        "closed_call",
        "queue_answered",
        "queue_abandoned",
        "queue_redirected",
    }
)
# A caller out of a desk's queue, whatever happens next.
OUT_OF_QUEUE = frozenset(
    {"queue_answered", "queue_abandoned", "queue_left", "queue_failed", "queue_redirected"}
)

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
    """The calls in the IVR now: a step within ACTIVE_WINDOW, no end reported, none ended."""
    recent = (
        select(call_steps.c.call_sid)
        .where(call_steps.c.at >= now - ACTIVE_WINDOW, call_steps.c.at <= now)
        .distinct()
    )
    columns = ("call_sid", "at", "campus", "node", "event", "detail")  # never what was said
    steps = (
        select(*(call_steps.c[name] for name in columns))
        .where(call_steps.c.call_sid.in_(recent), call_steps.c.at >= now - LONGEST_CALL)
        .order_by(call_steps.c.call_sid, call_steps.c.at, call_steps.c.id)
    )
    finished = select(call_statuses.c.call_sid).where(
        call_statuses.c.call_sid.in_(recent), call_statuses.c.call_status.in_(FINISHED)
    )
    with engine.connect() as conn:
        ended = set(conn.execute(finished).scalars())
        rows = list(conn.execute(steps))
    calls = []
    for sid, group in groupby(rows, key=lambda row: row.call_sid):
        if sid in ended:
            continue
        mine = list(group)
        last = mine[-1]
        if last.event in ENDED:
            continue
        desk, since = _queue(mine)
        if desk is not None:
            state = f"en espera de {desk}"
        elif last.event == "transfer":
            state = "transferida a un anexo"
        else:
            state = "en el menú"
        calls.append(
            CallNow(
                ref=sid[-6:],
                campus=last.campus,
                node=last.node,
                state=state,
                started=to_lima(mine[0].at),
                desk=desk,
                waiting_since=since,
            )
        )
    return sorted(calls, key=lambda call: call.started)


def _queue(steps: Sequence[Any]) -> tuple[str | None, datetime | None]:
    """The desk whose queue the call is in (entered and not yet left), and since when."""
    desk: str | None = None
    since: datetime | None = None
    for step in steps:
        event, detail = step.event, step.detail
        if event == "transfer" and detail and detail != "dial":
            desk, since = detail, to_lima(step.at)
        elif event in OUT_OF_QUEUE or event == "queue_leave":
            desk, since = None, None
    return desk, since


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
