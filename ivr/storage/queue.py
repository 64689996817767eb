"""What one call's queue dialogue uses: its notes, the callback requests, the SMS sender.

The adapter between ``ivr.core.queue.dialogue`` and storage (and Twilio's REST API for the
text): it hands the core plain values and answers a failure of a store or of Twilio with what
the core can say ({} for notes, a ``Sent`` for a callback or a text), logging why. Callbacks
and texts are counted against queues.yaml's limits (``OutboundStore``); a text is recorded
once per call, then sent in the background (``Background``): the caller hears at once that it
is on its way, and the record says later whether Twilio took it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import Connection

from ivr.core.queue.dialogue import Sent
from ivr.core.queue.wait import OutboundLimits
from ivr.outbound.background import Background
from ivr.outbound.twilio import SmsSender, TwilioError
from ivr.storage.callbacks import CallbackStore, mask_number
from ivr.storage.database import STORE_ERRORS
from ivr.storage.outbound import CALLBACK, OutboundStore, OverLimit, Quota
from ivr.storage.sessions import SessionStore

log = logging.getLogger("ivr.queue")

CHANNELS = "channels"  # the choice of the text with the other channels (its idempotency key)


def notes_key(call_sid: str) -> str:
    """Name the session that holds a call's queue notes."""
    return f"{call_sid}:queue"  # beside, not inside, the call's self-service session


class QueueCall:
    """The stores and the SMS sender, seen from one call at one instant."""

    def __init__(
        self,
        sessions: SessionStore,
        callbacks: CallbackStore,
        sms: SmsSender | None,
        call_sid: str,
        now: datetime,
        *,
        outbound: OutboundStore | None = None,
        limits: OutboundLimits | None = None,
        caller: str = "",
        background: Background | None = None,
        clock: Callable[[], datetime] | None = None,
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

    def request_callback(self, number: str, queue: str, campus: str) -> Sent:
        outbound = self.outbound
        limit = None
        if outbound is not None:
            quotas = outbound.callback_quotas(self.limits, self.caller, number)
            limit = partial(_take, outbound, quotas, self.now)
        try:
            self.callbacks.request(self.call_sid, number, queue, campus, self.now, limit=limit)
        except OverLimit as over:
            assert outbound is not None
            outbound.refused(over)
            log.info("callback for %s refused: over its %s limit", mask_number(number), over.scope)
            return Sent.LIMITED
        except STORE_ERRORS:
            log.exception("cannot store a callback request")
            return Sent.FAILED
        log.info("callback requested for %s, desk %s", mask_number(number), queue)
        return Sent.DONE

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
