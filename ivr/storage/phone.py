"""The stores seen by one call's self-service dialogue: the ledger and the call's session.

The adapter between ``ivr.core.selfservice.phone`` and storage: it hands the core plain values
(a verification outcome, an account, the session's data) and turns any failure of a store into
the core's ``Unavailable``, which callers hear as "we cannot consult your account right now".
Each verification's result is reported to ``count`` (the caller counts it: a metric).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from ivr.core.codes import mask_code
from ivr.core.fees.model import Account, Billing
from ivr.core.selfservice.phone import Unavailable, VerifyOutcome
from ivr.settings import AppSettings
from ivr.storage.callers import CallerLimits, caller_key
from ivr.storage.database import (
    GLIMPSE_SECONDS,
    STORE_ERRORS,
    answer_within,
    log_store_error,
)
from ivr.storage.ledger.base import Ledger
from ivr.storage.sessions import SessionStore

log = logging.getLogger("ivr.selfservice")


class PhoneStore:
    """The ledger and the session store, seen from one call at one instant."""

    def __init__(
        self,
        settings: AppSettings,
        ledger: Ledger,
        sessions: SessionStore,
        callers: CallerLimits,
        *,
        billing: Billing,
        call_sid: str,
        now: datetime,
        request: str | None = None,
        number: str = "",
        count: Callable[[str], None] = lambda result: None,
        stop_reminders: Callable[[str], None] | None = None,
    ) -> None:
        """``stop_reminders`` opts a verified student out of the reminders; None: they are off."""
        self.settings = settings
        self.ledger, self.sessions, self.callers = ledger, sessions, callers
        self.count = count  # told each verification's result
        self._stop_reminders = stop_reminders
        self.billing = billing
        self.call_sid = call_sid
        self.now = now
        self.request = request  # names the webhook: the same request retried counts once
        # the calling number (Twilio's From), only ever kept as a keyed hash
        self.caller = caller_key(number, settings.auth_token or "")

    def verify(self, code_digits: str, dni_last4: str) -> VerifyOutcome:
        callers = self.callers
        try:
            # Policy: a number past its failures for the hour hears the locked-code answer,
            # whatever code it tries.
            if callers.blocked(self.caller, self.now):
                self.count("caller_limited")
                log.warning("verification refused: this calling number used its tries for now")
                return VerifyOutcome("locked")
            outcome = self.ledger.verify(code_digits, dni_last4, self.now, attempt=self.request)
            if not outcome.verified and not outcome.repeated:
                callers.fail(self.caller, self.now)
        except STORE_ERRORS as error:
            self.count("unavailable")
            log_store_error(log, "ledger unavailable during verification", error)
            raise Unavailable from error
        self.count(outcome.status)
        log.info("verification %s for code %s", outcome.status, mask_code(code_digits))
        return outcome

    def paused(self) -> bool:
        if not self.settings.pause_on_alarm:
            return False
        try:
            alarmed = self.callers.alarmed(self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
        if alarmed:
            self.count("paused")
            log.warning("self-service paused: failed verifications are over the alarm rate")
        return alarmed

    @property
    def reminders(self) -> bool:
        return self._stop_reminders is not None

    def stop_reminders(self, code: str) -> None:
        if self._stop_reminders is None:
            return
        try:
            self._stop_reminders(code)
        except STORE_ERRORS as error:
            log_store_error(log, "reminders opt-out not stored", error)
            raise Unavailable from error

    def account(self, code: str) -> Account | None:
        try:
            return self.ledger.load_account(code)
        except STORE_ERRORS as error:
            log_store_error(log, "ledger unavailable for a statement", error)
            raise Unavailable from error

    def session(self) -> dict[str, Any]:
        try:
            data = self.sessions.get(self.call_sid, self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
        # Policy: a verification lasts IVR_VERIFIED_SESSION_MINUTES; then the caller starts
        # again from the code (the call's count of failures stays).
        verified_at = data.get("verified_at")
        if "code" in data and isinstance(verified_at, str):
            lasts = timedelta(minutes=self.settings.verified_minutes)
            if datetime.fromisoformat(verified_at) + lasts <= self.now:
                return {k: v for k, v in data.items() if k == "failures"}
        return data

    def save(self, data: dict[str, Any]) -> None:
        just_verified = "code" in data and "verified_at" not in data
        if just_verified:
            data = {**data, "verified_at": self.now.isoformat()}
        # The right answer never waits for a lock: the statement is heard either way.
        try:
            with answer_within(GLIMPSE_SECONDS) if just_verified else nullcontext():
                self.sessions.put(self.call_sid, data, self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
