"""The stores seen by one call's self-service dialogue: the ledger and the call's session.

The adapter between ``ivr.core.selfservice.phone`` and storage: it hands the core plain values
(a verification outcome, an account, the session's data) and turns any failure of a store into
the core's ``Unavailable``, which callers hear as "we cannot consult your account right now".
"""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from ivr.core.codes import mask_code
from ivr.core.fees.model import Account, Billing
from ivr.core.selfservice.phone import Unavailable, VerifyOutcome
from ivr.observability.metrics import count_verification
from ivr.runtime import Runtime
from ivr.storage.callers import caller_key
from ivr.storage.database import GLIMPSE_SECONDS, STORE_ERRORS, answer_within, log_store_error

log = logging.getLogger("ivr.selfservice")


class PhoneStore:
    """The ledger and the session store, seen from one call at one instant."""

    def __init__(
        self,
        runtime: Runtime,
        billing: Billing,
        call_sid: str,
        now: datetime,
        request: str | None = None,
        number: str = "",
    ) -> None:
        self.runtime = runtime
        self.billing = billing
        self.call_sid = call_sid
        self.now = now
        self.request = request  # names the webhook: the same request retried counts once
        # the calling number (Twilio's From), only ever kept as a keyed hash
        self.caller = caller_key(number, runtime.settings.auth_token or "")

    def verify(self, code_digits: str, dni_last4: str) -> VerifyOutcome:
        callers = self.runtime.callers
        try:
            # Policy: a number past its failures for the hour hears the locked-code answer,
            # whatever code it tries.
            if callers.blocked(self.caller, self.now):
                count_verification("caller_limited")
                log.warning("verification refused: this calling number used its tries for now")
                return VerifyOutcome("locked")
            outcome = self.runtime.ledger.verify(
                code_digits, dni_last4, self.now, attempt=self.request
            )
            if not outcome.verified and not outcome.repeated:
                callers.fail(self.caller, self.now)
        except STORE_ERRORS as error:
            count_verification("unavailable")
            log_store_error(log, "ledger unavailable during verification", error)
            raise Unavailable from error
        count_verification(outcome.status)
        log.info("verification %s for code %s", outcome.status, mask_code(code_digits))
        return outcome

    def paused(self) -> bool:
        if not self.runtime.settings.pause_on_alarm:
            return False
        try:
            alarmed = self.runtime.callers.alarmed(self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
        if alarmed:
            count_verification("paused")
            log.warning("self-service paused: failed verifications are over the alarm rate")
        return alarmed

    def account(self, code: str) -> Account | None:
        try:
            return self.runtime.ledger.load_account(code)
        except STORE_ERRORS as error:
            log_store_error(log, "ledger unavailable for a statement", error)
            raise Unavailable from error

    def session(self) -> dict[str, Any]:
        try:
            data = self.runtime.sessions.get(self.call_sid, self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
        # Policy: a verification lasts IVR_VERIFIED_SESSION_MINUTES; then the caller starts
        # again from the code (the call's count of failures stays).
        verified_at = data.get("verified_at")
        if "code" in data and isinstance(verified_at, str):
            lasts = timedelta(minutes=self.runtime.settings.verified_minutes)
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
                self.runtime.sessions.put(self.call_sid, data, self.now)
        except STORE_ERRORS as error:
            raise Unavailable from error
