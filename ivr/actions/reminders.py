"""Due-date reminders by SMS: plan a day, send what is due now, opt a number or student out.

``plan_day`` says what would happen to every reminder on a day and why (``ivr reminders
preview``): nothing is written. ``send_due`` sends what is due at the runtime's "now" (the CLI's
``ivr reminders send`` and the scheduler leader's job): only inside the permitted window; each
text claimed in the log before it is sent (``ReminderStore.claim``), so it goes at most once
whatever runs at the same time; at most ``batch`` texts a run, ``per_second`` texts a second.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from ivr.actions.base import ActionRefused, Actor, AuditAction, Door, record
from ivr.core.codes import mask_code
from ivr.core.fees.model import Billing
from ivr.core.fees.policy import UnknownTermError, statement
from ivr.core.reminders import (
    FINAL,
    Decision,
    ReminderSettings,
    closed_reason,
    decide,
    mask_mobile,
    next_permitted,
    parse_mobile,
    permitted,
    reminders_of,
    text_of,
)
from ivr.core.schedule.snapshot import when
from ivr.runtime import Runtime
from ivr.storage.reminders import ReminderStore

if TYPE_CHECKING:
    from ivr.outbound.twilio import SmsSender

log = logging.getLogger("ivr.reminders")


@dataclass(frozen=True, slots=True)
class Planned:
    """One reminder's fate on a day, with where and what it would send."""

    decision: Decision
    number: str  # E.164; shown masked
    text: str  # the SMS it would send (only for ``send``; '' otherwise)


@dataclass(frozen=True, slots=True)
class DayPlan:
    """What reminders would do on a day: each one's decision, or why the day sends none."""

    day: date
    closed: str | None  # why no text may go that day (a weekend, a holiday, a closure)
    planned: tuple[Planned, ...]

    @property
    def to_send(self) -> tuple[Planned, ...]:
        return tuple(p for p in self.planned if p.decision.verdict == "send")


@dataclass
class SendResult:
    """What one ``send_due`` run did."""

    sent: int = 0
    failed: int = 0
    taken: int = 0  # claimed meanwhile by another run or host
    dropped: Counter[str] = field(default_factory=Counter)  # by reason
    waiting: int = 0  # due, left for a later run (batch full, caps)
    held: str = ""  # why nothing was sent now (outside the permitted window)


def _settings(runtime: Runtime) -> tuple[ReminderSettings, Billing]:
    settings = runtime.config.reminders
    billing = runtime.config.billing
    if billing is None:
        raise ActionRefused(
            "reminders need the billing files (billing/): there are none",
            "Los recordatorios necesitan los archivos de facturación (billing/).",
        )
    return settings, billing


def _decisions(runtime: Runtime, day: date) -> Iterator[tuple[Decision, str]]:
    """Yield every reminder's decision on ``day`` with the student's mobile."""
    settings, billing = _settings(runtime)
    for opt_outs, chunk in ReminderStore(runtime.engine).contacts(day):
        for account, mobile, history in chunk:
            code = account.student.code
            try:
                owed = statement(account, billing, day)
            except UnknownTermError:
                log.warning("reminders: no statement for %s (a term billing does not know)",
                            mask_code(code))  # fmt: skip
                continue
            reminders = reminders_of(owed, billing.policy.late_fee_day, settings)
            for decision in decide(
                reminders, day, history, opted_out=opt_outs.covers(code, mobile), settings=settings
            ):
                yield decision, mobile


def plan_day(runtime: Runtime, day: date) -> DayPlan:
    """Say what would happen to every reminder on ``day``, and why; nothing is written."""
    settings, _ = _settings(runtime)
    planned = tuple(
        Planned(d, mobile, text_of(d.reminder, settings) if d.verdict == "send" else "")
        for d, mobile in _decisions(runtime, day)
    )
    return DayPlan(day, closed_reason(day, runtime.config.schedules), planned)


class Pace:
    """Space texts ``per_second`` apart (Twilio queues what a number cannot send at once)."""

    def __init__(self, per_second: int, stop: threading.Event | None = None) -> None:
        self.gap = 1.0 / per_second
        self.stop = stop or threading.Event()
        self.last = -self.gap

    def wait(self) -> None:
        left = self.last + self.gap - time.monotonic()
        if left > 0:
            self.stop.wait(left)
        self.last = time.monotonic()


def send_due(runtime: Runtime, actor: Actor) -> SendResult:
    """Send the reminders due now, at most once each; refuse when they cannot be sent."""
    settings, _ = _settings(runtime)
    if not settings.enabled:
        raise ActionRefused(
            "reminders are off: set enabled: true in billing/reminders.yaml",
            "Los recordatorios están desactivados (billing/reminders.yaml).",
        )
    sender = runtime.sms
    if sender is None or settings.sender is None:
        raise ActionRefused(
            "Twilio is not configured: set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN",
            "Twilio no está configurado.",
        )
    now = runtime.now()
    result = SendResult()
    schedules = runtime.config.schedules
    if not permitted(now, schedules):
        result.held = (
            f"outside the permitted window (Monday to Friday 07:00-20:00, not on holidays or "
            f"closures); next: {when(next_permitted(now, schedules))}"
        )
        return result
    store = ReminderStore(runtime.engine)
    pace = Pace(settings.per_second)
    day = now.date()
    for decision, mobile in _decisions(runtime, day):
        reminder = decision.reminder
        if decision.verdict in FINAL:
            if store.drop(reminder, day, runtime.now(), decision.verdict):
                result.dropped[decision.verdict] += 1
            continue
        if decision.verdict != "send":
            result.waiting += 1
            continue
        moment = runtime.now()
        if result.sent + result.failed >= settings.batch or not permitted(moment, schedules):
            result.waiting += 1  # the next run sends it, while it still serves
            continue
        if not store.claim(reminder, day, moment, mobile):
            result.taken += 1
            continue
        pace.wait()
        _send(store, sender, settings.sender, decision, mobile, settings, result)
    log.info(
        "reminders: %d sent, %d failed, %d taken by another run, %d waiting, dropped: %s",
        result.sent,
        result.failed,
        result.taken,
        result.waiting,
        ", ".join(f"{n} {why}" for why, n in sorted(result.dropped.items())) or "none",
    )
    if actor.door is not Door.SCHEDULER and (result.sent or result.failed):
        record(runtime, actor, AuditAction.REMINDERS_SENT,
               f"{result.sent} enviados, {result.failed} fallidos",
               summary=f"{result.sent} sent, {result.failed} failed")  # fmt: skip
    return result


def _send(
    store: ReminderStore,
    sms: SmsSender,
    sender: str,
    decision: Decision,
    mobile: str,
    settings: ReminderSettings,
    result: SendResult,
) -> None:
    from ivr.outbound.twilio import TwilioError  # late: the REST client is slow to import

    reminder = decision.reminder
    try:
        sid = sms.send_sms(mobile, sender, text_of(reminder, settings))
    except TwilioError as error:
        store.mark(reminder.key, "failed", error=str(error))
        result.failed += 1
        log.warning("reminder to %s not sent: %s", mask_mobile(mobile), error)
        return
    store.mark(reminder.key, "sent", sid=sid)
    result.sent += 1


# -- opting out and in -------------------------------------------------------------------------
def _mobile(number: str) -> str:
    mobile = parse_mobile(number)
    if mobile is None:
        raise ActionRefused(
            f"'{number}' is not a Peruvian mobile (nine digits starting with 9, e.g. 987654321)",
            f"«{number}» no es un celular peruano (nueve dígitos que empiezan con 9).",
            field="number",
        )
    return mobile


def opt_out(runtime: Runtime, actor: Actor, number: str) -> bool:
    """Stop the reminders to a number; False when it had stopped them already."""
    mobile = _mobile(number)
    added = ReminderStore(runtime.engine).opt_out(runtime.now(), str(actor.door), number=mobile)
    record(runtime, actor, AuditAction.REMINDER_OPTOUT, mask_mobile(mobile),
           summary=mask_mobile(mobile))  # fmt: skip
    return added


def opt_in(runtime: Runtime, actor: Actor, number: str) -> bool:
    """Let a number get reminders again; False when it was not opted out."""
    mobile = _mobile(number)
    removed = ReminderStore(runtime.engine).opt_in(number=mobile)
    if not removed:
        raise ActionRefused(
            f"{mask_mobile(mobile)} is not on the opt-out list",
            f"{mask_mobile(mobile)} no está en la lista de bajas.",
            field="number",
        )
    record(runtime, actor, AuditAction.REMINDER_OPTIN, mask_mobile(mobile),
           summary=mask_mobile(mobile))  # fmt: skip
    return True


def student_opt_out(runtime: Runtime, door: Door, *, number: str = "", code: str = "") -> bool:
    """A student stops their reminders: replying BAJA (``number``) or in the IVR (``code``)."""
    # a number that is no Peruvian mobile is kept as Twilio gave it: it never gets one anyway
    mobile = (parse_mobile(number) or number) if number else None
    store = ReminderStore(runtime.engine)
    added = store.opt_out(runtime.now(), str(door), number=mobile, code=code or None)
    who = mask_mobile(mobile) if mobile else mask_code(code)
    record(runtime, Actor(who, door), AuditAction.REMINDER_OPTOUT, who, summary=who)
    return added
