"""The SQLite ledger: schema and migration, round trips, the DNI kept only as a salted hash."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from ivr.core.fees import Account, Enrolment, Payment, Student
from ivr.storage.ledger.base import EnrolmentRecord, PaymentRecord, StudentRecord
from ivr.storage.ledger.sqlite import MIGRATIONS, SchemaTooNewError, SqliteLedger


def fill(ledger: SqliteLedger) -> None:
    ledger.import_students(
        [
            StudentRecord(Student("N00123456", has_agreement=True), "5678"),
            StudentRecord(Student("A00999001", "internado", is_staff_or_family=True), "5678"),
        ]
    )
    ledger.import_enrolments(
        [
            EnrolmentRecord("N00123456", Enrolment("2026-2", 85033, 9, insurance="exonerated")),
            EnrolmentRecord(
                "N00123456",
                Enrolment("2026-1", 85033, 20, True, "contracted", True, date(2026, 4, 2)),
            ),
        ]
    )
    ledger.import_payments(
        [
            PaymentRecord(
                "N00123456", Payment("cuota", 2, 63775, date(2026, 9, 30), "2026-2", "B-2")
            ),
            PaymentRecord("N00123456", Payment("abono", None, 1000, date(2026, 9, 1), None, "B-1")),
        ]
    )


def test_the_schema_is_created_and_versioned(ledger: SqliteLedger) -> None:
    assert ledger.schema_version() == len(MIGRATIONS) == 2
    conn = sqlite3.connect(ledger.path)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    finally:
        conn.close()
    assert tables == {
        "schema_version",
        "students",
        "enrolments",
        "payments",
        "verification_failures",
        "lockouts",
    }
    assert mode == "wal"


def test_reopening_migrates_nothing_twice(make_ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fill(make_ledger())
    again = make_ledger()
    assert again.migrate() == 2
    conn = sqlite3.connect(tmp_path / "ledger.sqlite3")
    try:
        versions = conn.execute("SELECT version FROM schema_version").fetchall()
    finally:
        conn.close()
    assert versions == [(1,), (2,)]
    assert again.count("students") == 2


def test_version_1_gains_the_early_payment_grant_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute("INSERT INTO students VALUES ('N00000001', '00000001', 'regular', 0, 0, 0, 'x')")
    conn.execute(
        "INSERT INTO enrolments VALUES ('N00000001', '2026-2', 95000, 20, 0, 'contracted', 0, NULL)"
    )
    conn.commit()
    conn.close()
    ledger = SqliteLedger(path)
    assert ledger.schema_version() == 2
    account = ledger.load_account("N00000001")
    assert account is not None
    assert [(e.term, e.early_payment_granted_on) for e in account.enrolments] == [("2026-2", None)]
    granted = replace(account.enrolments[0], early_payment_granted_on=date(2026, 8, 20))
    ledger.import_enrolments([EnrolmentRecord("N00000001", granted, 2)])
    again = ledger.load_account("N00000001")
    assert again is not None and again.enrolments == (granted,)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (7)")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNewError, match="has schema version 7; this code knows up to 2"):
        SqliteLedger(path)


def test_an_account_round_trips(ledger: SqliteLedger) -> None:
    fill(ledger)
    account = ledger.load_account("N00123456")
    assert account == Account(
        Student("N00123456", "regular", True, False, False),
        (
            Enrolment("2026-1", 85033, 20, True, "contracted", True, date(2026, 4, 2)),
            Enrolment("2026-2", 85033, 9, False, "exonerated", False, None),
        ),
        (
            Payment("abono", None, 1000, date(2026, 9, 1), None, "B-1"),
            Payment("cuota", 2, 63775, date(2026, 9, 30), "2026-2", "B-2"),
        ),
    )


@pytest.mark.parametrize(
    ("code", "found"),
    [
        pytest.param("N00123456", "N00123456", id="full-code"),
        pytest.param("n00123456", "N00123456", id="lower-case"),
        pytest.param("00123456", "N00123456", id="digits"),
        pytest.param("A00123456", None, id="other-prefix"),
        pytest.param("999001", None, id="digits-must-be-whole"),
        pytest.param("00999001", "A00999001", id="digits-of-another"),
        pytest.param("N-123", None, id="not-a-code"),
    ],
)
def test_find_a_student_by_code_or_digits(
    ledger: SqliteLedger, code: str, found: str | None
) -> None:
    fill(ledger)
    student = ledger.find_student(code)
    assert (student.code if student else None) == found
    account = ledger.load_account(code)
    assert (account.student.code if account else None) == found


def test_the_dni_is_kept_only_as_a_salted_hash(ledger: SqliteLedger) -> None:
    fill(ledger)
    conn = sqlite3.connect(ledger.path)
    try:
        verifiers = [r[0] for r in conn.execute("SELECT dni_verifier FROM students ORDER BY code")]
        columns = [r[1] for r in conn.execute("PRAGMA table_info(students)")]
    finally:
        conn.close()
    assert all(v.startswith("pbkdf2_sha256$1000$") for v in verifiers)
    assert verifiers[0] != verifiers[1]  # same four digits, different salts
    assert "5678" not in "".join(verifiers)
    assert not any("dni" in c and c != "dni_verifier" for c in columns)


def test_each_thread_uses_its_own_connection(ledger: SqliteLedger) -> None:
    fill(ledger)
    seen: list[str | None] = []

    def read() -> None:
        account = ledger.load_account("00123456")
        seen.append(account.student.code if account else None)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    assert seen == ["N00123456"]


def test_reset_empties_the_ledger(ledger: SqliteLedger) -> None:
    fill(ledger)
    ledger.reset()
    assert [ledger.count(t) for t in ("students", "enrolments", "payments")] == [0, 0, 0]
