"""What one call's queue dialogue uses: its notes, the callback requests, the SMS sender.

The adapter between ``ivr.core.queue.dialogue`` and storage (and Twilio's REST API for the
text): it hands the core plain values and answers a failure of a store or of Twilio with what
the core can say ({} for notes, a ``Sent`` for a callback refused or a text), logging why.
Callbacks and texts are counted against queues.yaml's limits (``OutboundStore``); a text is
recorded once per call, then sent in the background (``Background``): the caller hears at once
that it is on its way, and the record says later whether Twilio took it.

For a desk with agents (``DeskLink``) it also keeps the desk's line: who waits, who left, and
where a callback goes in it (its caller's place, or an hour of the next opening).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from ivr.core import desks
from ivr.core.desks import CallbackWindow
from ivr.core.menu import TransferNode
from ivr.core.queue.dialogue import CallbackStored, Sent
from ivr.core.queue.wait import OutboundLimits, QueueSettings
from ivr.core.schedule import evaluation
from ivr.core.schedule.model import Override, Schedules
from ivr.outbound.background import Background
from ivr.outbound.twilio import SmsSender, TwilioError
from ivr.storage.callbacks import CallbackStore, mask_number
from ivr.storage.database import STORE_ERRORS, describe, log_store_error
from ivr.storage.desks import DeskStore
from ivr.storage.outbound import CALLBACK, OutboundStore, OverLimit, Quota
from ivr.storage.sessions import SessionStore

log = logging.getLogger("ivr.queue")

CHANNELS = "channels"  # the choice of the text with the other channels (its idempotency key)


def notes_key(call_sid: str) -> str:
    """Name the session that holds a call's queue notes."""
    return f"{call_sid}:queue"  # beside, not inside, the call's self-service session


@dataclass(frozen=True, slots=True)
class DeskLink:
    """What a call needs of the desks answered by the service (``ivr.core.desks``)."""

    store: DeskStore
    schedules: Schedules
    override: Override | None
    queues: QueueSettings
    central: str  # the number the caller dialled: the agent's and the student's caller ID
    nudge: Callable[[], None]  # dispatch now, in the background (ivr.outbound.desks.nudge)

    def staffed(self, desk: str) -> bool:
        """Return whether ``desk`` has agents (a store failure: as if it had none)."""
        try:
            return desk in self.store.staffed_desks()
        except STORE_ERRORS as error:
            log.error("desks: cannot read the agents (%s)", describe(error))
            return False

    def place(
        self, callback_id: int, desk: TransferNode, entered: datetime, now: datetime
    ) -> CallbackWindow | None:
        """Give a callback its caller's place, or an hour of the next opening when it would
        not be placed before the desk closes; return the hour promised (None: in line)."""
        assert desk.queue is not None
        setting = self.queues.desk(desk.queue)
        status = evaluation.status(self.schedules, now, line=desk.line, override=self.override)
        ahead = desks.position(entered, self.store.line(desk.queue)) - 1
        closes = status.next_change if status.open else None
        if desks.placed_in_turn(now, status.open, closes, ahead, setting.handle):
            self.store.keep_place(callback_id, entered_at=entered, central=self.central)
            self.nudge()
            return None
        windows = evaluation.windows(
            self.schedules, now, evaluation.HORIZON.days, line=desk.line, override=self.override
        )
        slot = self.store.promise(
            callback_id,
            desk.queue,
            desks.slots(windows, now),
            setting.window_capacity,
            entered_at=entered,
            central=self.central,
        )
        if slot is None:  # the next opening is full: in line, placed when an agent is free
            self.store.keep_place(callback_id, entered_at=entered, central=self.central)
        return slot


def offered_window(
    store: DeskStore,
    schedules: Schedules,
    override: Override | None,
    queues: QueueSettings,
    desk: TransferNode,
    now: datetime,
) -> CallbackWindow | None:
    """Return the hour of a closed desk's next opening its agents would call back in, without
    booking it; None: no agents, no callbacks offered, that opening full, or no store."""
    if desk.queue is None or not queues.desk(desk.queue).callback:
        return None
    try:
        if desk.queue not in store.staffed_desks():
            return None
        windows = evaluation.windows(
            schedules, now, evaluation.HORIZON.days, line=desk.line, override=override
        )
        capacity = queues.desk(desk.queue).window_capacity
        return store.free_window(desk.queue, desks.slots(windows, now), capacity)
    except STORE_ERRORS as error:
        log.error("desks: cannot offer a callback (%s)", describe(error))
        return None


class QueueCall:
    """The stores and the SMS sender, seen from one call at one instant."""

    def __init__(
        self,
        sessions: SessionStore,
        callbacks: CallbackStore,
        sms: SmsSender | None,
        call_sid: str,
        now: datetime,
        desks: DeskLink | None = None,
        *,
        outbound: OutboundStore | None = None,
        limits: OutboundLimits | None = None,
        caller: str = "",
        background: Background | None = None,
        clock: Callable[[], datetime] | None = None,
        history: Callable[[str], Sequence[int]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.callbacks = callbacks
        self.sms = sms
        self.call_sid = call_sid
        self.now = now
        self.outbound = outbound  # None: no limits, no text (a store is needed for either)
        self.limits = limits or OutboundLimits()
        self.caller = caller  # Twilio's From
        self.background = background  # None: send in this thread
        self.clock = clock or (lambda: now)  # when a text's sending ended
        self.desks = desks
        self.history = history  # a desk's answered waits (WaitHistory, cached); None: none

    @property
    def can_text(self) -> bool:
        return self.sms is not None

    def notes(self) -> Mapping[str, Any]:
        if not self.call_sid:
            return {}
        try:
            return self.sessions.get(notes_key(self.call_sid), self.now)
        except STORE_ERRORS:
            log.exception("cannot read the queue notes of this call")
            return {}

    def note(self, **values: Any) -> None:
        if not self.call_sid:
            return
        key = notes_key(self.call_sid)
        try:
            notes = self.sessions.get(key, self.now)
            self.sessions.put(key, {**notes, **values}, self.now)
        except STORE_ERRORS:
            log.exception("cannot write the queue notes of this call")

    def request_callback(
        self, number: str, desk: TransferNode, campus: str
    ) -> CallbackStored | Sent:
        assert desk.queue is not None
        outbound = self.outbound
        limit = None
        if outbound is not None:
            quotas = outbound.callback_quotas(self.limits, self.caller, number)
            limit = partial(_take, outbound, quotas, self.now)
        try:
            stored = self.callbacks.request(
                self.call_sid, number, desk.queue, campus, self.now, limit=limit
            )
        except OverLimit as over:
            assert outbound is not None
            outbound.refused(over)
            log.info("callback for %s refused: over its %s limit", mask_number(number), over.scope)
            return Sent.LIMITED
        except STORE_ERRORS:
            log.exception("cannot store a callback request")
            return Sent.FAILED
        log.info("callback requested for %s, desk %s", mask_number(number), desk.queue)
        link = self.desks
        if link is None or not link.staffed(desk.queue):
            return CallbackStored()
        try:
            waiting = link.store.waiting(self.call_sid) if self.call_sid else None
            entered = waiting.entered_at if waiting else self.now
            return CallbackStored(link.place(stored.id, desk, entered, self.now))
        except STORE_ERRORS as error:  # stored: the desk's lead still sees it
            log_store_error(log, "desks: cannot place a callback in line", error)
            return CallbackStored()

    def desk_waiting(self, queue: str, campus: str, queue_time_s: int, asked: str) -> int:
        link = self.desks
        if link is None or not self.call_sid or not link.staffed(queue):
            return 0
        try:
            session = self.sessions.get(self.call_sid, self.now)
            new = link.store.caller_waits(
                self.call_sid,
                queue,
                campus=campus,
                central=link.central,
                entered_at=self.now - timedelta(seconds=queue_time_s),
                verified="code" in session,  # the self-service session of a verified caller
                asked=asked,
            )
            waiting = link.store.waiting(self.call_sid)
            line = link.store.line(queue)
        except STORE_ERRORS as error:
            log.error("desks: cannot note a waiting caller (%s)", describe(error))
            return 0
        if new:
            link.nudge()
        return desks.callbacks_ahead(waiting.entered_at, line) if waiting else 0

    def desk_left(self, queue_result: str) -> None:
        if self.desks is None or not self.call_sid:
            return
        try:
            self.desks.store.caller_left(self.call_sid, queue_result, self.now)
        except STORE_ERRORS as error:
            log.error("desks: cannot note a caller leaving (%s)", describe(error))

    def answered_waits(self, queue: str) -> Sequence[int]:
        return self.history(queue) if self.history is not None else ()

    def closing_window(self, desk: TransferNode) -> CallbackWindow | None:
        link = self.desks
        if link is None:
            return None
        return offered_window(
            link.store, link.schedules, link.override, link.queues, desk, self.now
        )

    def send_sms(self, to: str, from_: str, body: str) -> Sent:
        sms, outbound = self.sms, self.outbound
        if sms is None or outbound is None or not self.call_sid:
            return Sent.FAILED  # no account, or nothing to record the text under
        try:
            quotas = outbound.sms_quotas(self.limits, to)
            if not outbound.claim_message(self.call_sid, CHANNELS, to, quotas, self.now):
                earlier = outbound.message(self.call_sid, CHANNELS)
                # pressed again after Twilio refused it: the channels, said instead
                failed = earlier is not None and earlier.status == "failed"
                return Sent.FAILED if failed else Sent.ALREADY
        except OverLimit as over:
            log.info("SMS to %s refused: over its %s limit", mask_number(to), over.scope)
            return Sent.LIMITED
        except STORE_ERRORS:
            log.exception("cannot record an SMS: not sent")
            return Sent.FAILED
        job = partial(_deliver, sms, outbound, self.call_sid, to, from_, body, self.clock)
        if self.background is None:
            job()
            return Sent.DONE
        try:
            self.background.submit(job)
        except RuntimeError:  # the process is shutting down: its pool takes no more
            log.warning("SMS to %s not sent: the process is stopping", mask_number(to))
            _finish(outbound, self.call_sid, "failed", self.clock(), detail="not started")
            return Sent.FAILED
        return Sent.DONE


def _take(
    outbound: OutboundStore, quotas: Sequence[Quota], now: datetime, conn: Connection
) -> None:
    outbound.take(conn, CALLBACK, quotas, now)


def _deliver(
    sms: SmsSender,
    outbound: OutboundStore,
    call_sid: str,
    to: str,
    from_: str,
    body: str,
    clock: Callable[[], datetime],
) -> None:
    """Send a claimed text and record how it ended (in the background)."""
    try:
        sid = sms.send_sms(to, from_, body)
    except TwilioError as error:
        log.warning("SMS to %s not sent: %s (status %s)", mask_number(to), error, error.status)
        _finish(outbound, call_sid, "failed", clock(), detail=f"{error.status or '-'} {error}")
        return
    log.info("SMS with the channels sent to %s", mask_number(to))
    _finish(outbound, call_sid, "sent", clock(), sid=sid)


def _finish(
    outbound: OutboundStore,
    call_sid: str,
    status: str,
    now: datetime,
    *,
    sid: str | None = None,
    detail: str | None = None,
) -> None:
    try:
        outbound.finish(
            call_sid, CHANNELS, status, now, sid=sid, detail=detail[:200] if detail else None
        )
    except STORE_ERRORS:
        log.exception("cannot record how an SMS ended (%s)", status)
