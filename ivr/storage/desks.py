"""Desks answered by the service: agents, callers waiting, callbacks placed, in the shared database.

Every host serves webhooks and any may run the dispatcher, so whatever must happen once (an
agent rung for one caller at a time, a callback dialled once) is decided by a claim: one write
transaction that reads the rows it will change and changes them before anyone else can.

- PostgreSQL (several hosts): ``SELECT ... FOR UPDATE SKIP LOCKED`` on the available agents
  and on the line's head. A second host claiming at the same instant skips the rows the first
  holds instead of waiting for them or reading them stale, then takes the next ones (the
  PostgreSQL docs' "The Locking Clause": made for queue consumers). Every update also repeats
  its condition (``WHERE state = 'available'``), so a row changed since it was read is left.
- SQLite (one host, several processes): the claim's transaction starts with ``BEGIN
  IMMEDIATE`` (``writing``), SQLite's single writer: a second claim waits for the first to
  commit, then reads what it left. SQLite has no row locks; ``FOR UPDATE`` renders as nothing.

The scheduler's leadership is not used: a nudge from a webhook on any host dispatches at once,
without waiting for the leader's next tick, and the claims keep it exactly once.

The store never reads the clock: every method that needs "now" takes it.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, delete, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError

from ivr.clock import to_lima
from ivr.core.desks import AgentState, CallbackWindow, Entry, Idle, Kind, after_attempt, pick
from ivr.core.figures import CallbackFact
from ivr.storage.database import is_postgresql, upsert, writing
from ivr.storage.schema import agent_desks, agents, callbacks, desk_callers

REACHED = ("reached", "done")  # a callback's statuses that mean its student was reached
WINDOW_LOCK = 0x1F0_0010  # + the desk's hash: promised windows of one desk are booked in turn


class AgentExists(ValueError):
    """An agent of that name exists already."""


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    phone: str
    desks: tuple[str, ...]
    state: AgentState
    state_since: datetime
    busy_until: datetime | None = None
    ring: int = 0
    call_sid: str | None = None
    offer_kind: Kind | None = None
    offer_ref: str | None = None
    offer_desk: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """An agent to ring, and for whom: the decision one claim transaction made."""

    agent: str
    phone: str
    ring: int
    kind: Kind
    ref: str
    desk: str
    central: str
    entered_at: datetime


@dataclass(frozen=True, slots=True)
class Waiting:
    """A live caller in a desk's queue, as the service knows it."""

    call_sid: str
    desk: str
    campus: str
    central: str
    entered_at: datetime
    verified: bool
    asked: str
    status: str
    agent: str | None
    answered_at: datetime | None


@dataclass(frozen=True, slots=True)
class Placed:
    """A callback as the service places it."""

    id: int
    number: str
    desk: str
    status: str
    attempts: int
    entered_at: datetime
    requested_at: datetime
    central: str | None
    agent: str | None
    next_attempt_at: datetime | None
    window: CallbackWindow | None
    dialled_at: datetime | None


@dataclass(frozen=True, slots=True)
class DeskFigures:
    """What the report shows of one desk's callbacks over a period."""

    requested: int = 0
    placed: int = 0  # dialled at least once
    reached: int = 0
    unreached: int = 0


class DeskStore:
    """Agents, waiting callers and placed callbacks (raises ``STORE_ERRORS`` on failure)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- agents -------------------------------------------------------------------------------
    def add_agent(self, name: str, phone: str, desks: Iterable[str], now: datetime) -> Agent:
        """Add an agent, away until set available; raise AgentExists when the name is taken."""
        chosen = sorted(set(desks))
        try:
            with writing(self.engine) as conn:
                conn.execute(
                    insert(agents).values(
                        name=name,
                        phone=phone,
                        state=AgentState.AWAY.value,
                        state_since=now,
                        ring=0,
                        created_at=now,
                    )
                )
                conn.execute(insert(agent_desks), [{"agent": name, "desk": d} for d in chosen])
        except IntegrityError:
            raise AgentExists(f"there is already an agent '{name}'") from None
        found = self.agent(name)
        assert found is not None
        return found

    def remove_agent(self, name: str) -> bool:
        with writing(self.engine) as conn:
            conn.execute(delete(agent_desks).where(agent_desks.c.agent == name))
            result = conn.execute(delete(agents).where(agents.c.name == name))
        return bool(result.rowcount)

    def agents(self) -> list[Agent]:
        with self.engine.connect() as conn:
            return _agents(conn, select(agents).order_by(agents.c.name))

    def agent(self, name: str) -> Agent | None:
        with self.engine.connect() as conn:
            found = _agents(conn, select(agents).where(agents.c.name == name))
        return found[0] if found else None

    def staffed_desks(self) -> set[str]:
        """Return the desks that have at least one agent (whatever their state)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(agent_desks.c.desk).distinct()).scalars())

    def set_state(self, name: str, state: AgentState, now: datetime) -> bool:
        """Set an agent available or away (an operator's move); return whether it changed."""
        with writing(self.engine) as conn:
            result = conn.execute(
                update(agents)
                .where(agents.c.name == name, agents.c.state != state.value)
                .values(state=state.value, state_since=now, busy_until=None)
            )
        return bool(result.rowcount)

    def end_wrap_ups(self, now: datetime) -> int:
        """Make available the agents whose wrap-up is over; return how many."""
        with writing(self.engine) as conn:
            result = conn.execute(
                update(agents)
                .where(agents.c.state == AgentState.WRAP_UP.value, agents.c.busy_until <= now)
                .values(state=AgentState.AVAILABLE.value, state_since=agents.c.busy_until)
            )
        return int(result.rowcount)

    # -- callers waiting ----------------------------------------------------------------------
    def caller_waits(
        self,
        call_sid: str,
        desk: str,
        *,
        campus: str,
        central: str,
        entered_at: datetime,
        verified: bool,
        asked: str,
    ) -> bool:
        """Note a caller in a desk's queue (its first wait request); return whether it is new."""
        row = {
            "call_sid": call_sid,
            "desk": desk,
            "campus": campus[:200],
            "central": central[:32],
            "entered_at": entered_at,
            "verified": verified,
            "asked": asked[:200],
            "status": "waiting",
        }
        with writing(self.engine) as conn:
            before = conn.execute(
                select(func.count()).where(desk_callers.c.call_sid == call_sid)
            ).scalar_one()
            upsert(conn, desk_callers, [row], ["call_sid"], update=[])
        return not before

    def waiting(self, call_sid: str) -> Waiting | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(desk_callers).where(desk_callers.c.call_sid == call_sid)
            ).first()
        return _waiting(row._mapping) if row is not None else None

    def head(self, desk: str) -> Waiting | None:
        """Return the live caller Twilio bridges next: the oldest not yet answered."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(desk_callers)
                .where(
                    desk_callers.c.desk == desk,
                    desk_callers.c.status.in_(("waiting", "ringing")),
                )
                .order_by(desk_callers.c.entered_at, desk_callers.c.call_sid)
                .limit(1)
            ).first()
        return _waiting(row._mapping) if row is not None else None

    def line(self, desk: str) -> list[Entry]:
        """Return the desk's line: callers still waiting, callbacks not yet placed or retried."""
        with self.engine.connect() as conn:
            live = conn.execute(
                select(desk_callers.c.call_sid, desk_callers.c.entered_at).where(
                    desk_callers.c.desk == desk,
                    desk_callers.c.status.in_(("waiting", "ringing")),
                )
            ).all()
            later = conn.execute(
                select(callbacks.c.id, callbacks.c.entered_at, callbacks.c.requested_at).where(
                    callbacks.c.desk == desk,
                    callbacks.c.status.in_(("pending", "ringing")),
                    callbacks.c.window_start.is_(None),
                )
            ).all()
        return [Entry(Kind.CALLER, sid, desk, to_lima(at)) for sid, at in live] + [
            Entry(Kind.CALLBACK, str(cid), desk, to_lima(entered or requested))
            for cid, entered, requested in later
        ]

    def caller_left(self, call_sid: str, result: str, now: datetime) -> Waiting | None:
        """Note that a caller left the queue (the <Enqueue> action); return them as they were.

        An agent being rung for them is handed the next waiting caller of the desk, if any, so
        that no other agent is rung for that one too.
        """
        with writing(self.engine) as conn:
            row = conn.execute(
                select(desk_callers).where(desk_callers.c.call_sid == call_sid)
            ).first()
            if row is None:
                return None
            was = _waiting(row._mapping)
            answered = result in ("bridged", "bridging-in-process")
            conn.execute(
                update(desk_callers)
                .where(desk_callers.c.call_sid == call_sid)
                .values(
                    status="answered" if answered or was.answered_at else "left",
                    ended_at=now,
                    result=result[:32],
                )
            )
            if was.status == "ringing" and was.agent and not answered:
                _hand_over(conn, was.agent, was.desk, now)
        return was

    def bridged(self, call_sid: str, agent: str, now: datetime) -> Waiting | None:
        """Note that Twilio bridged this caller to ``agent`` (the <Queue> url on their leg).

        Twilio bridges the queue's front caller, who may be another than the one this agent
        was rung for (a second agent answered first): the two swap their claims.
        """
        with writing(self.engine) as conn:
            row = conn.execute(
                select(desk_callers).where(desk_callers.c.call_sid == call_sid)
            ).first()
            if row is None:
                return None
            was = _waiting(row._mapping)
            conn.execute(
                update(desk_callers)
                .where(desk_callers.c.call_sid == call_sid)
                .values(status="answered", agent=agent, answered_at=now)
            )
            claimed = conn.execute(
                select(desk_callers.c.call_sid).where(
                    desk_callers.c.agent == agent,
                    desk_callers.c.status == "ringing",
                    desk_callers.c.call_sid != call_sid,
                )
            ).scalar()
            if claimed is not None:
                other = was.agent if was.status == "ringing" and was.agent != agent else None
                conn.execute(
                    update(desk_callers)
                    .where(desk_callers.c.call_sid == claimed)
                    .values(agent=other, status="ringing" if other else "waiting")
                )
                if other:
                    conn.execute(
                        update(agents)
                        .where(agents.c.name == other, agents.c.offer_kind == Kind.CALLER.value)
                        .values(offer_ref=claimed)
                    )
        return was

    # -- the claim: which agent rings for whom ------------------------------------------------
    def claim(self, now: datetime, open_desks: Collection[str]) -> Claim | None:
        """Claim the longest-available agent for the oldest entry of a desk they serve.

        Callers waiting come from every staffed desk; callbacks only from ``open_desks`` (a
        callback is placed while its desk is open), once due (retry delay, promised window).
        """
        with writing(self.engine) as conn:
            free = conn.execute(
                select(agents.c.name, agents.c.state_since)
                .where(agents.c.state == AgentState.AVAILABLE.value)
                .order_by(agents.c.state_since, agents.c.name)
                .with_for_update(skip_locked=True)
            ).all()
            if not free:
                return None
            served = _desks_of(conn, [name for name, _ in free])
            desks = set().union(*served.values()) if served else set()
            if not desks:
                return None
            heads: list[tuple[Entry, str]] = []
            live = conn.execute(
                select(
                    desk_callers.c.call_sid,
                    desk_callers.c.desk,
                    desk_callers.c.entered_at,
                    desk_callers.c.central,
                )
                .where(desk_callers.c.status == "waiting", desk_callers.c.desk.in_(desks))
                .order_by(desk_callers.c.entered_at, desk_callers.c.call_sid)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if live is not None:
                entry = Entry(Kind.CALLER, live.call_sid, live.desk, to_lima(live.entered_at))
                heads.append((entry, live.central))
            due = desks & set(open_desks)
            if due:
                entered = func.coalesce(callbacks.c.entered_at, callbacks.c.requested_at)
                later = conn.execute(
                    select(
                        callbacks.c.id,
                        callbacks.c.desk,
                        entered.label("entered"),
                        callbacks.c.central,
                    )
                    .where(
                        callbacks.c.status == "pending",
                        callbacks.c.desk.in_(due),
                        *_due(now),
                    )
                    .order_by(entered, callbacks.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).first()
                if later is not None:
                    entry = Entry(Kind.CALLBACK, str(later.id), later.desk, to_lima(later.entered))
                    heads.append((entry, later.central or ""))
            idle = [
                Idle(name, frozenset(served.get(name, ())), to_lima(since)) for name, since in free
            ]
            chosen = pick([entry for entry, _ in heads], idle)
            if chosen is None:
                return None
            entry, agent = chosen
            central = next(c for e, c in heads if e == entry)
            taken = conn.execute(
                update(agents)
                .where(agents.c.name == agent.name, agents.c.state == AgentState.AVAILABLE.value)
                .values(
                    state=AgentState.RINGING.value,
                    state_since=now,
                    ring=agents.c.ring + 1,
                    call_sid=None,
                    offer_kind=entry.kind.value,
                    offer_ref=entry.ref,
                    offer_desk=entry.desk,
                )
            )
            if not taken.rowcount:
                return None
            if entry.kind == Kind.CALLER:
                conn.execute(
                    update(desk_callers)
                    .where(desk_callers.c.call_sid == entry.ref, desk_callers.c.status == "waiting")
                    .values(status="ringing", agent=agent.name, rung_at=now)
                )
            else:
                conn.execute(
                    update(callbacks)
                    .where(callbacks.c.id == int(entry.ref), callbacks.c.status == "pending")
                    .values(
                        status="ringing",
                        agent=agent.name,
                        rung_at=now,
                        dialled_at=None,
                        updated_at=now,
                    )
                )
            ring, phone = conn.execute(
                select(agents.c.ring, agents.c.phone).where(agents.c.name == agent.name)
            ).one()
        return Claim(
            agent.name,
            phone,
            int(ring),
            entry.kind,
            entry.ref,
            entry.desk,
            central,
            entry.entered_at,
        )

    def rang(self, agent: str, ring: int, call_sid: str) -> None:
        """Keep the agent's call leg of this ring (Twilio's answer to Calls.create)."""
        with writing(self.engine) as conn:
            conn.execute(
                update(agents)
                .where(agents.c.name == agent, agents.c.ring == ring)
                .values(call_sid=call_sid)
            )

    def answered(self, agent: str, ring: int, now: datetime) -> Agent | None:
        """The agent picked up this ring: on a call. Return them, or None for a stale ring."""
        with writing(self.engine) as conn:
            result = conn.execute(
                update(agents)
                .where(
                    agents.c.name == agent,
                    agents.c.ring == ring,
                    agents.c.state.in_((AgentState.RINGING.value, AgentState.ON_CALL.value)),
                )
                .values(state=AgentState.ON_CALL.value, state_since=now)
            )
            if not result.rowcount:
                return None
            found = _agents(conn, select(agents).where(agents.c.name == agent))
        return found[0] if found else None

    def unanswered(self, agent: str, ring: int, now: datetime) -> bool:
        """The agent's phone did not answer this ring: set them away, put the offer back."""
        return self._end_ring(agent, ring, AgentState.RINGING, AgentState.AWAY, now, None)

    def call_ended(self, agent: str, ring: int, now: datetime, wrap_up_s: int) -> bool:
        """The agent's call of this ring ended: wrap-up; a callback not dialled goes back."""
        until = now + timedelta(seconds=wrap_up_s)
        return self._end_ring(agent, ring, AgentState.ON_CALL, AgentState.WRAP_UP, now, until)

    def _end_ring(
        self,
        agent: str,
        ring: int,
        was: AgentState,
        state: AgentState,
        now: datetime,
        busy_until: datetime | None,
    ) -> bool:
        """Move an agent ``was`` in this ring to ``state``, giving its offer back; False when
        the agent is in another ring or state (a late or repeated webhook)."""
        with writing(self.engine) as conn:
            row = conn.execute(
                select(agents).where(
                    agents.c.name == agent, agents.c.ring == ring, agents.c.state == was.value
                )
            ).first()
            if row is None:
                return False
            _release_offer(conn, row._mapping, now)
            conn.execute(
                update(agents)
                .where(agents.c.name == agent)
                .values(
                    state=state.value,
                    state_since=now,
                    busy_until=busy_until,
                    offer_kind=None,
                    offer_ref=None,
                    offer_desk=None,
                )
            )
        return True

    # -- callbacks ----------------------------------------------------------------------------
    def keep_place(
        self,
        callback_id: int,
        *,
        entered_at: datetime,
        central: str,
        window: CallbackWindow | None = None,
    ) -> None:
        """Give a stored callback request its caller's place in line and, if any, its window."""
        with writing(self.engine) as conn:
            conn.execute(
                update(callbacks)
                .where(callbacks.c.id == callback_id, callbacks.c.entered_at.is_(None))
                .values(
                    entered_at=entered_at,
                    central=central[:32],
                    window_start=window.start if window else None,
                    window_end=window.end if window else None,
                )
            )

    def promise(
        self,
        callback_id: int,
        desk: str,
        slots: Iterable[CallbackWindow],
        capacity: int,
        *,
        entered_at: datetime,
        central: str,
    ) -> CallbackWindow | None:
        """Promise the callback the first window with room (``capacity`` per desk and window).

        The count and the booking are one transaction, taken in turn per desk (PostgreSQL: a
        transaction advisory lock; SQLite: its single writer), so no window is overbooked.
        """
        with writing(self.engine) as conn:
            if is_postgresql(self.engine):
                conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": WINDOW_LOCK + (zlib.crc32(desk.encode()) & 0xFFFF)},
                )
            for slot in slots:
                if _taken(conn, desk, slot, but=callback_id) < capacity:
                    conn.execute(
                        update(callbacks)
                        .where(callbacks.c.id == callback_id)
                        .values(
                            window_start=slot.start,
                            window_end=slot.end,
                            entered_at=entered_at,
                            central=central[:32],
                            next_attempt_at=slot.start,
                        )
                    )
                    return slot
        return None

    def free_window(
        self, desk: str, slots: Iterable[CallbackWindow], capacity: int
    ) -> CallbackWindow | None:
        """Return the first window with room for one more callback (to offer; ``promise``
        books it, and may find it filled meanwhile)."""
        with self.engine.connect() as conn:
            for slot in slots:
                if _taken(conn, desk, slot) < capacity:
                    return slot
        return None

    def placed(self, callback_id: int) -> Placed | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).first()
        return _placed(row._mapping) if row is not None else None

    def all_placed(self, desk: str | None = None) -> list[Placed]:
        query = select(callbacks).order_by(callbacks.c.id)
        if desk is not None:
            query = query.where(callbacks.c.desk == desk)
        with self.engine.connect() as conn:
            return [_placed(row._mapping) for row in conn.execute(query)]

    def dial(self, callback_id: int, agent: str, now: datetime) -> Placed | None:
        """Count a dial of this callback by ``agent``, once per ring; None if already dialled."""
        with writing(self.engine) as conn:
            result = conn.execute(
                update(callbacks)
                .where(
                    callbacks.c.id == callback_id,
                    callbacks.c.status == "ringing",
                    callbacks.c.agent == agent,
                    callbacks.c.dialled_at.is_(None),
                )
                .values(dialled_at=now, attempts=callbacks.c.attempts + 1, updated_at=now)
            )
            if not result.rowcount:
                return None
            row = conn.execute(select(callbacks).where(callbacks.c.id == callback_id)).one()
        return _placed(row._mapping)

    def dialled(
        self, callback_id: int, agent: str, reached: bool, now: datetime, retry_after_s: int
    ) -> str | None:
        """Record how the dial went: reached, or pending again later, or unreached."""
        with writing(self.engine) as conn:
            row = conn.execute(
                select(callbacks.c.attempts).where(
                    callbacks.c.id == callback_id,
                    callbacks.c.status == "ringing",
                    callbacks.c.agent == agent,
                    callbacks.c.dialled_at.is_not(None),
                )
            ).first()
            if row is None:
                return None
            status, retry = after_attempt(int(row.attempts), reached, now, retry_after_s)
            conn.execute(
                update(callbacks)
                .where(callbacks.c.id == callback_id)
                .values(
                    status=status,
                    next_attempt_at=retry,
                    updated_at=now,
                    dialled_at=None,
                    window_start=None if retry else callbacks.c.window_start,
                )
            )
        return status

    def cancel(self, callback_id: int, now: datetime) -> bool:
        """Cancel a callback not yet being placed; return whether it was."""
        with writing(self.engine) as conn:
            result = conn.execute(
                update(callbacks)
                .where(callbacks.c.id == callback_id, callbacks.c.status == "pending")
                .values(status="cancelled", updated_at=now)
            )
        return bool(result.rowcount)

    def figures(self, start: datetime, end: datetime) -> dict[str, DeskFigures]:
        """Count callbacks requested in ``[start, end)`` per desk: placed, reached, unreached."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    callbacks.c.desk,
                    func.count(),
                    func.sum(_case(callbacks.c.attempts > 0)),
                    func.sum(_case(callbacks.c.status.in_(REACHED))),
                    func.sum(_case(callbacks.c.status.in_(("unreached", "abandoned")))),
                )
                .where(callbacks.c.requested_at >= start, callbacks.c.requested_at < end)
                .group_by(callbacks.c.desk)
            ).all()
        return {
            desk: DeskFigures(int(n), int(p or 0), int(r or 0), int(u or 0))
            for desk, n, p, r, u in rows
        }

    def callback_facts(self, start: datetime, end: datetime) -> list[CallbackFact]:
        """Return the callbacks requested in ``[start, end)``, as the desk figures count them."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    callbacks.c.desk,
                    callbacks.c.requested_at,
                    callbacks.c.attempts,
                    callbacks.c.status,
                )
                .where(callbacks.c.requested_at >= start, callbacks.c.requested_at < end)
                .order_by(callbacks.c.requested_at, callbacks.c.id)
            ).all()
        return [
            CallbackFact(desk, to_lima(at), attempts > 0, status in REACHED)
            for desk, at, attempts, status in rows
        ]


def _taken(conn: Connection, desk: str, slot: CallbackWindow, but: int | None = None) -> int:
    """Count the callbacks promised ``slot`` at ``desk`` (``but`` that one)."""
    query = select(func.count()).where(
        callbacks.c.desk == desk,
        callbacks.c.window_start == slot.start,
        callbacks.c.status != "cancelled",
    )
    if but is not None:
        query = query.where(callbacks.c.id != but)
    return int(conn.execute(query).scalar_one())


def _case(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _hand_over(conn: Connection, agent: str, desk: str, now: datetime) -> None:
    """Give a ringing agent the desk's next in line (a waiting caller, or a callback due, the
    older first; often the callback the caller who left just asked for), or nothing."""
    live = conn.execute(
        select(desk_callers.c.call_sid, desk_callers.c.entered_at)
        .where(desk_callers.c.status == "waiting", desk_callers.c.desk == desk)
        .order_by(desk_callers.c.entered_at, desk_callers.c.call_sid)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    entered = func.coalesce(callbacks.c.entered_at, callbacks.c.requested_at)
    later = conn.execute(
        select(callbacks.c.id, entered.label("entered"))
        .where(callbacks.c.status == "pending", callbacks.c.desk == desk, *_due(now))
        .order_by(entered, callbacks.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    kind, ref = Kind.CALLER, None
    if later is not None and (live is None or later.entered < live.entered_at):
        kind, ref = Kind.CALLBACK, str(later.id)
        conn.execute(
            update(callbacks)
            .where(callbacks.c.id == later.id)
            .values(status="ringing", agent=agent, rung_at=now, dialled_at=None, updated_at=now)
        )
    elif live is not None:
        ref = live.call_sid
        conn.execute(
            update(desk_callers)
            .where(desk_callers.c.call_sid == ref)
            .values(status="ringing", agent=agent, rung_at=now)
        )
    conn.execute(
        update(agents)
        .where(agents.c.name == agent, agents.c.offer_kind == Kind.CALLER.value)
        .values(offer_kind=kind.value, offer_ref=ref)
    )


def _due(now: datetime) -> tuple[Any, ...]:
    """The conditions of a pending callback that may be placed now (retry delay, window)."""
    return (
        or_(callbacks.c.next_attempt_at.is_(None), callbacks.c.next_attempt_at <= now),
        or_(callbacks.c.window_start.is_(None), callbacks.c.window_start <= now),
    )


def _release_offer(conn: Connection, agent: Mapping[Any, Any], now: datetime) -> None:
    """Put back what a ring was for: a caller waits again, a callback not dialled is pending."""
    ref = agent["offer_ref"]
    if ref is None:
        return
    if agent["offer_kind"] == Kind.CALLER.value:
        conn.execute(
            update(desk_callers)
            .where(
                desk_callers.c.call_sid == ref,
                desk_callers.c.status == "ringing",
                desk_callers.c.agent == agent["name"],
            )
            .values(status="waiting", agent=None)
        )
    elif agent["offer_kind"] == Kind.CALLBACK.value:
        conn.execute(
            update(callbacks)
            .where(
                callbacks.c.id == int(ref),
                callbacks.c.status == "ringing",
                callbacks.c.agent == agent["name"],
                callbacks.c.dialled_at.is_(None),
            )
            .values(status="pending", agent=None, updated_at=now)
        )


def _desks_of(conn: Connection, names: list[str]) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    rows = conn.execute(
        select(agent_desks.c.agent, agent_desks.c.desk).where(agent_desks.c.agent.in_(names))
    )
    for name, desk in rows:
        served.setdefault(name, set()).add(desk)
    return served


def _agents(conn: Connection, query: Any) -> list[Agent]:
    rows = conn.execute(query).all()
    served = _desks_of(conn, [row.name for row in rows]) if rows else {}
    return [
        Agent(
            name=row.name,
            phone=row.phone,
            desks=tuple(sorted(served.get(row.name, ()))),
            state=AgentState(row.state),
            state_since=to_lima(row.state_since),
            busy_until=to_lima(row.busy_until) if row.busy_until else None,
            ring=int(row.ring),
            call_sid=row.call_sid,
            offer_kind=Kind(row.offer_kind) if row.offer_kind else None,
            offer_ref=row.offer_ref,
            offer_desk=row.offer_desk,
        )
        for row in rows
    ]


def _waiting(row: Mapping[Any, Any]) -> Waiting:
    return Waiting(
        call_sid=row["call_sid"],
        desk=row["desk"],
        campus=row["campus"],
        central=row["central"],
        entered_at=to_lima(row["entered_at"]),
        verified=bool(row["verified"]),
        asked=row["asked"],
        status=row["status"],
        agent=row["agent"],
        answered_at=to_lima(row["answered_at"]) if row["answered_at"] else None,
    )


def _placed(row: Mapping[Any, Any]) -> Placed:
    start, end = row["window_start"], row["window_end"]
    return Placed(
        id=int(row["id"]),
        number=row["number"],
        desk=row["desk"],
        status=row["status"],
        attempts=int(row["attempts"]),
        entered_at=to_lima(row["entered_at"] or row["requested_at"]),
        requested_at=to_lima(row["requested_at"]),
        central=row["central"],
        agent=row["agent"],
        next_attempt_at=to_lima(row["next_attempt_at"]) if row["next_attempt_at"] else None,
        window=CallbackWindow(to_lima(start), to_lima(end)) if start and end else None,
        dialled_at=to_lima(row["dialled_at"]) if row["dialled_at"] else None,
    )
