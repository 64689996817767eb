"""Read the billing system's CSV exports into ledger records, with every problem located.

Three exports, told apart by their header (or named with ``--kind``): students, enrolments and
payments. Their columns are documented one by one in ``examples/ledger/README.md``. A file is
read, checked and staged in batches, then switched into the ledger in one short transaction
(``import_file``; ``ivr.storage.ledger.staging`` says why), so memory does not grow with the
file and calls never wait behind it; any problem rejects it (``file:line: column: problem``,
all of them) and nothing is switched in, so a file goes in whole or not at all. Messages
never repeat a student code or a DNI.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import sqlite3
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TextIO, cast

from ivr.core.codes import normalise_code
from ivr.core.fees.model import (
    CUOTA_CONCEPTS,
    INSURANCE_VALUES,
    MAX_CUOTAS,
    PAYMENT_CONCEPTS,
    Enrolment,
    Insurance,
    Payment,
    PaymentConcept,
    Student,
)
from ivr.core.fees.money import parse_amount
from ivr.core.reminders import parse_mobile
from ivr.storage.ledger.base import (
    EXPORT_KINDS,
    AnyRecord,
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    Ledger,
    PaymentRecord,
    Progress,
    RowProblem,
    RowsRejected,
    StudentRecord,
    import_records,
)

COLUMNS: dict[ExportKind, tuple[str, ...]] = {
    "students": (
        "student_code",
        "dni",
        "tariff_category",
        "has_agreement",
        "has_benefit",
        "is_staff_or_family",
        "mobile",
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
OPTIONAL_COLUMNS = frozenset({"early_payment_granted_on", "mobile"})
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

Record = AnyRecord


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


class ExportReader:
    """One export open for reading: its kind from the header at once, then its rows one by one.

    ``records()`` yields each clean record as it is read and notes every problem; at the end,
    if there were any, it raises ``RowsRejected`` with all of them, so a ledger importing the
    stream rolls the whole file back. Memory holds one row; the keys seen so far (to report a
    repeated row) go to a temporary file.
    """

    def __init__(
        self, handle: TextIO, file: str, kind: ExportKind | None, terms: Collection[str] | None
    ) -> None:
        self.file = file
        self.kind = kind
        self.problems: list[RowProblem] = []
        self._handle = handle
        self._terms = terms
        self._header: list[str] = []
        self._delimiter = ","
        self._read_header()

    def _read_header(self) -> None:
        try:
            first = self._handle.readline()
        except UnicodeDecodeError:
            self.problems = [_NOT_UTF8]
            return
        if not first.strip():
            self.problems = [RowProblem(1, "header", "the file is empty")]
            return
        # Spreadsheets set to Spanish save CSV with semicolons.
        self._delimiter = ";" if first.count(";") > first.count(",") else ","
        self._header = [c.strip() for c in next(csv.reader([first], delimiter=self._delimiter))]
        self.kind = self.kind or detect_kind(self._header)
        if self.kind is None:
            problem = RowProblem(
                1,
                "header",
                "cannot tell which export this is: a students export has a 'dni' column, an "
                "enrolments export 'credits', a payments export 'payment_id' (or pass --kind)",
            )
            self.problems = [problem]
            return
        self.problems = _check_header(self._header, COLUMNS[self.kind])

    def records(self, progress: Progress | None = None) -> Iterator[Record]:
        """Yield the clean records in order; at the end raise ``RowsRejected`` if any was bad.

        ``progress`` hears how many more lines were read, good or bad, every few hundred.
        """
        if self.kind is not None and not self.problems:
            try:
                yield from self._rows(self.kind, progress)
            except UnicodeDecodeError:
                # The rest cannot be read: this one problem says what to do about all of them.
                self.problems = [_NOT_UTF8]
        if self.problems:
            raise RowsRejected(self.problems)

    def _rows(self, kind: ExportKind, progress: Progress | None) -> Iterator[Record]:
        header, parse, key_column = self._header, _PARSERS[kind], _KEY_COLUMN[kind]
        reader = csv.reader(self._handle, delimiter=self._delimiter)
        with closing(_SeenKeys()) as seen:
            yield from self._parse(reader, header, parse, key_column, seen, progress)

    def _parse(
        self,
        reader: Any,
        header: list[str],
        parse: Callable[[_Row, Collection[str] | None], Record | None],
        key_column: str,
        seen: _SeenKeys,
        progress: Progress | None,
    ) -> Iterator[Record]:
        line = reported = 1
        for cells in reader:
            start, line = line + 1, reader.line_num + 1  # + the header line read by hand
            if progress is not None and line - reported >= _PROGRESS_EVERY:
                progress(line - reported)
                reported = line
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                self.problems.append(
                    RowProblem(
                        start,
                        "row",
                        f"has {len(cells)} cells; the header has {len(header)} columns",
                    )
                )
                continue
            row = _Row(start, dict(zip(header, cells, strict=True)))
            record = parse(row, self._terms)
            first = seen.first_line(_key(record), start) if record is not None else None
            if first is not None:
                row.bad(key_column, f"repeats the row on line {first}")
            self.problems.extend(row.problems)
            if record is not None and not row.problems:
                yield record
        if progress is not None and line > reported:
            progress(line - reported)


class _SeenKeys:
    """The key of every row read so far with its line, to report a repeated row.

    Kept in a private temporary SQLite database (the standard library's, deleted on close):
    a dict would grow by about 150 bytes a row, a million rows taking 150 MB, while SQLite
    keeps a couple of MB of pages in memory and the rest in its temporary file.
    """

    def __init__(self) -> None:
        self._db = sqlite3.connect("")  # "": a temporary database on disk, gone on close
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def first_line(self, key: str, line: int) -> int | None:
        """Remember ``key`` at ``line``; return the line it was first seen on, if it was."""
        added = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (key, line))
        if added.rowcount:
            return None
        found = self._db.execute("SELECT line FROM seen WHERE key = ?", (key,)).fetchone()
        return int(found[0])

    def close(self) -> None:
        self._db.close()


_PROGRESS_EVERY = 500  # lines between progress reports (a progress bar redraws on each)
_NOT_UTF8 = RowProblem(0, "file", "is not UTF-8 text (save the export as CSV UTF-8)")


@contextmanager
def open_export(
    path: Path,
    kind: ExportKind | None = None,
    *,
    known_terms: Collection[str] | None = None,
    shown_as: str | None = None,
) -> Iterator[ExportReader]:
    """Open one export for reading; ``known_terms`` (from billing/terms.yaml) checks terms.

    A file that cannot be opened gives a reader with that one problem and no rows.
    """
    name = shown_as or path.name
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        with io.StringIO() as empty:
            reader = ExportReader(empty, name, kind, known_terms)
            reader.problems = [RowProblem(0, "file", str(exc.strerror))]
            yield reader
        return
    with handle:
        yield ExportReader(handle, name, kind, known_terms)


def read_export(
    path: Path,
    kind: ExportKind | None = None,
    *,
    known_terms: Collection[str] | None = None,
    shown_as: str | None = None,
) -> ParsedExport:
    """Read one export whole: its records, or every problem (for small files and checks).

    Imports stream instead (``import_file``): this keeps every record in memory.
    """
    with open_export(path, kind, known_terms=known_terms, shown_as=shown_as) as reader:
        records: list[Record] = []
        try:
            records.extend(reader.records())
        except RowsRejected:
            records.clear()
        return ParsedExport(reader.file, reader.kind, tuple(records), tuple(reader.problems))


@dataclass(frozen=True, slots=True)
class FileImport:
    """What importing one export file did: the ledger's result, or the problems rejecting it."""

    file: str
    kind: ExportKind | None
    result: ImportResult | None = None  # None: refused before any row (header, unreadable)
    refused: tuple[RowProblem, ...] = ()

    @property
    def problems(self) -> tuple[RowProblem, ...]:
        return self.result.problems if self.result is not None else self.refused

    def messages(self) -> list[str]:
        return [p.located(self.file) for p in sorted(self.problems)]


def peek_kind(path: Path, kind: ExportKind | None = None) -> ExportKind | None:
    """Return which export ``path`` is, from its header (None when it cannot be told)."""
    with open_export(path, kind) as reader:
        return reader.kind


def import_file(
    ledger: Ledger,
    path: Path,
    kind: ExportKind | None = None,
    *,
    known_terms: Collection[str] | None = None,
    shown_as: str | None = None,
    progress: Progress | None = None,
) -> FileImport:
    """Read, check and stage one export in batches, then switch it in: all of it or nothing.

    Memory holds a batch of rows and the keys seen (to report a repeated row), whatever the
    file's size. ``progress`` is called with how many more rows were read and written.
    """
    with open_export(path, kind, known_terms=known_terms, shown_as=shown_as) as reader:
        if reader.kind is None or reader.problems:
            return FileImport(reader.file, reader.kind, refused=tuple(reader.problems))
        result = import_records(ledger, reader.kind, reader.records(progress))
        return FileImport(reader.file, reader.kind, result)


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
    mobile = parse_mobile(row.raw("mobile")) if row.raw("mobile") else None
    if row.raw("mobile") and mobile is None:
        row.bad(
            "mobile",
            f"'{row.raw('mobile')}' is not a Peruvian mobile (nine digits starting with 9, "
            "e.g. 987654321 or +51987654321; leave it empty when there is none)",
        )
    if code is None or agreement is None or benefit is None or staff is None or row.problems:
        return None
    # Only the last four digits go on, to be hashed: the DNI itself is never stored.
    student = Student(code, category, agreement, benefit, staff)
    return StudentRecord(student, dni[-4:], row.line, mobile)


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
    # any cuota a policy may have: billing/policy.yaml's own count is the statement's to apply
    cuota = row.whole("cuota", 1, MAX_CUOTAS, optional=True)
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


def _key(record: Record) -> str:
    if isinstance(record, StudentRecord):
        return record.student.code
    if isinstance(record, EnrolmentRecord):
        return f"{record.code} {record.enrolment.term}"  # a code has no space
    return record.payment.payment_id


def import_parsed(
    ledger: Ledger, parsed: ParsedExport, progress: Progress | None = None
) -> ImportResult:
    """Hand a clean export read whole to the ledger (all of it or nothing)."""
    if parsed.kind is None or parsed.problems:
        raise ValueError("only a clean export can be imported")
    return import_records(ledger, parsed.kind, parsed.records, progress)


def import_order(paths: Iterable[Path], kind: ExportKind | None = None) -> list[Path]:
    """Return ``paths`` in the order to import them, told by their headers (or ``kind``):
    students before enrolments before payments, as each refers to the one before; files that
    are none of them last; files of one kind in the order given."""

    def rank(path: Path) -> int:
        found = peek_kind(path, kind)
        return EXPORT_KINDS.index(found) if found is not None else len(EXPORT_KINDS)

    return sorted(paths, key=rank)
