"""What one call's queue dialogue uses: its notes, the callback requests, the SMS sender.

The adapter between ``ivr.core.queue.dialogue`` and storage (and Twilio's REST API for the
text): it hands the core plain values and answers a failure of a store or of Twilio with what
the core can say ({} for notes, None for a callback, ``SmsFailed`` for a text), logging why.

For a desk with agents (``DeskLink``) it also keeps the desk's line: who waits, who left, and
where a callback goes in it (its caller's place, or an hour of the next opening).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ivr.core import desks
from ivr.core.desks import CallbackWindow
from ivr.core.menu import TransferNode
from ivr.core.queue.dialogue import CallbackStored, SmsFailed
from ivr.core.queue.wait import QueueSettings
from ivr.core.schedule import evaluation
from ivr.core.schedule.model import Override, Schedules
from ivr.outbound.twilio import SmsSender, TwilioError
from ivr.storage.callbacks import CallbackStore, mask_number
from ivr.storage.database import STORE_ERRORS, describe
from ivr.storage.desks import DeskStore
from ivr.storage.sessions import SessionStore

log = logging.getLogger("ivr.queue")


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
    ) -> None:
        self.sessions = sessions
        self.callbacks = callbacks
        self.sms = sms
        self.call_sid = call_sid
        self.now = now
        self.desks = desks

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
    ) -> CallbackStored | None:
        assert desk.queue is not None
        try:
            stored = self.callbacks.request(self.call_sid, number, desk.queue, campus, self.now)
        except STORE_ERRORS:
            log.exception("cannot store a callback request")
            return None
        log.info("callback requested for %s, desk %s", mask_number(number), desk.queue)
        link = self.desks
        if link is None or not link.staffed(desk.queue):
            return CallbackStored()
        try:
            waiting = link.store.waiting(self.call_sid) if self.call_sid else None
            entered = waiting.entered_at if waiting else self.now
            return CallbackStored(link.place(stored.id, desk, entered, self.now))
        except STORE_ERRORS as error:  # stored: the desk's lead still sees it
            log.error("desks: cannot place a callback in line (%s)", describe(error))
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

    def send_sms(self, to: str, from_: str, body: str) -> SmsFailed | None:
        if self.sms is None:
            return SmsFailed(None)
        try:
            self.sms.send_sms(to, from_, body)
        except TwilioError as error:
            log.warning("SMS to %s not sent: %s (status %s)", mask_number(to), error, error.status)
            return SmsFailed(error.status)
        log.info("SMS with the channels sent to %s", mask_number(to))
        return None
