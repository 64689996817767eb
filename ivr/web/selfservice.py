"""Storage for the phone self-service dialogue of one call, with failures made explicit."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime
from typing import Any

from ivr.fees import statement as build_statement
from ivr.fees.model import Billing
from ivr.fees.statement import Statement
from ivr.ledger.base import VerifyOutcome
from ivr.ledger.codes import mask_code
from ivr.observability.metrics import count_verification
from ivr.runtime import Runtime
from ivr.selfservice.phone import Unavailable

log = logging.getLogger("ivr.selfservice")


class CallServices:
    """The ledger and the session store, seen from one call at one instant."""

    def __init__(self, runtime: Runtime, billing: Billing, call_sid: str, now: datetime) -> None:
        self.runtime = runtime
        self.billing = billing
        self.call_sid = call_sid
        self.now = now

    def verify(self, code_digits: str, dni_last4: str) -> VerifyOutcome:
        try:
            outcome = self.runtime.ledger.verify(code_digits, dni_last4, self.now)
        except sqlite3.Error as error:
            count_verification("unavailable")
            log.error("ledger unavailable during verification: %s", error)
            raise Unavailable from error
        count_verification(outcome.status)
        log.info(
            "verification %s for code %s",
            outcome.status,
            mask_code(code_digits),
        )
        return outcome

    def statement(self, code: str) -> Statement | None:
        try:
            account = self.runtime.ledger.load_account(code)
        except sqlite3.Error as error:
            log.error("ledger unavailable for a statement: %s", error)
            raise Unavailable from error
        if account is None:
            return None
        try:
            return build_statement(account, self.billing, self.now.date())
        except ValueError:  # an enrolment in a term billing/terms.yaml does not know
            log.exception("cannot build the statement of %s", mask_code(code))
            return None

    def session(self) -> dict[str, Any]:
        try:
            return self.runtime.sessions.get(self.call_sid, self.now)
        except sqlite3.Error as error:
            raise Unavailable from error

    def save(self, data: dict[str, Any]) -> None:
        try:
            self.runtime.sessions.put(self.call_sid, data, self.now)
        except sqlite3.Error as error:
            raise Unavailable from error
