"""The ledger interface: what the phone, the CLI and the importer need from storage.

``SqlLedger`` implements it on SQLAlchemy Core, for SQLite and PostgreSQL alike. Money is
integer céntimos; every instant is an aware datetime passed in (never read from a clock here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar, Literal, NamedTuple, Protocol

from ivr.core.fees.model import Account, Enrolment, Payment, Student
from ivr.core.selfservice.phone import VerifyOutcome as VerifyOutcome
from ivr.core.selfservice.phone import VerifyStatus as VerifyStatus

ExportKind = Literal["students", "enrolments", "payments"]
EXPORT_KINDS: tuple[ExportKind, ...] = ("students", "enrolments", "payments")
Progress = Callable[[int], None]  # called with how many more rows were handled


class StudentRecord(NamedTuple):
    """A student row to store, with the second factor to hash (never stored as given)."""

    student: Student
    dni_last4: str
    line: int = 0  # where it came from in its export, for messages
    mobile: str | None = None  # E.164, for due-date reminders (ivr.core.reminders)


class EnrolmentRecord(NamedTuple):
    """An enrolment row; (code, term) is its key."""

    code: str
    enrolment: Enrolment
    line: int = 0


class PaymentRecord(NamedTuple):
    """A payment row; ``payment.payment_id`` (the billing system's id) is its key.

    Records are named tuples, not dataclasses: an import or the demo makes millions of them.
    """

    code: str
    payment: Payment
    line: int = 0


@dataclass(frozen=True, slots=True, order=True)
class RowProblem:
    """Something wrong with one row of an export: ``file:line: column: problem``."""

    line: int
    column: str
    message: str

    def located(self, file: str) -> str:
        return f"{file}:{self.line}: {self.column}: {self.message}"


class RowsRejected(Exception):
    """Raised by a stream of records at its end when it left bad rows out: nothing is written.

    An import reads, checks and stages a file in batches, then switches it in; the reader
    raises this once it has read every row, so nothing of the file reaches the ledger.
    """

    def __init__(self, problems: Sequence[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = tuple(problems)


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did; with problems, it did nothing at all."""

    kind: ExportKind
    rows: int
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: tuple[RowProblem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """Repeated failures on one code across calls lock it for a while."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=30)


class Ledger(Protocol):
    """Students, enrolments and payments, and the phone verification's memory of failures."""

    purges: ClassVar[str]  # what purge_expired forgets (ivr.storage.database.Expiring)

    def find_student(self, code: str) -> Student | None:
        """Return the student with this code, or with these digits ("N00123456"/"00123456")."""
        ...

    def load_account(self, code: str) -> Account | None:
        """Return the student (by code or digits) with every enrolment and payment."""
        ...

    def import_students(
        self, records: Iterable[StudentRecord], progress: Progress | None = None
    ) -> ImportResult:
        """Upsert students by code, all or nothing (staged in batches, switched in at once).

        ``records`` may be a stream: it is read once, a batch at a time, and a stream that
        raises ``RowsRejected`` leaves the ledger as it was.
        """
        ...

    def import_enrolments(
        self, records: Iterable[EnrolmentRecord], progress: Progress | None = None
    ) -> ImportResult:
        """Upsert enrolments by (code, term), all or nothing; each student must exist."""
        ...

    def import_payments(
        self, records: Iterable[PaymentRecord], progress: Progress | None = None
    ) -> ImportResult:
        """Upsert payments by the billing system's payment id, all or nothing."""
        ...

    def verify(
        self, code_digits: str, dni_last4: str, now: datetime, attempt: str | None = None
    ) -> VerifyOutcome:
        """Check a caller's code digits and DNI digits, counting failures and locking.

        ``attempt`` names the request that asks (e.g. CallSid and step): the same attempt
        asked again never counts a second failure.
        """
        ...

    def purge_expired(self, now: datetime) -> int:
        """Forget failures and lockouts that no longer matter; return how many rows went."""
        ...

    def reset(self) -> None:
        """Delete every student, enrolment, payment, failure and lockout."""
        ...

    def close(self) -> None: ...


AnyRecord = StudentRecord | EnrolmentRecord | PaymentRecord


def import_records(
    ledger: Ledger,
    kind: ExportKind,
    records: Iterable[AnyRecord],
    progress: Progress | None = None,
) -> ImportResult:
    """Hand records (a stream or a sequence) of one kind to the ledger's importer."""
    if kind == "students":
        students = (r for r in records if isinstance(r, StudentRecord))
        return ledger.import_students(students, progress)
    if kind == "enrolments":
        enrolments = (r for r in records if isinstance(r, EnrolmentRecord))
        return ledger.import_enrolments(enrolments, progress)
    payments = (r for r in records if isinstance(r, PaymentRecord))
    return ledger.import_payments(payments, progress)
