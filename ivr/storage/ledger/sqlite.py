"""The ledger in one SQLite file: WAL mode, one connection per thread, integer céntimos.

The schema is created and migrated when the ledger opens (``schema_version`` records each
step applied). Instants are stored as ISO 8601 strings in UTC with a fixed width
(``2026-11-21T14:00:00.000000+00:00``), so comparing the strings compares the instants.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from ivr.core.codes import CODE, digits_of, mask_code, normalise_code
from ivr.core.fees.model import Account, Enrolment, Insurance, Payment, PaymentConcept, Student
from ivr.storage.ledger.base import (
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    LockoutPolicy,
    PaymentRecord,
    Progress,
    RowProblem,
    StudentRecord,
    VerifyOutcome,
)
from ivr.storage.ledger.secondfactor import DEFAULT_ITERATIONS, LAST4, check_verifier, make_verifier
from ivr.storage.sqlite import ThreadConnections

T = TypeVar("T")
_CHUNK = 500  # values per "IN (...)" query, well under SQLite's parameter limit
_MAX_DIGITS = 20  # what a failure row keeps of whatever a caller keyed

# Each migration is the list of statements that takes the schema one version up.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE students (
            code TEXT PRIMARY KEY,
            code_digits TEXT NOT NULL UNIQUE,
            tariff_category TEXT NOT NULL,
            has_agreement INTEGER NOT NULL CHECK (has_agreement IN (0, 1)),
            has_benefit INTEGER NOT NULL CHECK (has_benefit IN (0, 1)),
            is_staff_or_family INTEGER NOT NULL CHECK (is_staff_or_family IN (0, 1)),
            dni_verifier TEXT NOT NULL
        )""",
        """CREATE TABLE enrolments (
            code TEXT NOT NULL REFERENCES students (code) ON DELETE CASCADE,
            term TEXT NOT NULL,
            tariff INTEGER NOT NULL CHECK (tariff >= 0),
            credits INTEGER NOT NULL CHECK (credits > 0),
            last_regular_cycle INTEGER NOT NULL CHECK (last_regular_cycle IN (0, 1)),
            insurance TEXT NOT NULL
                CHECK (insurance IN ('contracted', 'exonerated', 'not_contracted')),
            extemporaneous INTEGER NOT NULL CHECK (extemporaneous IN (0, 1)),
            withdrawn_on TEXT,
            PRIMARY KEY (code, term)
        )""",
        """CREATE TABLE payments (
            payment_id TEXT PRIMARY KEY,
            code TEXT NOT NULL REFERENCES students (code) ON DELETE CASCADE,
            term TEXT,
            concept TEXT NOT NULL,
            cuota INTEGER CHECK (cuota BETWEEN 1 AND 5),
            amount INTEGER NOT NULL CHECK (amount > 0),
            paid_on TEXT NOT NULL
        )""",
        "CREATE INDEX payments_by_student ON payments (code, paid_on)",
        """CREATE TABLE verification_failures (
            code_digits TEXT NOT NULL,
            failed_at TEXT NOT NULL
        )""",
        "CREATE INDEX failures_by_code ON verification_failures (code_digits, failed_at)",
        """CREATE TABLE lockouts (
            code_digits TEXT PRIMARY KEY,
            locked_until TEXT NOT NULL
        )""",
    ),
    # policy 5.2.2 c-d: the day billing granted the early-payment discount for the term
    ("ALTER TABLE enrolments ADD COLUMN early_payment_granted_on TEXT",),
)

_STUDENT_COLUMNS = (
    "code, code_digits, tariff_category, has_agreement, has_benefit, is_staff_or_family, "
    "dni_verifier"
)
_ENROLMENT_COLUMNS = (
    "code, term, tariff, credits, last_regular_cycle, insurance, extemporaneous, withdrawn_on, "
    "early_payment_granted_on"
)
_PAYMENT_COLUMNS = "payment_id, code, term, concept, cuota, amount, paid_on"


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer version of this code."""


class _Rejected(Exception):
    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


class SqliteLedger:
    """The ``Ledger`` in an SQLite file (a path; each thread opens its own connection)."""

    def __init__(
        self,
        path: Path | str,
        *,
        hash_iterations: int = DEFAULT_ITERATIONS,
        lockout: LockoutPolicy | None = None,
    ) -> None:
        self.path = Path(path)
        self.hash_iterations = hash_iterations
        self.lockout = lockout or LockoutPolicy()
        self._connections = ThreadConnections(self.path, "foreign_keys=ON")
        # checked against when the code is unknown, so that answer takes as long as a wrong DNI
        self._decoy = make_verifier("0000", hash_iterations)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    # -- connections and transactions -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """Run a block as one transaction that takes the write lock at once."""
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        """Close every connection this ledger opened, in any thread."""
        self._connections.close_all()

    # -- schema -----------------------------------------------------------------------------
    def migrate(self) -> int:
        with self._write() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            current = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
            version = int(current.fetchone()[0])
            if version > len(MIGRATIONS):
                raise SchemaTooNewError(
                    f"{self.path} has schema version {version}; this code knows up to "
                    f"{len(MIGRATIONS)}: upgrade the application"
                )
            for number, statements in enumerate(MIGRATIONS[version:], start=version + 1):
                for sql in statements:
                    conn.execute(sql)
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
        return len(MIGRATIONS)

    def schema_version(self) -> int:
        row = self._conn().execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row.fetchone()[0])

    # -- reading ----------------------------------------------------------------------------
    def _student_row(self, code: str) -> tuple[Any, ...] | None:
        normal = normalise_code(code)
        if normal is None:
            return None
        match = CODE.match(normal)
        assert match is not None
        prefix, digits = match.groups()
        where, key = ("code = ?", normal) if prefix else ("code_digits = ?", digits)
        cursor = self._conn().execute(
            "SELECT code, tariff_category, has_agreement, has_benefit, is_staff_or_family "
            f"FROM students WHERE {where}",
            (key,),
        )
        return cast(tuple[Any, ...] | None, cursor.fetchone())

    def find_student(self, code: str) -> Student | None:
        row = self._student_row(code)
        return None if row is None else _student(row)

    def load_account(self, code: str) -> Account | None:
        row = self._student_row(code)
        if row is None:
            return None
        conn = self._conn()
        enrolments = conn.execute(
            f"SELECT {_ENROLMENT_COLUMNS} FROM enrolments WHERE code = ? ORDER BY term", (row[0],)
        ).fetchall()
        payments = conn.execute(
            f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE code = ? ORDER BY paid_on, payment_id",
            (row[0],),
        ).fetchall()
        return Account(
            student=_student(row),
            enrolments=tuple(_enrolment(e) for e in enrolments),
            payments=tuple(_payment(p) for p in payments),
        )

    def count(self, table: str) -> int:
        if table not in {"students", "enrolments", "payments"}:
            raise ValueError(f"no table {table}")
        return int(self._conn().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    # -- importing --------------------------------------------------------------------------
    def import_students(
        self, records: Sequence[StudentRecord], progress: Progress | None = None
    ) -> ImportResult:
        codes = [r.student.code for r in records]
        known = self._by_key(self._conn(), "students", "code", _STUDENT_COLUMNS, codes)
        # Hash first, outside the write transaction: it is the slow part, and webhooks must
        # still be able to record verification failures meanwhile. A verifier that already
        # matches the DNI digits is kept, so re-importing the same export changes nothing.
        verifiers: list[str] = []
        for index, record in enumerate(records, start=1):
            old = known.get(record.student.code)
            if old is not None and check_verifier(old[6], record.dni_last4):
                verifiers.append(old[6])
            else:
                cost = record.hash_iterations or self.hash_iterations
                verifiers.append(make_verifier(record.dni_last4, cost))
            if progress is not None and index % 100 == 0:
                progress(100)
        if progress is not None and len(records) % 100:
            progress(len(records) % 100)
        rows = [
            (
                r.student.code,
                digits_of(r.student.code),
                r.student.tariff_category,
                int(r.student.has_agreement),
                int(r.student.has_benefit),
                int(r.student.is_staff_or_family),
                verifier,
            )
            for r, verifier in zip(records, verifiers, strict=True)
        ]
        try:
            with self._write() as conn:
                problems = self._digit_clashes(conn, records, rows)
                if problems:
                    raise _Rejected(problems)
                existing = self._by_key(conn, "students", "code", _STUDENT_COLUMNS, codes)
                return self._upsert(
                    conn, "students", _STUDENT_COLUMNS, ("code",), rows, existing, None
                )
        except _Rejected as rejected:
            return ImportResult("students", len(records), problems=tuple(rejected.problems))

    def _digit_clashes(
        self,
        conn: sqlite3.Connection,
        records: Sequence[StudentRecord],
        rows: list[tuple[Any, ...]],
    ) -> list[RowProblem]:
        # Callers key only the digits, so two codes with the same digits cannot both exist.
        digits = [str(row[1]) for row in rows]
        owners = {
            str(row[1]): str(row[0])
            for row in _select_in(
                conn, "SELECT code, code_digits FROM students", "code_digits", digits
            )
        }
        problems: list[RowProblem] = []
        seen: dict[str, str] = {}
        for record, row in zip(records, rows, strict=True):
            code, key = str(row[0]), str(row[1])
            other = owners.get(key)
            if other == code:
                other = None
            if other is None:
                first = seen.setdefault(key, code)
                other = first if first != code else None
            if other is not None:
                problems.append(
                    RowProblem(
                        record.line,
                        "student_code",
                        f"has the same digits as student {mask_code(other)}; callers key only "
                        "the digits, so they could not be told apart",
                    )
                )
        return problems

    def import_enrolments(
        self, records: Sequence[EnrolmentRecord], progress: Progress | None = None
    ) -> ImportResult:
        rows = [
            (
                r.code,
                r.enrolment.term,
                r.enrolment.tariff,
                r.enrolment.credits,
                int(r.enrolment.last_regular_cycle),
                r.enrolment.insurance,
                int(r.enrolment.extemporaneous),
                _iso_day(r.enrolment.withdrawn_on),
                _iso_day(r.enrolment.early_payment_granted_on),
            )
            for r in records
        ]
        try:
            with self._write() as conn:
                self._check_students(conn, [(r.code, r.line) for r in records])
                existing = self._by_key(
                    conn, "enrolments", "code", _ENROLMENT_COLUMNS, [r.code for r in records], 2
                )
                key = ("code", "term")
                return self._upsert(
                    conn, "enrolments", _ENROLMENT_COLUMNS, key, rows, existing, progress, 2
                )
        except _Rejected as rejected:
            return ImportResult("enrolments", len(records), problems=tuple(rejected.problems))

    def import_payments(
        self, records: Sequence[PaymentRecord], progress: Progress | None = None
    ) -> ImportResult:
        rows = [
            (
                r.payment.payment_id,
                r.code,
                r.payment.term,
                r.payment.concept,
                r.payment.cuota,
                r.payment.amount,
                r.payment.paid_on.isoformat(),
            )
            for r in records
        ]
        try:
            with self._write() as conn:
                self._check_students(conn, [(r.code, r.line) for r in records])
                missing = [r.line for r in records if not r.payment.payment_id]
                if missing:
                    raise _Rejected(
                        [RowProblem(line, "payment_id", "is empty") for line in missing]
                    )
                existing = self._by_key(
                    conn, "payments", "payment_id", _PAYMENT_COLUMNS, [str(row[0]) for row in rows]
                )
                return self._upsert(
                    conn, "payments", _PAYMENT_COLUMNS, ("payment_id",), rows, existing, progress
                )
        except _Rejected as rejected:
            return ImportResult("payments", len(records), problems=tuple(rejected.problems))

    def _check_students(self, conn: sqlite3.Connection, codes: list[tuple[str, int]]) -> None:
        wanted = sorted({code for code, _ in codes})
        found = {str(r[0]) for r in _select_in(conn, "SELECT code FROM students", "code", wanted)}
        problems = [
            RowProblem(
                line,
                "student_code",
                f"no student {mask_code(code)} in the ledger: import the students export first",
            )
            for code, line in codes
            if code not in found
        ]
        if problems:
            raise _Rejected(problems)

    def _by_key(
        self,
        conn: sqlite3.Connection,
        table: str,
        column: str,
        columns: str,
        values: Sequence[str],
        key_width: int = 1,
    ) -> dict[Any, tuple[Any, ...]]:
        """Return the rows whose ``column`` is among ``values``, keyed by their first columns."""
        unique = list(dict.fromkeys(values))
        rows = _select_in(conn, f"SELECT {columns} FROM {table}", column, unique)
        return {(row[0] if key_width == 1 else tuple(row[:key_width])): tuple(row) for row in rows}

    def _upsert(
        self,
        conn: sqlite3.Connection,
        table: ExportKind,
        columns: str,
        key: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        existing: dict[Any, tuple[Any, ...]],
        progress: Progress | None,
        key_width: int = 1,
    ) -> ImportResult:
        added = updated = 0
        changed: list[tuple[Any, ...]] = []
        for row in rows:
            old = existing.get(row[0] if key_width == 1 else tuple(row[:key_width]))
            if old is None:
                added += 1
            elif old != row:
                updated += 1
            else:
                continue
            changed.append(row)
        names = [c.strip() for c in columns.split(",")]
        updates = ", ".join(f"{n} = excluded.{n}" for n in names if n not in key)
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}"
        )
        for chunk in _chunks(changed, 5000):
            conn.executemany(sql, chunk)
            if progress is not None:
                progress(len(chunk))
        if progress is not None:
            progress(len(rows) - len(changed))
        return ImportResult(table, len(rows), added, updated, len(rows) - added - updated)

    def reset(self) -> None:
        with self._write() as conn:
            for table in (
                "payments",
                "enrolments",
                "students",
                "verification_failures",
                "lockouts",
            ):
                conn.execute(f"DELETE FROM {table}")

    # -- phone verification -----------------------------------------------------------------
    def verify(self, code_digits: str, dni_last4: str, now: datetime) -> VerifyOutcome:
        at = _instant(now)
        key = code_digits.strip()[:_MAX_DIGITS]
        conn = self._conn()
        if self._locked(conn, key, at):
            return VerifyOutcome("locked")
        row = None
        if key.isdigit():
            row = conn.execute(
                "SELECT code, dni_verifier FROM students WHERE code_digits = ?", (key,)
            ).fetchone()
        well_formed = bool(LAST4.match(dni_last4))
        # an unknown code costs the same hash as a wrong DNI: the answer and its timing match
        verifier = str(row[1]) if row is not None else self._decoy
        matches = check_verifier(verifier, dni_last4 if well_formed else "0000")
        if row is not None and well_formed and matches:
            with self._write() as write:
                write.execute("DELETE FROM verification_failures WHERE code_digits = ?", (key,))
            return VerifyOutcome("verified", str(row[0]))
        policy = self.lockout
        with self._write() as write:
            write.execute(
                "INSERT INTO verification_failures (code_digits, failed_at) VALUES (?, ?)",
                (key, _iso(at)),
            )
            failures = write.execute(
                "SELECT COUNT(*) FROM verification_failures WHERE code_digits = ? "
                "AND failed_at > ?",
                (key, _iso(at - policy.window)),
            ).fetchone()[0]
            if int(failures) >= policy.max_failures:
                write.execute(
                    "INSERT INTO lockouts (code_digits, locked_until) VALUES (?, ?) "
                    "ON CONFLICT (code_digits) DO UPDATE SET locked_until = excluded.locked_until",
                    (key, _iso(at + policy.lock_for)),
                )
                write.execute("DELETE FROM verification_failures WHERE code_digits = ?", (key,))
                return VerifyOutcome("locked")
        return VerifyOutcome("rejected")

    def _locked(self, conn: sqlite3.Connection, key: str, at: datetime) -> bool:
        row = conn.execute(
            "SELECT 1 FROM lockouts WHERE code_digits = ? AND locked_until > ?", (key, _iso(at))
        ).fetchone()
        return row is not None

    def purge_expired(self, now: datetime) -> int:
        at = _instant(now)
        with self._write() as conn:
            failures = conn.execute(
                "DELETE FROM verification_failures WHERE failed_at <= ?",
                (_iso(at - self.lockout.window),),
            ).rowcount
            locks = conn.execute(
                "DELETE FROM lockouts WHERE locked_until <= ?", (_iso(at),)
            ).rowcount
        return int(failures) + int(locks)


def _instant(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware instant (ivr.clock.now())")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    """Return a fixed-width UTC ISO string, so that string order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _iso_day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _select_in(
    conn: sqlite3.Connection, select: str, column: str, values: Sequence[str]
) -> Iterable[tuple[Any, ...]]:
    """Yield the rows of ``select`` whose ``column`` is one of ``values`` (chunked)."""
    for chunk in _chunks(values, _CHUNK):
        marks = ", ".join("?" * len(chunk))
        yield from conn.execute(f"{select} WHERE {column} IN ({marks})", tuple(chunk))


def _student(row: tuple[Any, ...]) -> Student:
    return Student(
        code=str(row[0]),
        tariff_category=str(row[1]),
        has_agreement=bool(row[2]),
        has_benefit=bool(row[3]),
        is_staff_or_family=bool(row[4]),
    )


def _enrolment(row: tuple[Any, ...]) -> Enrolment:
    return Enrolment(
        term=str(row[1]),
        tariff=int(row[2]),
        credits=int(row[3]),
        last_regular_cycle=bool(row[4]),
        insurance=cast(Insurance, row[5]),
        extemporaneous=bool(row[6]),
        withdrawn_on=None if row[7] is None else date.fromisoformat(str(row[7])),
        early_payment_granted_on=None if row[8] is None else date.fromisoformat(str(row[8])),
    )


def _payment(row: tuple[Any, ...]) -> Payment:
    return Payment(
        concept=cast(PaymentConcept, row[3]),
        cuota=None if row[4] is None else int(row[4]),
        amount=int(row[5]),
        paid_on=date.fromisoformat(str(row[6])),
        term=None if row[2] is None else str(row[2]),
        payment_id=str(row[0]),
    )
