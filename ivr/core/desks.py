"""Desks answered by the service: agents' states, the desk's line, whispers, callback windows.

A desk (a Twilio queue named in menus/) may have agents: people whose phone the service rings
when a caller waits or a callback is due. The desk's line holds the live callers and the
callbacks together, in the order their callers entered the queue (a callback keeps its
caller's place). Who is served next is the line's head; which agent is rung is the one
available the longest.

Pure: the stores hand in rows, the clock's reading and the line's windows; nothing here reads
a clock or a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from ivr.core.lima import to_lima
from ivr.core.queue.wait import spoken_digits
from ivr.core.schedule.evaluation import Window
from ivr.core.schedule.wording import spoken_time
from ivr.core.spoken import date_words, number_words

MAX_ATTEMPTS = 3  # calls to the student before a callback is given up as unreached
DEFAULT_WRAP_UP = 30  # seconds after a call before the agent is rung again
DEFAULT_RETRY_AFTER = 10 * 60  # seconds between two attempts of a callback
DEFAULT_WINDOW_CAPACITY = 6  # callbacks promised per desk in one window
# Seconds an agent is assumed to take per caller ahead (and for the callback itself), to judge
# whether a callback is placed before the desk closes; queues.yaml's ``handle`` per desk.
DEFAULT_HANDLE = 5 * 60
WINDOW = timedelta(hours=1)  # a promised callback is placed within this hour
KEY_CALL = "1"  # the agent's key that dials the student of a callback


class AgentState(StrEnum):
    """Where an agent stands; the dispatcher rings only ``available`` agents."""

    AVAILABLE = "available"
    RINGING = "ringing"  # the service is calling the agent's phone for one caller or callback
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"  # after a call, for the desk's wrap-up seconds
    AWAY = "away"


AGENT_STATES = tuple(state.value for state in AgentState)

# Which state may follow which (the service's own moves; an operator sets available or away).
TRANSITIONS: dict[AgentState, frozenset[AgentState]] = {
    AgentState.AVAILABLE: frozenset({AgentState.RINGING, AgentState.AWAY}),
    # answered; not answered (set away); the offer vanished before the phone rang
    AgentState.RINGING: frozenset({AgentState.ON_CALL, AgentState.AWAY, AgentState.AVAILABLE}),
    AgentState.ON_CALL: frozenset({AgentState.WRAP_UP}),
    AgentState.WRAP_UP: frozenset({AgentState.AVAILABLE, AgentState.AWAY}),
    AgentState.AWAY: frozenset({AgentState.AVAILABLE}),
}


def can_move(old: AgentState, new: AgentState) -> bool:
    """Return whether an agent in ``old`` may go to ``new`` (staying put is always allowed)."""
    return old == new or new in TRANSITIONS[old]


def operator_refusal(current: AgentState, wanted: AgentState) -> str | None:
    """Say why an operator may not set ``wanted`` now (ringing or on a call), or None."""
    if wanted not in (AgentState.AVAILABLE, AgentState.AWAY):
        return f"an agent is set available or away, not {wanted.value}"
    if current in (AgentState.RINGING, AgentState.ON_CALL):
        said = "being rung" if current == AgentState.RINGING else "on a call"
        return f"is {said}; set the state once the call ends"
    return None


# -- the line --------------------------------------------------------------------------------
class Kind(StrEnum):
    CALLER = "caller"  # a live caller in the desk's Twilio queue
    CALLBACK = "callback"


CALLBACK_STATES = ("pending", "ringing", "reached", "unreached", "cancelled")


@dataclass(frozen=True, slots=True)
class Entry:
    """One place in a desk's line: a live caller (its CallSid) or a callback (its id)."""

    kind: Kind
    ref: str
    desk: str
    entered_at: datetime


def line(entries: Iterable[Entry]) -> list[Entry]:
    """Return the desk's line: callers and callbacks in the order their callers entered."""
    return sorted(entries, key=lambda e: (e.entered_at, e.kind != Kind.CALLBACK, e.ref))


def position(entered_at: datetime, entries: Iterable[Entry]) -> int:
    """Return the place (1 = next) of whoever entered at ``entered_at`` among ``entries``."""
    return 1 + sum(1 for e in entries if e.entered_at < entered_at)


def callbacks_ahead(entered_at: datetime, entries: Iterable[Entry]) -> int:
    """Return how many callbacks entered before ``entered_at``: a live caller's place counts
    them, since Twilio's QueuePosition counts only the callers in its queue."""
    return sum(1 for e in entries if e.kind == Kind.CALLBACK and e.entered_at < entered_at)


@dataclass(frozen=True, slots=True)
class Idle:
    """An available agent and since when (the longest idle is rung first)."""

    name: str
    desks: frozenset[str]
    since: datetime


def pick(heads: Sequence[Entry], agents: Sequence[Idle]) -> tuple[Entry, Idle] | None:
    """Return the oldest entry some available agent serves, and the agent idle the longest."""
    for entry in line(heads):
        serving = [agent for agent in agents if entry.desk in agent.desks]
        if serving:
            return entry, min(serving, key=lambda a: (a.since, a.name))
    return None


# -- whispers: what the agent hears before the bridge (never a code, a DNI or an amount) ------
def minutes_text(seconds: float) -> str:
    minutes = max(0, int(seconds // 60))
    if minutes == 0:
        return "menos de un minuto"
    unit = "minuto" if minutes == 1 else "minutos"
    return f"{number_words(minutes, 'masculine')} {unit}"


def caller_whisper(desk_title: str, waited_s: float, verified: bool, asked: str) -> str:
    """Tell the agent who is next: desk, wait, whether verified, what they asked for."""
    parts = [f"{desk_title}.", f"Una persona espera desde hace {minutes_text(waited_s)}."]
    parts.append(
        "Verificó su identidad en la central."
        if verified
        else "No verificó su identidad en la central."
    )
    if asked:
        parts.append(f"Eligió: {asked}.")
    return " ".join(parts)


def callback_whisper(desk_title: str, requested_s: float, number: str) -> str:
    """Tell the agent which callback to place, and how to place it."""
    return (
        f"Una devolución de llamada para {desk_title}, solicitada hace "
        f"{minutes_text(requested_s)}, al número {spoken_digits(number)}. "
        f"Marque {KEY_CALL} para llamar."
    )


NOBODY_WAITS = "La persona que esperaba ya colgó. Gracias."
NO_KEY = "No marcó ninguna opción. La devolución de llamada queda pendiente."
ALREADY_DIALLED = "Esta devolución de llamada ya fue marcada."
DIALLING = "Llamando."
THANKS = "Gracias."
BRIDGING = "Le comunicamos con un asesor."


# -- retries ----------------------------------------------------------------------------------
def after_attempt(
    attempts: int, reached: bool, now: datetime, retry_after_s: int
) -> tuple[str, datetime | None]:
    """Return a callback's status after a dial, and when to try again (None: no retry)."""
    if reached:
        return "reached", None
    if attempts >= MAX_ATTEMPTS:
        return "unreached", None
    return "pending", now + timedelta(seconds=retry_after_s)


# -- callback windows -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallbackWindow:
    """An hour within which a promised callback is placed."""

    start: datetime
    end: datetime


def slots(
    windows: Iterable[Window], now: datetime, length: timedelta = WINDOW
) -> list[CallbackWindow]:
    """Return the hours of the next opening after ``now``: its first stretch that starts later.

    Adjacent open windows (weekly hours meeting special hours) make one stretch; a stretch
    under way at ``now`` is skipped, since the caller is offered a time they can count on.
    """
    stretches: list[tuple[datetime, datetime]] = []
    for window in windows:
        if not window.open:
            continue
        if stretches and stretches[-1][1] == window.start:
            stretches[-1] = (stretches[-1][0], window.end)
        else:
            stretches.append((window.start, window.end))
    out: list[CallbackWindow] = []
    for start, end in stretches:
        if start <= now:
            continue
        moment = start
        while moment < end:
            out.append(CallbackWindow(moment, min(moment + length, end)))
            moment += length
        break
    return out


def next_window(
    windows: Iterable[Window], now: datetime, taken: Callable[[datetime], int], capacity: int
) -> CallbackWindow | None:
    """Return the first hour of the next opening with room (``taken`` counts a window's
    promised callbacks), or None when the next opening is full or none is known."""
    for slot in slots(windows, now):
        if taken(slot.start) < capacity:
            return slot
    return None


def _article(said: str, moment: datetime) -> str:
    if said.startswith(("mediodía", "medianoche")):
        return "el"
    return "la" if moment.hour % 12 == 1 else "las"


def between(start: datetime, end: datetime) -> str:
    """Say an hour range: "entre las 9 y las 10 de la mañana", "entre las 11 de la mañana y
    el mediodía"."""
    first, last = spoken_time(start.time()), spoken_time(end.time())
    first_part = first.split(" de la ", 1)
    last_part = last.split(" de la ", 1)
    if len(first_part) == 2 and len(last_part) == 2 and first_part[1] == last_part[1]:
        first = first_part[0]
    return f"entre {_article(first, start)} {first} y {_article(last, end)} {last}"


def window_when(window: CallbackWindow, now: datetime) -> str:
    """Say a window: "el lunes 23 de marzo entre las 9 y las 10 de la mañana"."""
    start, end = to_lima(window.start), to_lima(window.end)
    day = date_words(start.date(), with_year=start.year != to_lima(now).year)
    return f"el {day} {between(start, end)}"


def window_text(window: CallbackWindow, now: datetime) -> str:
    """Say when a promised callback will come: "Le llamaremos el lunes 23 de marzo entre las 9
    y las 10 de la mañana." """
    return f"Le llamaremos {window_when(window, now)}."


def placed_in_turn(
    now: datetime, is_open: bool, closes: datetime | None, ahead: int, handle_s: int
) -> bool:
    """Return whether a callback with ``ahead`` in line before it is placed before the desk
    closes (``closes``: its next change, None when it stays open), at ``handle_s`` each."""
    if not is_open:
        return False
    return closes is None or now + timedelta(seconds=handle_s * (ahead + 1)) < closes


def promised_texts(window: CallbackWindow, number: str, now: datetime) -> tuple[str, ...]:
    """What the caller hears when their callback was promised a window."""
    when = window_text(window, now).removesuffix(".")
    return ("Registramos su pedido.", f"{when}, al {spoken_digits(number)}.")


def window_note(window: CallbackWindow | None) -> list[str] | None:
    """The promised window as a call's notes keep it (JSON), or None."""
    return [window.start.isoformat(), window.end.isoformat()] if window else None


def noted_window(note: object) -> CallbackWindow | None:
    """Read back ``window_note``."""
    if not isinstance(note, list) or len(note) != 2:
        return None
    try:
        return CallbackWindow(datetime.fromisoformat(note[0]), datetime.fromisoformat(note[1]))
    except (TypeError, ValueError):
        return None
