"""Ring desks' agents: the oldest caller or callback of a desk, the longest-available agent.

``dispatch`` claims (``DeskStore.claim``, exactly once across hosts) and rings, one agent per
claim, until no available agent serves a desk with someone in line. It runs every second as a
job of the scheduler's leader (``ivr.scheduler``), and at once, in a thread of its own, when a
webhook notices a caller start waiting or an agent become available (``nudge``): an agent is
rung within a second or two of either, and the webhook's answer never waits for Twilio's REST
API.

It needs the stores, the operator files and the outbound client of a running app
(``DeskServices``, which ``ivr.runtime.Runtime`` is), so it sits with the outbound client,
below the runtime, and every layer above may call it.

The agent's phone is called through Twilio's REST API (``Calls.create``), ``From`` the number
the caller dialled; Twilio then requests ``/voice/agent/<name>/answer`` when the agent picks
up and posts the call's progress to ``/voice/agent/<name>/status`` (``ivr.web.agents``).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Protocol
from urllib.parse import quote

from ivr.config.loader import Config
from ivr.core.desks import Kind
from ivr.core.events import CallEvent
from ivr.core.menu import TransferNode
from ivr.core.schedule import evaluation
from ivr.outbound.twilio import CallPlacer, TwilioError
from ivr.settings import AppSettings
from ivr.storage.calls import StepRecorder
from ivr.storage.database import STORE_ERRORS, describe
from ivr.storage.desks import Claim, DeskStore
from ivr.storage.override import OverrideStore

log = logging.getLogger("ivr.desks")

DISPATCH_JOB = "desks-dispatch"
DISPATCH_EVERY = 1.0  # seconds between two runs of the scheduler's job
# What Twilio posts to the agent leg's status callback (its "StatusCallbackEvent" values).
AGENT_EVENTS = ("initiated", "ringing", "answered", "completed")


class DeskServices(Protocol):
    """What the dispatcher uses of a running app (``ivr.runtime.Runtime``)."""

    @property
    def config(self) -> Config: ...

    @property
    def settings(self) -> AppSettings: ...

    @property
    def override_store(self) -> OverrideStore: ...

    @property
    def desks(self) -> DeskStore: ...

    @property
    def outbound_calls(self) -> CallPlacer | None: ...

    @property
    def calls(self) -> StepRecorder: ...

    def now(self) -> datetime: ...


def desk_lines(runtime: DeskServices) -> dict[str, str]:
    """Return each desk's line (the schedules' line its transfer names), by queue name."""
    nodes = runtime.config.menus.nodes.values()
    return {n.queue: n.line for n in nodes if isinstance(n, TransferNode) and n.queue}


def open_desks(runtime: DeskServices, desks: set[str], now: datetime) -> set[str]:
    """Return which of ``desks`` are open now (callbacks are placed only then)."""
    lines = desk_lines(runtime)
    override = runtime.override_store.get(now)
    schedules = runtime.config.schedules
    return {
        desk
        for desk in desks
        if desk in lines
        and evaluation.status(schedules, now, line=lines[desk], override=override).open
    }


def agent_url(runtime: DeskServices, name: str, what: str, ring: int) -> str | None:
    """Return the absolute URL Twilio calls for an agent's ring; None without IVR_PUBLIC_URL."""
    base = runtime.settings.public_url
    if not base:
        return None
    return f"{base.rstrip('/')}/voice/agent/{quote(name, safe='')}/{what}?ring={ring}"


def dispatch(runtime: DeskServices) -> list[Claim]:
    """Ring every agent that can be rung now; return the claims rung."""
    store = runtime.desks
    staffed = store.staffed_desks()
    if not staffed:
        return []
    now = runtime.now()
    store.end_wrap_ups(now)
    placer = runtime.outbound_calls  # the one Twilio REST client (ivr.outbound.twilio)
    if placer is None or not runtime.settings.public_url:
        log.error(
            "desks have agents but cannot ring them: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN "
            "and IVR_PUBLIC_URL"
        )
        return []
    opened = open_desks(runtime, staffed, now)
    fallback = next(iter(runtime.config.directory.lines), "")
    rung: list[Claim] = []
    while (claim := store.claim(now, opened)) is not None:
        if _ring(runtime, placer, claim, claim.central or fallback, now):
            rung.append(claim)
    return rung


def _ring(
    runtime: DeskServices, placer: CallPlacer, claim: Claim, from_: str, now: datetime
) -> bool:
    url = agent_url(runtime, claim.agent, "answer", claim.ring)
    status = agent_url(runtime, claim.agent, "status", claim.ring)
    assert url is not None and status is not None
    try:
        sid = placer.place_call(claim.phone, from_, url, status, AGENT_EVENTS)
    except TwilioError as error:  # Twilio refused, or did not answer: not rung now
        log.warning("agent %s could not be rung (%s): set away", claim.agent, error)
        runtime.desks.unanswered(claim.agent, claim.ring, now)
        return False
    runtime.desks.rang(claim.agent, claim.ring, sid)
    log.info("agent %s rung for %s %s, desk %s", claim.agent, claim.kind.value,
             claim.ref if claim.kind == Kind.CALLBACK else "caller", claim.desk)  # fmt: skip
    if claim.kind == Kind.CALLER:
        runtime.calls.step(claim.ref, now, None, claim.desk, CallEvent.DESK_RUNG,
                           f"{claim.desk} agent {claim.agent}")  # fmt: skip
    return True


def dispatch_logged(runtime: DeskServices) -> None:
    """Run ``dispatch``, logging a failure instead of raising (a job, a nudge's thread)."""
    try:
        dispatch(runtime)
    except STORE_ERRORS as error:
        log.error("desks: cannot dispatch now (%s); the next run tries again", describe(error))
    except Exception:
        log.exception("desks: dispatch failed; the next run tries again")


# Per runtime (an app): one dispatch at a time in this process (other hosts: the claims), and
# whether another was asked for while it ran.
_turns: dict[int, tuple[threading.Lock, threading.Event]] = {}
_turns_lock = threading.Lock()


def nudge(runtime: DeskServices) -> None:
    """Dispatch now in a background thread: a caller started waiting, an agent became free.

    A nudge while a dispatch runs makes it run once more, so no event is missed.
    """
    with _turns_lock:
        running, again = _turns.setdefault(id(runtime), (threading.Lock(), threading.Event()))
    again.set()
    if running.locked():
        return
    threading.Thread(
        target=_drain, args=(runtime, running, again), name="ivr-desks-nudge", daemon=True
    ).start()


def _drain(runtime: DeskServices, running: threading.Lock, again: threading.Event) -> None:
    while again.is_set() and running.acquire(blocking=False):
        try:
            while again.is_set():
                again.clear()
                dispatch_logged(runtime)
        finally:
            running.release()
