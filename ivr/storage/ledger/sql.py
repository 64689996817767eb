"""The ledger on SQLAlchemy Core: the same code on SQLite and on PostgreSQL.

Money is integer céntimos; instants are aware datetimes (stored as UTC). The schema is
Alembic's (``ivr.storage.database``): a ledger never creates tables itself.

Verification failures are counted one after the other per code, on any number of hosts: a
failure first upserts the code's ``lockouts`` row, which locks that row (PostgreSQL) or the
database (SQLite's write lock) until its transaction ends, so simultaneous wrong guesses are
each counted once and the lock falls at exactly the ``max_failures``-th. A success only reads,
and writes only when there are failures to clear.
"""

from __future__ import annotations

import itertools
import logging
from collections import namedtuple
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar, cast

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.exc import IntegrityError

from ivr.core.codes import CODE, digits_of, normalise_code
from ivr.core.fees.model import Account, Enrolment, Insurance, Payment, PaymentConcept, Student
from ivr.storage.database import (
    GLIMPSE_SECONDS,
    STORE_ERRORS,
    answer_within,
    describe,
    upsert,
    writing,
)
from ivr.storage.ledger.base import (
    EnrolmentRecord,
    ExportKind,
    ImportResult,
    LockoutPolicy,
    PaymentRecord,
    Progress,
    RowProblem,
    RowsRejected,
    StudentRecord,
    VerifyOutcome,
)
from ivr.storage.ledger.secondfactor import LAST4, KeyAge, SecondFactor
from ivr.storage.ledger.staging import (
    LEDGER,
    STAGED,
    same_digits,
    staged,
    switch,
    unknown_student,
)
from ivr.storage.quickread import QuickRead, reading
from ivr.storage.schema import (
    Instant,
    enrolments,
    lockouts,
    payments,
    students,
    verification_failures,
)

log = logging.getLogger("ivr.ledger")

T = TypeVar("T")
R = TypeVar("R", StudentRecord, EnrolmentRecord, PaymentRecord)
AnyRow = Row[*tuple[Any, ...]]  # a result row of any width
_CHUNK = 500  # values per "IN (...)" query, well under SQLite's parameter limit
_BATCH = 2_000  # rows an import reads, checks and writes at a time
_DECOY_CODE = "X0"  # no student has this code: an unknown code is checked against its verifier
_MAX_DIGITS = 20  # what a failure row keeps of whatever a caller keyed
_TABLES: dict[str, Table] = {str(kind): table for kind, table in LEDGER.items()}

_STUDENT = (
    "code",
    "code_digits",
    "tariff_category",
    "has_agreement",
    "has_benefit",
    "is_staff_or_family",
    "dni_verifier",
    "mobile",
)
# An enrolment's and a payment's columns, in the order the account's reads select them
_EnrolmentRow = namedtuple(
    "_EnrolmentRow",
    [
        "code",
        "term",
        "tariff",
        "credits",
        "last_regular_cycle",
        "insurance",
        "extemporaneous",
        "withdrawn_on",
        "early_payment_granted_on",
    ],
)
_PaymentRow = namedtuple(
    "_PaymentRow", ["payment_id", "code", "term", "concept", "cuota", "amount", "paid_on"]
)
_ENROLMENT = _EnrolmentRow._fields
_PAYMENT = _PaymentRow._fields


@dataclass
class _Tally:
    """What an import has done so far, batch after batch."""

    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Yield ``items`` in lists of ``size`` (the last one shorter); reads one list at a time."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


@dataclass(frozen=True, slots=True)
class _AccountReads:
    student_by_code: QuickRead
    student_by_digits: QuickRead
    enrolments_of: QuickRead
    payments_of: QuickRead


# A student's columns, in the order the account's reads select them
_StudentRow = namedtuple(
    "_StudentRow",
    ("code", "tariff_category", "has_agreement", "has_benefit", "is_staff_or_family"),
)


class SqlLedger:
    """The ``Ledger`` in the shared database (an engine; connections come from its pool)."""

    purges: ClassVar[str] = "expired verification failures and lockouts"

    def __init__(
        self,
        engine: Engine,
        *,
        key: bytes,
        previous_key: bytes | None = None,
        lockout: LockoutPolicy | None = None,
    ) -> None:
        """``key`` is the server key (``ivr.secret.server_key``); ``previous_key`` the one it
        replaced, whose verifiers still verify until an import rewrites them."""
        self.engine = engine
        self.second_factor = SecondFactor(key, previous_key)
        self.lockout = lockout or LockoutPolicy()
        # checked against when the code is unknown, so that answer takes as long as a wrong DNI
        self._decoy = self.second_factor.make(_DECOY_CODE, "0000")
        self._verify_read = QuickRead(engine, _VERIFY_READ)
        self._reads = _AccountReads(
            QuickRead(engine, _STUDENT_BY_CODE),
            QuickRead(engine, _STUDENT_BY_DIGITS),
            QuickRead(engine, _ENROLMENTS_OF),
            QuickRead(engine, _PAYMENTS_OF),
        )

    def close(self) -> None:
        """Nothing to do: the engine belongs to whoever made it."""

    # -- reading ----------------------------------------------------------------------------
    def _student_read(self, code: str) -> tuple[QuickRead, dict[str, str]] | None:
        """The read that finds the student a code names (with its letter, or digits only)."""
        normal = normalise_code(code)
        if normal is None:
            return None
        match = CODE.match(normal)
        assert match is not None
        prefix, digits = match.groups()
        if prefix:
            return self._reads.student_by_code, {"code": normal}
        return self._reads.student_by_digits, {"digits": digits}

    def find_student(self, code: str) -> Student | None:
        read = self._student_read(code)
        found = read[0].row(read[1]) if read is not None else None
        return None if found is None else _student(_StudentRow(*found))

    def load_account(self, code: str) -> Account | None:
        read = self._student_read(code)
        if read is None:
            return None
        # Every self-service statement reads these: three reads on one pooled driver connection,
        # in one snapshot (quickread.reading), with statements built once.
        with reading(self.engine) as connection:
            found = read[0].rows(read[1], connection)
            if not found:
                return None
            student = _StudentRow(*found[0])
            enrolled = self._reads.enrolments_of.rows({"code": student.code}, connection)
            paid = self._reads.payments_of.rows({"code": student.code}, connection)
        return Account(
            student=_student(student),
            enrolments=tuple(_enrolment(_EnrolmentRow(*row)) for row in enrolled),
            payments=tuple(_payment(_PaymentRow(*row)) for row in paid),
        )

    def count(self, table: str) -> int:
        if table not in _TABLES:
            raise ValueError(f"no table {table}")
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_TABLES[table])).scalar_one())

    # -- importing --------------------------------------------------------------------------
    def import_students(
        self, records: Iterable[StudentRecord], progress: Progress | None = None
    ) -> ImportResult:
        return self._import("students", records, self._write_students, progress)

    def import_enrolments(
        self, records: Iterable[EnrolmentRecord], progress: Progress | None = None
    ) -> ImportResult:
        return self._import("enrolments", records, _write_enrolments, progress)

    def import_payments(
        self, records: Iterable[PaymentRecord], progress: Progress | None = None
    ) -> ImportResult:
        return self._import("payments", records, _write_payments, progress)

    def _import(
        self,
        kind: ExportKind,
        records: Iterable[R],
        write: Callable[[Connection, Sequence[R], _Tally], None],
        progress: Progress | None,
    ) -> ImportResult:
        """Stage ``records`` a batch at a time, then switch them in at once (``staging``).

        Memory holds one batch, whatever the file's size. Every batch is checked against the
        ledger and the rows staged before it, so rows of earlier batches count (a student
        imported above, the same digits used twice). A problem anywhere leaves the ledger as
        it was: the rest is still read and checked, so that every problem is reported at once.
        """
        tally = _Tally()
        try:
            with self.engine.connect() as conn, staged(conn, kind):
                for batch in _batches(records, _BATCH):
                    write(conn, batch, tally)
                    conn.commit()  # staged rows only: the ledger's file is not locked
                    tally.rows += len(batch)
                    if progress is not None:
                        progress(len(batch))
                if tally.problems:  # found against the database: the file stays out
                    raise RowsRejected(tally.problems)
                switch(conn, kind)
        except RowsRejected as rejected:  # the reader's own problems come first: what the file says
            return ImportResult(kind, tally.rows, problems=rejected.problems)
        return ImportResult(kind, tally.rows, tally.added, tally.updated, tally.unchanged)

    def _write_students(
        self, conn: Connection, batch: Sequence[StudentRecord], tally: _Tally
    ) -> None:
        # HMAC-SHA256 is deterministic: the same export makes the same verifiers, so importing
        # it again finds every row unchanged; a verifier made by an earlier version or an
        # earlier key is rewritten with the current key.
        rows = [
            (
                r.student.code,
                digits_of(r.student.code),
                r.student.tariff_category,
                r.student.has_agreement,
                r.student.has_benefit,
                r.student.is_staff_or_family,
                self.second_factor.make(r.student.code, r.dni_last4),
                r.mobile,
            )
            for r in batch
        ]
        clashing = _digit_clashes(conn, batch, rows, tally)
        clean = [
            (record.line, row)
            for index, (record, row) in enumerate(zip(batch, rows, strict=True))
            if index not in clashing
        ]
        _upsert(conn, "students", _STUDENT, 1, clean, tally)

    # -- verifiers --------------------------------------------------------------------------
    def verifier_ages(self) -> dict[KeyAge, int]:
        """Return how many students' verifiers each key made (current, previous, legacy...).

        After a key rotation, the previous key is no longer needed once none is ``previous``.
        """
        with self.engine.connect() as conn:
            # Streamed in chunks: a verifier is short, but there may be a million of them.
            result = conn.execution_options(yield_per=_BATCH).execute(
                select(students.c.dni_verifier)
            )
            return self.second_factor.count_ages(result.scalars())

    def reset(self) -> None:
        with writing(self.engine) as conn:
            for table in (payments, enrolments, students, verification_failures, lockouts):
                conn.execute(delete(table))

    # -- phone verification -----------------------------------------------------------------
    def verify(
        self, code_digits: str, dni_last4: str, now: datetime, attempt: str | None = None
    ) -> VerifyOutcome:
        """Check a caller's digits; ``attempt`` names the request, so a retry counts once."""
        at = _instant(now)
        key = code_digits.strip()[:_MAX_DIGITS]
        # One statement: the code's lock, its student (a code keyed as digits only) and
        # whether it failed before; built once, so each call only binds its values.
        found = self._verify_read.row({"key": key, "at": at})
        assert found is not None  # a SELECT without FROM: always one row
        locked, failed, code, dni_verifier = found
        if locked:
            return VerifyOutcome("locked")
        known = code is not None and key.isdigit()
        well_formed = bool(LAST4.match(dni_last4))
        # an unknown code costs the same hash as a wrong DNI: the answer and its timing match
        verifier, student = (str(dni_verifier), str(code)) if known else (self._decoy, "")
        matches = self.second_factor.check(verifier, student, dni_last4 if well_formed else "0000")
        if known and well_formed and matches:
            if failed:  # the usual success writes nothing
                self._forget_failures(key)
            return VerifyOutcome("verified", student)
        return self._fail(key, at, attempt)

    def _forget_failures(self, key: str) -> None:
        """Clear a verified code's earlier failures, unless that means waiting for a lock.

        The right answer never waits: while another writer holds the lock (longer than the
        webhooks' own writes take) the failures stay, and leave the count as their window ends.
        """
        try:
            with answer_within(GLIMPSE_SECONDS), writing(self.engine) as write:
                write.execute(
                    delete(verification_failures).where(verification_failures.c.code_digits == key)
                )
        except STORE_ERRORS as error:
            log.warning("verified while the ledger was busy; failures kept: %s", describe(error))

    def _fail(self, key: str, at: datetime, attempt: str | None) -> VerifyOutcome:
        policy = self.lockout
        try:
            with writing(self.engine) as conn:
                # Lock this code's row first: failures on one code are counted one at a time.
                upsert(
                    conn,
                    lockouts,
                    [{"code_digits": key, "locked_until": None}],
                    ["code_digits"],
                    ["code_digits"],
                )
                if _locked(conn, key, at):  # locked by a failure that went first
                    return VerifyOutcome("locked")
                conn.execute(
                    verification_failures.insert().values(
                        code_digits=key, failed_at=at, attempt=attempt
                    )
                )
                failures = conn.execute(
                    select(func.count()).where(
                        verification_failures.c.code_digits == key,
                        verification_failures.c.failed_at > at - policy.window,
                    )
                ).scalar_one()
                if int(failures) < policy.max_failures:
                    return VerifyOutcome("rejected")
                conn.execute(
                    lockouts.update()
                    .where(lockouts.c.code_digits == key)
                    .values(locked_until=at + policy.lock_for)
                )
                conn.execute(
                    delete(verification_failures).where(verification_failures.c.code_digits == key)
                )
                return VerifyOutcome("locked")
        except IntegrityError:
            # This very attempt was counted already (a retried webhook): answer as it was then.
            with self.engine.connect() as conn:
                locked = _locked(conn, key, at)
            return VerifyOutcome("locked" if locked else "rejected", repeated=True)

    def purge_expired(self, now: datetime) -> int:
        at = _instant(now)
        with writing(self.engine) as conn:
            failures = conn.execute(
                delete(verification_failures).where(
                    verification_failures.c.failed_at <= at - self.lockout.window
                )
            ).rowcount
            # A code's row goes once its lock ended and no failure of the window is left.
            recent = select(verification_failures.c.code_digits).where(
                verification_failures.c.code_digits == lockouts.c.code_digits
            )
            locks = conn.execute(
                delete(lockouts).where(
                    or_(lockouts.c.locked_until.is_(None), lockouts.c.locked_until <= at),
                    ~recent.exists(),
                )
            ).rowcount
            ended = int(locks)
        return int(failures) + ended


def accounts_with_mobiles(
    conn: Connection, after: str = "", limit: int = _CHUNK
) -> list[tuple[Account, str]]:
    """Return up to ``limit`` students with a mobile, by code after ``after``, with accounts.

    Three reads per chunk (students, their enrolments, their payments): a run over the whole
    ledger costs a few queries per 500 students, not three per student.
    """
    student_columns = (*_StudentRow._fields, "mobile")
    query = (
        select(*_columns(students, student_columns))
        .where(students.c.mobile.is_not(None), students.c.code > after)
        .order_by(students.c.code)
        .limit(limit)
    )
    chunk = [tuple(row) for row in conn.execute(query)]
    codes = [str(row[0]) for row in chunk]
    enrolled: dict[str, list[Enrolment]] = {code: [] for code in codes}
    paid: dict[str, list[Payment]] = {code: [] for code in codes}
    if codes:
        for row in conn.execute(
            select(*_columns(enrolments, _ENROLMENT))
            .where(enrolments.c.code.in_(codes))
            .order_by(enrolments.c.code, enrolments.c.term)
        ):
            enrolled[str(row.code)].append(_enrolment(_EnrolmentRow(*row)))
        for row in conn.execute(
            select(*_columns(payments, _PAYMENT))
            .where(payments.c.code.in_(codes))
            .order_by(payments.c.code, payments.c.paid_on, payments.c.payment_id)
        ):
            paid[str(row.code)].append(_payment(_PaymentRow(*row)))
    found: list[tuple[Account, str]] = []
    for cells in chunk:
        student = _student(_StudentRow(*cells[:-1]))
        account = Account(student, tuple(enrolled[student.code]), tuple(paid[student.code]))
        found.append((account, str(cells[-1])))
    return found


def _locked(conn: Connection, key: str, at: datetime) -> bool:
    query = select(lockouts.c.code_digits).where(
        and_(lockouts.c.code_digits == key, lockouts.c.locked_until > at)
    )
    return conn.execute(query).first() is not None


def _instant(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: pass an aware instant (ivr.clock.now())")
    return moment


def _columns(table: Table, names: Sequence[str]) -> list[Column[Any]]:
    return [table.c[name] for name in names]


def _select_in(
    conn: Connection, table: Table, names: Sequence[str], column: str, values: Sequence[str]
) -> Iterable[tuple[Any, ...]]:
    """Yield the rows of ``table`` whose ``column`` is one of ``values`` (chunked)."""
    for chunk in _batches(values, _CHUNK):
        query = select(*_columns(table, names)).where(table.c[column].in_(chunk))
        for row in conn.execute(query):
            yield tuple(row)


def _sources(kind: ExportKind, tally: _Tally) -> tuple[Table, ...]:
    """The ledger's table, then this import's staged rows if it staged any (a file imported
    again stages none: its reads stay those of the ledger alone)."""
    if tally.added or tally.updated:
        return LEDGER[kind], STAGED[kind]
    return (LEDGER[kind],)


def _existing(
    conn: Connection,
    kind: ExportKind,
    names: Sequence[str],
    values: Sequence[str],
    key_width: int,
    tally: _Tally,
) -> dict[Any, tuple[Any, ...]]:
    """Return the rows whose first column is among ``values``, keyed by their first columns:
    the ledger's, or the one this import staged instead."""
    unique = list(dict.fromkeys(values))
    found: dict[Any, tuple[Any, ...]] = {}
    for table in _sources(kind, tally):  # a staged row wins: it is what will be
        for row in _select_in(conn, table, names, names[0], unique):
            found[row[0] if key_width == 1 else tuple(row[:key_width])] = row
    return found


def _digit_clashes(
    conn: Connection, batch: Sequence[StudentRecord], rows: list[tuple[Any, ...]], tally: _Tally
) -> set[int]:
    """Note a problem for each row whose digits another code has; return those rows' indexes.

    Callers key only the digits, so two codes with the same digits cannot both exist. Earlier
    batches of the same file are staged already, so a clash between rows far apart in a file
    is found too.
    """
    digits = [str(row[1]) for row in rows]
    owners = {
        str(row[1]): str(row[0])
        for table in _sources("students", tally)
        for row in _select_in(conn, table, ("code", "code_digits"), "code_digits", digits)
    }
    clashing: set[int] = set()
    for index, (record, row) in enumerate(zip(batch, rows, strict=True)):
        code, key = str(row[0]), str(row[1])
        other = owners.setdefault(key, code)
        if other != code:
            clashing.add(index)
            tally.problems.append(same_digits(record.line, other))
    return clashing


def _unknown_students(
    conn: Connection, batch: Sequence[EnrolmentRecord] | Sequence[PaymentRecord], tally: _Tally
) -> set[str]:
    """Note a problem for each row of a student not in the ledger; return those codes."""
    wanted = sorted({r.code for r in batch})
    found = {str(r[0]) for r in _select_in(conn, students, ("code",), "code", wanted)}
    missing = set(wanted) - found
    tally.problems.extend(unknown_student(r.line, r.code) for r in batch if r.code in missing)
    return missing


def _write_enrolments(conn: Connection, batch: Sequence[EnrolmentRecord], tally: _Tally) -> None:
    missing = _unknown_students(conn, batch, tally)
    rows = [
        (
            r.line,
            (
                r.code,
                r.enrolment.term,
                r.enrolment.tariff,
                r.enrolment.credits,
                r.enrolment.last_regular_cycle,
                r.enrolment.insurance,
                r.enrolment.extemporaneous,
                r.enrolment.withdrawn_on,
                r.enrolment.early_payment_granted_on,
            ),
        )
        for r in batch
        if r.code not in missing
    ]
    _upsert(conn, "enrolments", _ENROLMENT, 2, rows, tally)


def _write_payments(conn: Connection, batch: Sequence[PaymentRecord], tally: _Tally) -> None:
    missing = _unknown_students(conn, batch, tally)
    tally.problems.extend(
        RowProblem(r.line, "payment_id", "is empty") for r in batch if not r.payment.payment_id
    )
    rows = [
        (
            r.line,
            (
                r.payment.payment_id,
                r.code,
                r.payment.term,
                r.payment.concept,
                r.payment.cuota,
                r.payment.amount,
                r.payment.paid_on,
            ),
        )
        for r in batch
        if r.code not in missing and r.payment.payment_id
    ]
    _upsert(conn, "payments", _PAYMENT, 1, rows, tally)


def _upsert(
    conn: Connection,
    kind: ExportKind,
    names: Sequence[str],
    key_width: int,
    rows: list[tuple[int, tuple[Any, ...]]],
    tally: _Tally,
) -> None:
    """Stage the rows (with their lines) that are new or differ from what the ledger has or
    this import staged; count what each row was."""
    existing = _existing(conn, kind, names, [str(row[0]) for _, row in rows], key_width, tally)
    changed: list[dict[str, Any]] = []
    for line, row in rows:
        old = existing.get(row[0] if key_width == 1 else tuple(row[:key_width]))
        if old is None:
            tally.added += 1
        elif old != row:
            tally.updated += 1
        else:
            tally.unchanged += 1
            continue
        changed.append({**dict(zip(names, row, strict=True)), "line": line})
    upsert(conn, STAGED[kind], changed, names[:key_width])


def _student(row: AnyRow | _StudentRow) -> Student:
    return Student(
        code=str(row.code),
        tariff_category=str(row.tariff_category),
        has_agreement=bool(row.has_agreement),
        has_benefit=bool(row.has_benefit),
        is_staff_or_family=bool(row.is_staff_or_family),
    )


def _enrolment(row: AnyRow | _EnrolmentRow) -> Enrolment:
    withdrawn: date | None = row.withdrawn_on
    granted: date | None = row.early_payment_granted_on
    return Enrolment(
        term=str(row.term),
        tariff=int(row.tariff),
        credits=int(row.credits),
        last_regular_cycle=bool(row.last_regular_cycle),
        insurance=cast(Insurance, row.insurance),
        extemporaneous=bool(row.extemporaneous),
        withdrawn_on=withdrawn,
        early_payment_granted_on=granted,
    )


def _payment(row: AnyRow | _PaymentRow) -> Payment:
    return Payment(
        concept=cast(PaymentConcept, row.concept),
        cuota=None if row.cuota is None else int(row.cuota),
        amount=int(row.amount),
        paid_on=row.paid_on,
        term=None if row.term is None else str(row.term),
        payment_id=str(row.payment_id),
    )


# Statements of the call path are built once: each call only binds its values (building one
# costs more than SQLite takes to run it).
_STUDENT_READ = select(
    students.c.code,
    students.c.tariff_category,
    students.c.has_agreement,
    students.c.has_benefit,
    students.c.is_staff_or_family,
)
_STUDENT_BY_CODE = _STUDENT_READ.where(students.c.code == bindparam("code"))
_STUDENT_BY_DIGITS = _STUDENT_READ.where(students.c.code_digits == bindparam("digits"))
_ENROLMENTS_OF = (
    select(*_columns(enrolments, _ENROLMENT))
    .where(enrolments.c.code == bindparam("code"))
    .order_by(enrolments.c.term)
)
_PAYMENTS_OF = (
    select(*_columns(payments, _PAYMENT))
    .where(payments.c.code == bindparam("code"))
    .order_by(payments.c.paid_on, payments.c.payment_id)
)
_KEY = bindparam("key", type_=lockouts.c.code_digits.type)
_AT = bindparam("at", type_=Instant())
_VERIFY_READ = select(
    exists().where(lockouts.c.code_digits == _KEY, lockouts.c.locked_until > _AT).label("locked"),
    exists().where(verification_failures.c.code_digits == _KEY).label("failed_before"),
    select(students.c.code).where(students.c.code_digits == _KEY).scalar_subquery().label("code"),
    select(students.c.dni_verifier)
    .where(students.c.code_digits == _KEY)
    .scalar_subquery()
    .label("dni_verifier"),
)
