"""Due-date reminders by SMS: which are due for a student on a day, when one may go, its text.

Pure: the statement, the schedules and the day or instant are handed in. For each cuota due on
day D (the term calendar's date) there are three reminders, each with the days it serves:

- ``before``: from D - ``days_before`` to D ("vence el ...");
- ``overdue``: from D + 1 to the day before the late fee starts;
- ``late_fee``: from the day the fee starts (D + the policy's ``late_fee_day``, policy 5.9.2)
  for a week (``LATE_FEE_DAYS``).

One that cannot go on its first day (a weekend, a holiday, the cap) waits for the next
permitted moment while it still serves; one whose cuota is paid, or whose days passed, is
dropped. The amount is the cuota's ``outstanding`` in the statement of the day it is sent: the
figure ``ivr statement`` gives that day.

Ley 29571, art. 62 b (collection contacts, held to for every message that names money owed):
Monday to Friday, 07:00 to 20:00 Lima, never on a public holiday; nor on a day the
institution closes (the schedules' closures of the central line). Ley 29733: a message names
only the cuota, the amount, the date and the channels (never a DNI or a student code), says
how to stop them (BAJA), and goes to one student at most once a day and ``per_week`` times a
rolling week.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal, assert_never

from ivr.core.fees.statement import Statement
from ivr.core.lima import LIMA, to_lima
from ivr.core.schedule.model import DEFAULT_LINE, Schedules
from ivr.core.schedule.peru import holiday_name
from ivr.core.spoken import date_words, money_text

Kind = Literal["before", "overdue", "late_fee"]
KINDS: tuple[Kind, ...] = ("before", "overdue", "late_fee")

# Ley 29571, art. 62 b: no collection contact between 20:00 and 07:00 (20:00 itself is out).
WINDOW_START = time(7)
WINDOW_END = time(20)
LATE_FEE_DAYS = 7  # the late-fee reminder serves the week from the day the fee starts
EXPLAINED_DAYS = 7  # a reminder whose days ended this recently is still listed, as dropped
WEEK = 7  # the weekly cap counts this many days, today included

DEFAULT_DAYS_BEFORE = 3
DEFAULT_PER_WEEK = 2
DEFAULT_BATCH = 200
DEFAULT_PER_SECOND = 1  # Twilio sends one SMS a second per long-code number; it queues the rest

# The placeholders a text may use; {canales} is the institution's channels (settings.contacts).
PLACEHOLDERS = ("concepto", "monto", "fecha", "canales")
REQUIRED_PLACEHOLDERS = ("concepto", "monto", "fecha")
STOP_WORD = "BAJA"  # what a student replies to stop them; every text must say it
STOP_WORDS = frozenset({"BAJA", "STOP"})
# Plain GSM-7 letters (no accents): a text with an accented letter is sent as UCS-2, 70
# characters a segment instead of 160.
DEFAULT_TEXTS: dict[Kind, str] = {
    "before": (
        "Recordatorio: su {concepto} vence el {fecha}. Monto a pagar: {monto}. "
        "Pagos y consultas: {canales}. Para no recibir estos mensajes responda BAJA."
    ),
    "overdue": (
        "Su {concepto} vencio el {fecha}. Monto pendiente hoy: {monto}. "
        "Pagos y consultas: {canales}. Para no recibir estos mensajes responda BAJA."
    ),
    "late_fee": (
        "Desde el {fecha} su {concepto} tiene gastos administrativos. Monto pendiente hoy: "
        "{monto}. Pagos y consultas: {canales}. Para no recibir estos mensajes responda BAJA."
    ),
}

_MOBILE = re.compile(r"^9\d{8}$")
_SEPARATORS = re.compile(r"[\s().-]")


@dataclass(frozen=True, slots=True)
class ReminderTexts:
    """The text of each kind of reminder (billing/reminders.yaml ``texts``)."""

    before: str = DEFAULT_TEXTS["before"]
    overdue: str = DEFAULT_TEXTS["overdue"]
    late_fee: str = DEFAULT_TEXTS["late_fee"]

    def of(self, kind: Kind) -> str:
        match kind:
            case "before":
                return self.before
            case "overdue":
                return self.overdue
            case "late_fee":
                return self.late_fee
            case _:
                assert_never(kind)


@dataclass(frozen=True, slots=True)
class ReminderSettings:
    """billing/reminders.yaml: off unless ``enabled``; every other value has a default."""

    enabled: bool = False
    days_before: int = DEFAULT_DAYS_BEFORE
    per_week: int = DEFAULT_PER_WEEK
    batch: int = DEFAULT_BATCH  # at most this many texts per run; the rest go on the next
    per_second: int = DEFAULT_PER_SECOND
    sender: str | None = None  # the Twilio number texts come from (E.164)
    texts: ReminderTexts = ReminderTexts()
    channels: str = ""  # fills {canales}: how to pay or ask, from settings.contacts


def channels_text(whatsapp: str, web: str) -> str:
    """Return the channels a text names: "WhatsApp 914 800 800 o https://contacto.upn.edu.pe/"."""
    parts = [*([f"WhatsApp {whatsapp}"] if whatsapp else []), *([f"https://{web}/"] if web else [])]
    return " o ".join(parts)


def parse_mobile(text: str) -> str | None:
    """Return a Peruvian mobile in E.164 form ("+51987654321"), or None when it is not one.

    Nine digits starting with 9, with or without +51 or 51 before them, spaces, dots, hyphens
    and brackets ignored.
    """
    digits = _SEPARATORS.sub("", text.strip())
    if digits.startswith("+51"):
        digits = digits[3:]
    elif digits.startswith("51") and len(digits) == 11:
        digits = digits[2:]
    return "+51" + digits if _MOBILE.match(digits) else None


def mask_mobile(number: str) -> str:
    """Return what a log or a page may show of a number: its last three digits."""
    return "***" + number[-3:] if len(number) > 3 else "***"


def placeholders(template: str) -> list[str]:
    """Return the {names} a text uses, in order; raise ValueError if its braces are broken."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


# -- when a message may go ---------------------------------------------------------------------
def closed_reason(day: date, schedules: Schedules) -> str | None:
    """Return why no reminder may go on ``day`` (Spanish, for the tools), or None."""
    if day.weekday() == 5:
        return "sábado"
    if day.weekday() == 6:
        return "domingo"
    holiday = holiday_name(day)
    if holiday is not None:
        return f"feriado: {holiday}"
    if DEFAULT_LINE in schedules.line_names:
        closure = schedules.line(DEFAULT_LINE).closure_on(day)
        if closure is not None:
            return f"cierre: {closure.label}" if closure.label else "cierre"
    return None


def permitted(moment: datetime, schedules: Schedules) -> bool:
    """Return whether a reminder may be sent at ``moment`` (Ley 29571, art. 62 b)."""
    lima = to_lima(moment)
    if not WINDOW_START <= lima.time() < WINDOW_END:
        return False
    return closed_reason(lima.date(), schedules) is None


def next_permitted(moment: datetime, schedules: Schedules) -> datetime:
    """Return the first instant at or after ``moment`` at which a reminder may be sent."""
    lima = to_lima(moment)
    if permitted(lima, schedules):
        return lima
    day = lima.date()
    if lima.time() >= WINDOW_START:
        day += timedelta(days=1)
    while closed_reason(day, schedules) is not None:
        day += timedelta(days=1)
    return datetime.combine(day, WINDOW_START, tzinfo=LIMA)


# -- which reminders a statement has -----------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Reminder:
    """One reminder of one cuota: the days it serves and the amount as of the statement's day."""

    code: str
    term: str
    cuota: int
    kind: Kind
    due: date  # the cuota's due date
    first: date  # the day it is meant for
    last: date  # the last day it still serves
    amount: int  # the cuota's outstanding amount on the statement's day, céntimos

    @property
    def key(self) -> str:
        """Name it once for every host and run: student, concept and date."""
        return f"{self.code}/{self.term}/cuota-{self.cuota}/{self.kind}/{self.due.isoformat()}"

    @property
    def named_day(self) -> date:
        """The date its text names: the due date, or the day the late fee started."""
        return self.first if self.kind == "late_fee" else self.due

    @property
    def concept(self) -> str:
        return f"cuota {self.cuota} del ciclo {self.term}"


def reminders_of(
    statement: Statement, late_fee_day: int, settings: ReminderSettings
) -> tuple[Reminder, ...]:
    """Return every reminder of the statement's cuotas whose first day has come (by its day)."""
    day = statement.as_of
    found: list[Reminder] = []
    for obligation in statement.obligations:
        if obligation.concept != "cuota" or obligation.cuota is None:
            continue
        due = obligation.due
        fee_starts = due + timedelta(days=late_fee_day)  # policy 5.9.2: the 8th day after D
        spans: dict[Kind, tuple[date, date]] = {
            "before": (due - timedelta(days=settings.days_before), due),
            "overdue": (due + timedelta(days=1), fee_starts - timedelta(days=1)),
            "late_fee": (fee_starts, fee_starts + timedelta(days=LATE_FEE_DAYS - 1)),
        }
        for kind, (first, last) in spans.items():
            if first <= day and first <= last:
                found.append(
                    Reminder(
                        statement.code,
                        obligation.term,
                        obligation.cuota,
                        kind,
                        due,
                        first,
                        last,
                        obligation.outstanding,
                    )
                )
    return tuple(found)


# -- what happens to each on a day -------------------------------------------------------------
Verdict = Literal["send", "paid", "expired", "opted_out", "sent_today", "weekly_cap", "one_a_day"]
# Verdicts that settle a reminder for good (recorded); the others wait for a later day.
FINAL: frozenset[Verdict] = frozenset({"paid", "expired", "opted_out"})
VERDICT_WORDS: dict[str, str] = {
    "send": "se envía",
    "sent": "enviado",
    "failed": "Twilio no lo aceptó",
    "claimed": "en envío",
    "paid": "cuota pagada",
    "expired": "pasó su fecha",
    "opted_out": "pidió no recibirlos",
    "sent_today": "ya recibió uno hoy",
    "weekly_cap": "tope semanal alcanzado",
    "one_a_day": "otro recordatorio va hoy",
    "closed_day": "día no permitido",
}
KIND_WORDS: dict[Kind, str] = {
    "before": "antes del vencimiento",
    "overdue": "día siguiente al vencimiento",
    "late_fee": "inicio de gastos administrativos",
}


@dataclass(frozen=True, slots=True)
class History:
    """What the log holds for one student: the reminders recorded, the days texts went."""

    recorded: Collection[str] = frozenset()  # keys sent, claimed or dropped
    sent_on: Collection[date] = ()  # days a text was claimed for them (the recent week)


@dataclass(frozen=True, slots=True)
class Decision:
    reminder: Reminder
    verdict: Verdict

    @property
    def why(self) -> str:
        """Say why, for the tools: the kind and the verdict's words."""
        return f"{KIND_WORDS[self.reminder.kind]}: {VERDICT_WORDS[self.verdict]}"


def decide(
    reminders: Iterable[Reminder],
    day: date,
    history: History,
    *,
    opted_out: bool,
    settings: ReminderSettings,
) -> tuple[Decision, ...]:
    """Decide each reminder of one student on ``day``: at most one is sent, the rest say why.

    Already recorded ones are left out; one whose days ended more than ``EXPLAINED_DAYS`` ago
    too. The one sent is the one that stops serving first (then the earliest cuota).
    """
    open_: list[Reminder] = []
    decisions: list[Decision] = []
    for reminder in reminders:
        if reminder.key in history.recorded:
            continue
        if reminder.last < day:
            if day - reminder.last <= timedelta(days=EXPLAINED_DAYS):
                decisions.append(Decision(reminder, "expired"))
        elif reminder.amount <= 0:
            decisions.append(Decision(reminder, "paid"))
        elif opted_out:
            decisions.append(Decision(reminder, "opted_out"))
        else:
            open_.append(reminder)
    open_.sort(key=lambda r: (r.last, r.due, r.term, r.cuota, KINDS.index(r.kind)))
    week_start = day - timedelta(days=WEEK - 1)
    this_week = sum(1 for sent in history.sent_on if week_start <= sent <= day)
    for position, reminder in enumerate(open_):
        verdict: Verdict
        if day in history.sent_on:
            verdict = "sent_today"
        elif this_week >= settings.per_week:
            verdict = "weekly_cap"
        else:
            verdict = "send" if position == 0 else "one_a_day"
        decisions.append(Decision(reminder, verdict))
    return tuple(decisions)


def text_of(reminder: Reminder, settings: ReminderSettings) -> str:
    """Return the SMS for a reminder: its concept, amount and date, the channels, BAJA."""
    values = {
        "concepto": reminder.concept,
        "monto": money_text(reminder.amount),
        "fecha": short_date(reminder.named_day),
        "canales": settings.channels,
    }
    return settings.texts.of(reminder.kind).format_map(values)


def short_date(day: date) -> str:
    """Write a date as a text names it: "20 de noviembre" (no weekday: it has accents)."""
    return date_words(day).partition(" ")[2]


def is_stop(body: str) -> bool:
    """Return whether an SMS asks to stop the reminders: BAJA or STOP, alone."""
    return body.strip().strip(".!¡").upper() in STOP_WORDS
