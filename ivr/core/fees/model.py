"""The facts the fee policy works from: price list, term calendars, students and their accounts.

All money is integer céntimos. All dates are calendar dates in Lima. Nothing here reads a file,
a database or the clock: the YAML boundary (``ivr.config.billing``) and the ledger build these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from ivr.core.schedule.peru import holiday_name

Insurance = Literal["contracted", "exonerated", "not_contracted"]
INSURANCE_VALUES: tuple[Insurance, ...] = ("contracted", "exonerated", "not_contracted")

# What a payment was made for, as the billing system exports it. "abono" is money on account,
# assigned to nothing in particular.
PaymentConcept = Literal[
    "matricula", "matricula_extemporanea", "cuota", "seguro", "gastos_administrativos", "abono"
]
PAYMENT_CONCEPTS: tuple[PaymentConcept, ...] = (
    "matricula",
    "matricula_extemporanea",
    "cuota",
    "seguro",
    "gastos_administrativos",
    "abono",
)
# Concepts that name one cuota of a term when the payment carries a cuota number.
CUOTA_CONCEPTS: frozenset[str] = frozenset({"cuota", "seguro", "gastos_administrativos"})


@dataclass(frozen=True, slots=True)
class PriceList:
    """The current price list (Lista de precios / TUPA) values the policy needs, in céntimos."""

    late_fee: int  # policy 5.9.3: gastos administrativos per overdue cuota
    insurance_instalment: int  # policy 5.6.2: one insurance instalment
    credit_price: int  # policy 5.3.4 c: price per credit in the last regular cycle
    extemporaneous_enrolment_fee: int  # policy 5.3.3: derecho por matrícula extemporánea
    matricula: int  # policy 5.3.1: the enrolment fee (matrícula) of each term


# The most cuotas billing/policy.yaml may give a term: the bound a payment's cuota number is
# checked against before the policy is known (the ledger import).
MAX_CUOTAS = 12
# Who may be kept from the early-payment discount (billing/policy.yaml early_payment.excluded):
# the statuses the statement gives such a student.
EARLY_PAYMENT_EXCLUSIONS = ("not_regular_tariff", "agreement", "other_benefit", "staff_or_family")


@dataclass(frozen=True, slots=True)
class CreditShare:
    """An enrolment of at most ``up_to`` credits pays ``percent`` of its regular tariff."""

    up_to: int
    percent: int


@dataclass(frozen=True, slots=True)
class EarlyPayment:
    """The early-payment discount's rules (billing/policy.yaml ``early_payment``)."""

    percent: int  # of the term's tuition
    business_days: int  # once granted, to pay the whole cycle
    excluded: frozenset[str]  # of EARLY_PAYMENT_EXCLUSIONS
    request: str  # how a caller requests it, said after "se solicita"


@dataclass(frozen=True, slots=True)
class StatementTexts:
    """What callers hear after their statement, in the institution's words (billing/policy.yaml).

    Empty: nothing is said. The seeds name no bank, so the shipped files say nowhere to pay.
    """

    where_to_pay: str = ""  # e.g. "Puede pagar en los bancos ... con su código de estudiante."
    already_paid: str = ""  # what to do if the caller paid and the statement still shows it


@dataclass(frozen=True, slots=True)
class FeePolicy:
    """The payment policy's numbers (billing/policy.yaml), each file entry citing its clause."""

    cuotas: int  # cuotas per term
    late_fee_day: int  # the late fee accrues on this day after a cuota's due date
    reportable_after_days: int  # debt overdue more than this many days may be reported
    credit_shares: tuple[CreditShare, ...]  # by ascending up_to; above the last: full tariff
    insured_cuotas: tuple[int, ...]  # the cuotas (1-based) that carry an insurance instalment
    early_payment: EarlyPayment
    texts: StatementTexts = StatementTexts()

    @property
    def full_load_credits(self) -> int:
        """Return the credits from which the full regular tariff applies."""
        return self.credit_shares[-1].up_to + 1 if self.credit_shares else 0

    def share(self, credits: int) -> int:
        """Return the percent of the regular tariff an enrolment of ``credits`` pays."""
        for bracket in self.credit_shares:
            if credits <= bracket.up_to:
                return bracket.percent
        return 100


@dataclass(frozen=True, slots=True)
class TermCalendar:
    """One academic term's payment calendar."""

    code: str  # e.g. "2026-2"
    cuota_due_dates: tuple[date, ...]  # one date per cuota of the policy, in order
    midterms_start: date  # policy 5.4.1: first day of the midterm exams
    withdrawal_deadline: date  # policy 5.4.1: the business day before the midterms
    enrolment_closes: date  # last day of regular enrolment; the matrícula is due then
    late_enrolment_closes: date  # policy 5.3.2: last day of extemporaneous enrolment

    @property
    def first_due(self) -> date:
        return self.cuota_due_dates[0]


@dataclass(frozen=True, slots=True)
class Billing:
    """Everything the operator's billing files say: prices, term calendars and the policy."""

    prices: PriceList
    terms: tuple[TermCalendar, ...]
    policy: FeePolicy

    def term(self, code: str) -> TermCalendar | None:
        for calendar in self.terms:
            if calendar.code == code:
                return calendar
        return None


@dataclass(frozen=True, slots=True)
class Student:
    """A student as billing sees them (no name, no DNI: the ledger keeps only a hash of it)."""

    code: str  # e.g. "N00123456"
    tariff_category: str = "regular"  # policy 5.2.2 a: the early-payment discount needs "regular"
    has_agreement: bool = False  # policy 5.2.3: a convenio excludes other benefits
    has_benefit: bool = False  # policy 5.2.1: benefits are not cumulative (becas, campaigns...)
    is_staff_or_family: bool = False  # policy 5.2.4: colaboradores and their direct family


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A student's enrolment in one term."""

    term: str
    tariff: int  # the assigned regular tariff per cuota, in céntimos (policy 5.3.4 c)
    credits: int
    last_regular_cycle: bool = False  # policy 5.3.4 c: priced per credit when under 12 credits
    insurance: Insurance = "contracted"  # policy 5.6.1, 5.6.3
    extemporaneous: bool = False  # policy 5.3.3: enrolled in the extemporaneous period
    withdrawn_on: date | None = None  # policy 5.4.1: date of the withdrawal from the cycle
    # policy 5.2.2 c-d: the day the billing office granted the early-payment discount for this
    # term (it then shows in the payment schedule); None: not granted. Never inferred.
    early_payment_granted_on: date | None = None


@dataclass(frozen=True, slots=True)
class Payment:
    """Money the billing system received.

    ``term`` and ``cuota`` say what it was for, when the billing system knows: a payment with
    a term and a cuota number pays that cuota; one with only a term pays that term's
    obligations oldest first; one with neither pays the account's obligations oldest first.
    """

    concept: PaymentConcept
    cuota: int | None
    amount: int
    paid_on: date
    term: str | None = None
    payment_id: str = ""


@dataclass(frozen=True, slots=True)
class Account:
    """A student with every enrolment and payment the ledger holds for them."""

    student: Student
    enrolments: tuple[Enrolment, ...] = ()
    payments: tuple[Payment, ...] = ()


def is_business_day(day: date) -> bool:
    """Return whether ``day`` is a día hábil: Monday to Friday and not a national holiday."""
    return day.weekday() < 5 and holiday_name(day) is None


def business_days_after(day: date, count: int) -> date:
    """Return the ``count``-th business day after ``day`` (``day`` itself not counted)."""
    current = day
    left = count
    while left > 0:
        current += timedelta(days=1)
        if is_business_day(current):
            left -= 1
    return current


def business_day_before(day: date) -> date:
    """Return the last Monday-to-Friday before ``day``.

    Public holidays are not known here: an operator whose midterms follow a holiday writes
    the term's ``withdrawal_deadline`` in billing/terms.yaml instead.
    """
    previous = day - timedelta(days=1)
    while previous.weekday() >= 5:
        previous -= timedelta(days=1)
    return previous
