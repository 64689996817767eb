"""The fee policy: pure functions from an account, a price list and a date to a statement.

No Flask, no SQL, no clock: ``statement(account, billing, as_of)``.
"""

from ivr.core.fees.model import (
    EARLY_PAYMENT_EXCLUSIONS,
    INSURANCE_VALUES,
    PAYMENT_CONCEPTS,
    Account,
    Billing,
    CreditShare,
    EarlyPayment,
    Enrolment,
    FeePolicy,
    Insurance,
    Payment,
    PaymentConcept,
    PriceList,
    Student,
    TermCalendar,
    business_day_before,
)
from ivr.core.fees.money import format_amount, parse_amount
from ivr.core.fees.policy import UnknownTermError, statement
from ivr.core.fees.statement import (
    EarlyPaymentQuote,
    EarlyPaymentStatus,
    NextDue,
    Obligation,
    Statement,
    TermSummary,
    statement_to_json,
)

__all__ = [
    "EARLY_PAYMENT_EXCLUSIONS",
    "INSURANCE_VALUES",
    "PAYMENT_CONCEPTS",
    "Account",
    "Billing",
    "CreditShare",
    "EarlyPayment",
    "EarlyPaymentQuote",
    "EarlyPaymentStatus",
    "Enrolment",
    "FeePolicy",
    "Insurance",
    "NextDue",
    "Obligation",
    "Payment",
    "PaymentConcept",
    "PriceList",
    "Statement",
    "Student",
    "TermCalendar",
    "TermSummary",
    "UnknownTermError",
    "business_day_before",
    "format_amount",
    "parse_amount",
    "statement",
    "statement_to_json",
]
