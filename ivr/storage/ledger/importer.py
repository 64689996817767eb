"""Read the billing system's CSV exports into ledger records, with every problem located.

Three exports, told apart by their header (or named with ``--kind``): students, enrolments and
payments. Their columns are documented one by one in ``examples/ledger/README.md``. A file is
read whole and checked row by row; any problem rejects it (``file:line: column: problem``, all
of them), and only a clean file reaches the ledger, which writes it in one transaction.
Messages never repeat a student code or a DNI.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, cast

from ivr.core.codes import normalise_code
from ivr.core.fees.model import (
    CUOTA_CONCEPTS,
    CUOTAS_PER_TERM,
    INSURANCE_VALUES,
    PAYMENT_CONCEPTS,
    Enrolment,
    Insurance,
    Payment,
    PaymentConcept,
    Student,
)
from ivr.core.fees.money import parse_amount
from ivr.storage.ledger.base import (
    EXPORT_KINDS,
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    Ledger,
    PaymentRecord,
    Progress,
    RowProblem,
    StudentRecord,
)

COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    "students": (
        "student_code",
        "dni",
        "tariff_category",
        "has_agreement",
        "has_benefit",
        "is_staff_or_family",
    ),
    "enrolments": (
        "student_code",
        "term",
        "tariff",
        "credits",
        "last_regular_cycle",
        "insurance",
        "extemporaneous",
        "withdrawn_on",
        "early_payment_granted_on",
    ),
    "payments": ("payment_id", "student_code", "term", "concept", "cuota", "amount", "paid_on"),
}
# Columns an export may leave out (older billing exports lack them): read as empty.
OPTIONAL_COLUMNS = frozenset({"early_payment_granted_on"})
# The column that only one kind of export has, to tell them apart.
_SIGNATURE: dict[str, ExportKind] = {"dni": "students", "credits": "enrolments"}
_SIGNATURE["payment_id"] = "payments"

TRUE = {"1", "si", "sí", "s", "true", "yes", "y", "x"}
FALSE = {"0", "no", "n", "false", ""}
DNI = re.compile(r"^\d{8,12}$")  # DNI: 8 digits; carné de extranjería and others up to 12
TERM = re.compile(r"^\d{4}-\d{1,2}$")
CATEGORY = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
PAYMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./:-]{0,63}$")
MAX_CREDITS = 40

Record = StudentRecord | EnrolmentRecord | PaymentRecord


@dataclass(frozen=True, slots=True)
class ParsedExport:
    """One CSV export read and checked: its records, or the problems that reject it."""

    file: str
    kind: ExportKind | None
    records: tuple[Record, ...] = ()
    problems: tuple[RowProblem, ...] = ()

    def messages(self) -> list[str]:
        return [p.located(self.file) for p in sorted(self.problems)]


@dataclass
class _Row:
    """Reads the cells of one row, noting a problem for each bad one."""

    line: int
    cells: dict[str, str]
    problems: list[RowProblem] = field(default_factory=list)

    def bad(self, column: str, message: str) -> None:
        self.problems.append(RowProblem(self.line, column, message))

    def raw(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def code(self, column: str = "student_code") -> str | None:
        value = self.raw(column)
        code = normalise_code(value) if value else None
        if code is None:
            self.bad(column, "is not a student code (letters then digits, e.g. N00123456)")
        return code

    def flag(self, column: str) -> bool | None:
        value = self.raw(column).casefold()
        if value in TRUE:
            return True
        if value in FALSE:
            return False
        self.bad(column, f"'{self.raw(column)}' is not yes or no (write 1 or 0, si or no)")
        return None

    def amount(self, column: str, *, positive: bool = False) -> int | None:
        value = self.raw(column)
        cents = parse_amount(value)
        if cents is None:
            self.bad(
                column,
                f"'{value}' is not an amount in soles (write it like 1234.50: a dot before the "
                "céntimos, no thousands separator)",
            )
        elif positive and cents == 0:
            self.bad(column, "must be more than 0.00")
            return None
        return cents

    def day(self, column: str, *, optional: bool = False) -> date | None:
        value = self.raw(column)
        if not value and optional:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.bad(column, f"'{value}' is not a date (write it as YYYY-MM-DD, e.g. 2026-08-31)")
            return None

    def whole(self, column: str, low: int, high: int, *, optional: bool = False) -> int | None:
        value = self.raw(column)
        if not value and optional:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.bad(column, f"'{value}' is not a whole number from {low} to {high}")
            return None
        return int(value)

    def term(self, known: Collection[str] | None) -> str | None:
        value = self.raw("term")
        if not TERM.match(value):
            self.bad("term", f"'{value}' is not a term code (e.g. 2026-2)")
            return None
        if known is not None and value not in known:
            self.bad("term", f"'{value}' is not in billing/terms.yaml (known: {', '.join(known)})")
            return None
        return value

    def choice(self, column: str, options: Sequence[str]) -> str | None:
        value = self.raw(column)
        if value in options:
            return value
        close = difflib.get_close_matches(value, options, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else "one of: " + ", ".join(options)
        self.bad(column, f"'{value}' is not one of the accepted values ({hint})")
        return None


def detect_kind(header: Sequence[str]) -> ExportKind | None:
    """Return which export a header belongs to, by the column only that export has."""
    names = {name.strip() for name in header}
    kinds = {kind for column, kind in _SIGNATURE.items() if column in names}
    return kinds.pop() if len(kinds) == 1 else None


def count_rows(path: Path) -> int:
    """Return how many lines follow the header (for a progress bar's length)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)


def read_export(
    path: Path,
    kind: ExportKind | None = None,
    *,
    known_terms: Collection[str] | None = None,
    shown_as: str | None = None,
    progress: Progress | None = None,
) -> ParsedExport:
    """Read one export; ``known_terms`` (from billing/terms.yaml) checks the term column."""
    name = shown_as or path.name
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return _read(handle, name, kind, known_terms, progress)
    except UnicodeDecodeError:
        problem = RowProblem(0, "file", "is not UTF-8 text (save the export as CSV UTF-8)")
        return ParsedExport(name, kind, problems=(problem,))
    except OSError as exc:
        return ParsedExport(name, kind, problems=(RowProblem(0, "file", str(exc.strerror)),))


def _read(
    handle: Any,
    name: str,
    kind: ExportKind | None,
    known_terms: Collection[str] | None,
    progress: Progress | None,
) -> ParsedExport:
    first = handle.readline()
    if not first.strip():
        return ParsedExport(name, kind, problems=(RowProblem(1, "header", "the file is empty"),))
    # Spreadsheets set to Spanish save CSV with semicolons.
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]
    kind = kind or detect_kind(header)
    if kind is None:
        problem = RowProblem(
            1,
            "header",
            "cannot tell which export this is: a students export has a 'dni' column, an "
            "enrolments export 'credits', a payments export 'payment_id' (or pass --kind)",
        )
        return ParsedExport(name, None, problems=(problem,))
    problems = _check_header(header, COLUMNS[kind])
    if problems:
        return ParsedExport(name, kind, problems=tuple(problems))
    reader = csv.reader(handle, delimiter=delimiter)
    records: list[Record] = []
    all_problems: list[RowProblem] = []
    seen: dict[object, int] = {}
    line = 1
    for cells in reader:
        start, line = line + 1, reader.line_num + 1  # + the header line read by hand
        if progress is not None:
            progress(1)
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            all_problems.append(
                RowProblem(
                    start, "row", f"has {len(cells)} cells; the header has {len(header)} columns"
                )
            )
            continue
        row = _Row(start, dict(zip(header, cells, strict=True)))
        record = _PARSERS[kind](row, known_terms)
        key = _key(record) if record is not None else None
        if key is not None and key in seen:
            row.bad(_KEY_COLUMN[kind], f"repeats the row on line {seen[key]}")
        elif key is not None:
            seen[key] = start
        all_problems.extend(row.problems)
        if record is not None and not row.problems:
            records.append(record)
    return ParsedExport(name, kind, tuple(records), tuple(all_problems))


def _check_header(header: Sequence[str], expected: tuple[str, ...]) -> list[RowProblem]:
    problems: list[RowProblem] = []
    seen: set[str] = set()
    for column in header:
        if column in seen:
            problems.append(RowProblem(1, column, "is a repeated column"))
        seen.add(column)
        if column not in expected:
            close = difflib.get_close_matches(column, expected, n=1, cutoff=0.6)
            hint = f"did you mean '{close[0]}'?" if close else "expected: " + ", ".join(expected)
            problems.append(RowProblem(1, column or "header", f"unknown column ({hint})"))
    for column in expected:
        if column not in seen and column not in OPTIONAL_COLUMNS:
            problems.append(RowProblem(1, column, "missing column"))
    return problems


def _student(row: _Row, known_terms: Collection[str] | None) -> StudentRecord | None:
    del known_terms
    code = row.code()
    dni = row.raw("dni")
    if not DNI.match(dni):
        row.bad("dni", "is not a document number (8 to 12 digits, e.g. a DNI's 8)")
    category = row.raw("tariff_category").casefold()
    if not CATEGORY.match(category):
        row.bad("tariff_category", "is not a tariff category name (e.g. regular)")
    agreement = row.flag("has_agreement")
    benefit = row.flag("has_benefit")
    staff = row.flag("is_staff_or_family")
    if code is None or agreement is None or benefit is None or staff is None or row.problems:
        return None
    # Only the last four digits go on, to be hashed: the DNI itself is never stored.
    student = Student(code, category, agreement, benefit, staff)
    return StudentRecord(student, dni[-4:], row.line)


def _enrolment(row: _Row, known_terms: Collection[str] | None) -> EnrolmentRecord | None:
    code = row.code()
    term = row.term(known_terms)
    tariff = row.amount("tariff")
    credits = row.whole("credits", 1, MAX_CREDITS)
    last = row.flag("last_regular_cycle")
    insurance = row.choice("insurance", INSURANCE_VALUES)
    late = row.flag("extemporaneous")
    withdrawn = row.day("withdrawn_on", optional=True)
    # policy 5.2.2 c-d: the early-payment discount exists only when billing granted it
    granted = row.day("early_payment_granted_on", optional=True)
    if (
        code is None
        or term is None
        or tariff is None
        or credits is None
        or last is None
        or insurance is None
        or late is None
        or row.problems
    ):
        return None
    enrolment = Enrolment(
        term, tariff, credits, last, cast(Insurance, insurance), late, withdrawn, granted
    )
    return EnrolmentRecord(code, enrolment, row.line)


def _payment(row: _Row, known_terms: Collection[str] | None) -> PaymentRecord | None:
    payment_id = row.raw("payment_id")
    if not PAYMENT_ID.match(payment_id):
        row.bad(
            "payment_id",
            f"'{payment_id}' is not a payment id (letters, digits and - _ . / :, up to 64)",
        )
    code = row.code()
    term = row.term(known_terms) if row.raw("term") else None
    concept = row.choice("concept", PAYMENT_CONCEPTS)
    cuota = row.whole("cuota", 1, CUOTAS_PER_TERM, optional=True)
    amount = row.amount("amount", positive=True)
    paid_on = row.day("paid_on")
    if cuota is not None and concept is not None and concept not in CUOTA_CONCEPTS:
        row.bad("cuota", f"a '{concept}' payment is not for a cuota: leave it empty")
    if cuota is not None and not row.raw("term"):
        row.bad("term", "is needed when the payment names a cuota")
    if code is None or concept is None or amount is None or paid_on is None or row.problems:
        return None
    payment = Payment(cast(PaymentConcept, concept), cuota, amount, paid_on, term, payment_id)
    return PaymentRecord(code, payment, row.line)


_PARSERS: dict[ExportKind, Callable[[_Row, Collection[str] | None], Record | None]] = {
    "students": _student,
    "enrolments": _enrolment,
    "payments": _payment,
}
_KEY_COLUMN: dict[ExportKind, str] = {
    "students": "student_code",
    "enrolments": "term",
    "payments": "payment_id",
}


def _key(record: Record) -> object:
    if isinstance(record, StudentRecord):
        return record.student.code
    if isinstance(record, EnrolmentRecord):
        return (record.code, record.enrolment.term)
    return record.payment.payment_id


def import_parsed(
    ledger: Ledger, parsed: ParsedExport, progress: Progress | None = None
) -> ImportResult:
    """Hand a clean export to the ledger (one transaction; all of it or nothing)."""
    if parsed.kind is None or parsed.problems:
        raise ValueError("only a clean export can be imported")
    if parsed.kind == "students":
        students = [r for r in parsed.records if isinstance(r, StudentRecord)]
        return ledger.import_students(students, progress)
    if parsed.kind == "enrolments":
        enrolments = [r for r in parsed.records if isinstance(r, EnrolmentRecord)]
        return ledger.import_enrolments(enrolments, progress)
    payments = [r for r in parsed.records if isinstance(r, PaymentRecord)]
    return ledger.import_payments(payments, progress)


def kind_order(kind: ExportKind | None) -> int:
    """Students before enrolments before payments: each refers to the one before."""
    return EXPORT_KINDS.index(kind) if kind is not None else len(EXPORT_KINDS)
