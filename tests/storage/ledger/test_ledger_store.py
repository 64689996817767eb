"""The ledger on both backends: round trips, the DNI kept only as a keyed hash."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import inspect, select

from ivr.core.fees import Account, Enrolment, Payment, Student
from ivr.storage.ledger.base import EnrolmentRecord, PaymentRecord, StudentRecord
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.schema import students


def fill(ledger: SqlLedger) -> None:
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


def test_an_account_round_trips(ledger: SqlLedger) -> None:
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
def test_find_a_student_by_code_or_digits(ledger: SqlLedger, code: str, found: str | None) -> None:
    fill(ledger)
    student = ledger.find_student(code)
    assert (student.code if student else None) == found
    account = ledger.load_account(code)
    assert (account.student.code if account else None) == found


def test_the_dni_is_kept_only_as_a_keyed_hash(ledger: SqlLedger) -> None:
    fill(ledger)
    with ledger.engine.connect() as conn:
        query = select(students.c.dni_verifier).order_by(students.c.code)
        verifiers = list(conn.execute(query).scalars())
        columns = [c["name"] for c in inspect(conn).get_columns("students")]
    prefix = f"hmac_sha256${ledger.second_factor.key_id}$"
    assert all(v.startswith(prefix) and len(v) == len(prefix) + 64 for v in verifiers)
    assert verifiers[0] != verifiers[1]  # same four digits, different students
    assert "5678" not in "".join(verifiers)
    assert not any("dni" in c and c != "dni_verifier" for c in columns)


def test_each_thread_uses_its_own_connection(ledger: SqlLedger) -> None:
    fill(ledger)
    seen: list[str | None] = []

    def read() -> None:
        account = ledger.load_account("00123456")
        seen.append(account.student.code if account else None)

    worker = threading.Thread(target=read)
    worker.start()
    worker.join()
    assert seen == ["N00123456"]


def test_reset_empties_the_ledger(ledger: SqlLedger) -> None:
    fill(ledger)
    ledger.reset()
    assert [ledger.count(t) for t in ("students", "enrolments", "payments")] == [0, 0, 0]
