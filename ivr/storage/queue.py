"""What one call's queue dialogue uses: its notes, the callback requests, the SMS sender.

The adapter between ``ivr.core.queue.dialogue`` and storage (and Twilio's REST API for the
text): it hands the core plain values and answers a failure of a store or of Twilio with what
the core can say ({} for notes, False for a callback, ``SmsFailed`` for a text), logging why.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ivr.core.queue.dialogue import SmsFailed
from ivr.outbound.twilio import SmsSender, TwilioError
from ivr.storage.callbacks import CallbackStore, mask_number
from ivr.storage.database import STORE_ERRORS
from ivr.storage.sessions import SessionStore

log = logging.getLogger("ivr.queue")


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
    ) -> None:
        self.sessions = sessions
        self.callbacks = callbacks
        self.sms = sms
        self.call_sid = call_sid
        self.now = now

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

    def request_callback(self, number: str, queue: str, campus: str) -> bool:
        try:
            self.callbacks.request(self.call_sid, number, queue, campus, self.now)
        except STORE_ERRORS:
            log.exception("cannot store a callback request")
            return False
        log.info("callback requested for %s, desk %s", mask_number(number), queue)
        return True

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
