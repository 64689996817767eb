"""Storage of students, enrolments and payments, behind the small ``Ledger`` interface."""

from ivr.core.codes import digits_of, mask_code, normalise_code
from ivr.storage.ledger.base import (
    EXPORT_KINDS,
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    Ledger,
    LockoutPolicy,
    PaymentRecord,
    RowProblem,
    RowsRejected,
    StudentRecord,
    VerifyOutcome,
    VerifyStatus,
)

__all__ = [
    "EXPORT_KINDS",
    "EnrolmentRecord",
    "ExportKind",
    "ImportResult",
    "Ledger",
    "LockoutPolicy",
    "PaymentRecord",
    "RowProblem",
    "RowsRejected",
    "StudentRecord",
    "VerifyOutcome",
    "VerifyStatus",
    "digits_of",
    "mask_code",
    "normalise_code",
]
