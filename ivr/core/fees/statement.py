"""What a student owes as of a date: the statement the phone, the CLI and the JSON read from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from ivr.core.fees.money import format_amount

ObligationConcept = Literal["matricula", "matricula_extemporanea", "cuota"]
Status = Literal["paid", "pending", "overdue"]
EarlyPaymentStatus = Literal[
    "available",  # eligible, not granted, still in time to request it: see the quote
    "granted",  # policy 5.2.2 d: granted; the quote says what to pay and by when
    "applied",  # granted and the whole cycle paid in time: the discount is in the cuotas
    "lapsed",  # policy 5.2.2 d: granted but not paid in 2 business days: regular tariff
    "deadline_passed",  # cuota 1 is already due
    "not_regular_tariff",  # policy 5.2.2 a
    "agreement",  # policy 5.2.3
    "other_benefit",  # policy 5.2.1
    "staff_or_family",  # policy 5.2.4 c
    "withdrawn",  # policy 5.4.1: no cycle left to pay
    "no_term",  # no enrolment to quote for
]


@dataclass(frozen=True, slots=True)
class Obligation:
    """One thing billed: a term's matrícula, its extemporaneous-enrolment fee, or a cuota.

    A cuota's ``amount`` is its tuition plus the insurance instalment added to it (policy
    5.6.1); ``tuition`` and ``insurance`` give the two parts, and ``discount`` the early-payment
    discount already taken off the tuition. ``late_fee`` is the fee charged on this cuota (0 or
    the price list's fee; paying later does not remove it, policy 5.9.2). ``paid`` counts what
    was applied to the amount and to the fee, so ``outstanding = amount + late_fee - paid``.
    """

    term: str
    concept: ObligationConcept
    cuota: int | None
    due: date
    amount: int
    paid: int
    outstanding: int
    late_fee: int
    status: Status
    days_overdue: int
    tuition: int = 0
    insurance: int = 0
    discount: int = 0
    reportable: bool = False
    late_fee_outstanding: int = 0  # the part of ``late_fee`` still unpaid
    overdue_amount: int = 0  # the unpaid part past its own due day (the fee's is D+8)


@dataclass(frozen=True, slots=True)
class NextDue:
    """The first obligation not yet due that still has something to pay."""

    term: str
    concept: ObligationConcept
    cuota: int | None
    date: date
    amount: int  # what is still to pay of it


@dataclass(frozen=True, slots=True)
class EarlyPaymentQuote:
    """Policy 5.2.2: what paying the whole cycle early costs, and by when.

    ``available``: what it would cost if requested and granted; ``deadline`` is the last day
    to request it, the day before cuota 1 falls due (5.2.2 a, c). ``granted``: what is left to
    pay, already discounted, and ``deadline`` the 2nd business day after the grant (5.2.2 d).
    """

    term: str
    discount: int  # 5% of the term's tuition cuotas
    amount: int  # the term's cuotas still to pay (with insurance), less the discount
    deadline: date


@dataclass(frozen=True, slots=True)
class TermSummary:
    """Per term: whether the regular enrolment is complete (policy 5.3.1) and any withdrawal."""

    term: str
    enrolment_confirmed: bool  # matrícula, cuota 1 (and any extemporaneous fee) paid
    withdrawn_on: date | None


@dataclass(frozen=True, slots=True)
class Statement:
    """Everything a student owes as of a date, with the flags the policy attaches to it.

    ``balance`` is everything still to pay, due or not, fees included; ``overdue`` is the part
    past its own due day (a late fee's is the 8th day after its cuota's, policy 5.9.2);
    ``late_fees`` is the unpaid late fees. ``credit`` is money received beyond everything
    billed (saldo a favor): never an early-payment discount nobody granted (5.2.2 c, 5.10).
    """

    code: str
    as_of: date
    obligations: tuple[Obligation, ...]
    balance: int
    overdue: int
    late_fees: int
    credit: int
    next_due: NextDue | None
    reportable: bool
    certificates_blocked: bool
    can_enroll: bool
    early_payment_status: EarlyPaymentStatus
    early_payment_quote: EarlyPaymentQuote | None
    terms: tuple[TermSummary, ...] = ()

    @property
    def overdue_obligations(self) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.status == "overdue")


def statement_to_json(statement: Statement) -> dict[str, Any]:
    """Return the statement as JSON-ready values: amounts as decimal strings, dates ISO."""
    next_due = statement.next_due
    quote = statement.early_payment_quote
    return {
        "balance": format_amount(statement.balance),
        "overdue": format_amount(statement.overdue),
        "late_fees": format_amount(statement.late_fees),
        "next_due": None
        if next_due is None
        else {
            "concept": next_due.concept,
            "term": next_due.term,  # two terms can both have a cuota 1
            "cuota": next_due.cuota,
            "date": next_due.date.isoformat(),
            "amount": format_amount(next_due.amount),
        },
        "reportable": statement.reportable,
        "certificates_blocked": statement.certificates_blocked,
        "can_enroll": statement.can_enroll,
        "early_payment_quote": None
        if quote is None
        else {
            "discount": format_amount(quote.discount),
            "amount": format_amount(quote.amount),
            "deadline": quote.deadline.isoformat(),
        },
        "obligations": [
            {
                "concept": o.concept,
                "term": o.term,
                "cuota": o.cuota,
                "due": o.due.isoformat(),
                "amount": format_amount(o.amount),
                "paid": format_amount(o.paid),
                "outstanding": format_amount(o.outstanding),
                "late_fee": format_amount(o.late_fee),
                "status": o.status,
                "days_overdue": o.days_overdue,
            }
            for o in statement.obligations
        ],
    }
