"""The demo ledger: the two named students, every tariff case, the same rows every time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pytest

from ivr.clock import LIMA
from ivr.core.fees import Statement, statement, statement_to_json
from ivr.storage.ledger import demo
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import dump

NOW = datetime(2026, 11, 21, 11, 0, tzinfo=LIMA)


@pytest.fixture
def loaded(ledger: SqlLedger) -> SqlLedger:
    demo.generate(ledger)
    return ledger


def owed(ledger: SqlLedger, code: str) -> Statement:
    account = ledger.load_account(code)
    assert account is not None
    return statement(account, demo.DEMO_BILLING, demo.DEMO_TODAY)


def test_the_student_behind_on_payments(loaded: SqlLedger) -> None:
    student = demo.OVERDUE_STUDENT
    assert (student.code, student.dni_last4) == ("N00012345", "2468")
    assert loaded.verify("00012345", "2468", NOW).verified
    result = statement_to_json(owed(loaded, student.code))
    assert {k: v for k, v in result.items() if k != "obligations"} == {
        "balance": "2995.50",
        "overdue": "1018.50",
        "late_fees": "30.00",
        "next_due": {
            "concept": "cuota",
            "term": "2026-2",
            "cuota": 4,
            "date": "2026-11-30",
            "amount": "988.50",
        },
        "reportable": False,
        "certificates_blocked": True,
        "can_enroll": False,
        "early_payment_quote": None,
    }
    assert [(o["cuota"], o["status"], o["late_fee"]) for o in result["obligations"]] == [
        (None, "paid", "0.00"),
        (1, "paid", "0.00"),
        (2, "overdue", "15.00"),
        (3, "overdue", "15.00"),
        (4, "pending", "0.00"),
        (5, "pending", "0.00"),
    ]


def test_the_student_up_to_date_with_the_early_payment_quote(loaded: SqlLedger) -> None:
    student = demo.UP_TO_DATE_STUDENT
    assert (student.code, student.dni_last4) == ("N00054321", "1357")
    assert loaded.verify("00054321", "1357", NOW).verified
    result = statement_to_json(owed(loaded, student.code))
    assert {k: v for k, v in result.items() if k != "obligations"} == {
        "balance": "7271.00",
        "overdue": "0.00",
        "late_fees": "0.00",
        "next_due": {
            "concept": "cuota",
            "term": "2026-2",
            "cuota": 4,
            "date": "2026-11-30",
            "amount": "988.50",
        },
        "reportable": False,
        "certificates_blocked": False,
        "can_enroll": True,
        "early_payment_quote": {
            "discount": "237.50",
            "amount": "4666.50",
            "deadline": "2027-03-30",
        },
    }


def test_every_tariff_case_is_there(loaded: SqlLedger) -> None:
    cases: set[str] = set()
    for index in range(298):
        code = f"N{200000 + index:08d}"
        account = loaded.load_account(code)
        assert account is not None
        result = owed(loaded, code)
        for e in account.enrolments:
            band = (
                "last_cycle"
                if e.last_regular_cycle and e.credits < 12
                else ("50%" if e.credits <= 6 else "75%" if e.credits <= 11 else "100%")
            )
            cases |= {band, f"insurance:{e.insurance}"}
            cases |= {"withdrawn"} if e.withdrawn_on else set()
            cases |= {"extemporaneous"} if e.extemporaneous else set()
        student = account.student
        cases |= {"convenio"} if student.has_agreement else set()
        cases |= {"benefit"} if student.has_benefit else set()
        cases |= {"staff"} if student.is_staff_or_family else set()
        cases.add(f"early:{result.early_payment_status}")
        overdue_cuotas = [o for o in result.overdue_obligations if o.amount > o.paid]
        cases.add(f"overdue_cuotas:{min(len(overdue_cuotas), 3)}")
        cases |= {"reportable"} if result.reportable else set()
        cases |= {"no_debt"} if result.balance == 0 else set()
        if any(0 < o.paid < o.amount for o in result.obligations):
            cases.add("partial")
        if any(o.late_fee and o.paid >= o.amount for o in result.obligations):
            cases.add("paid_late")
    assert cases >= {
        "50%", "75%", "100%", "last_cycle",
        "insurance:contracted", "insurance:exonerated", "insurance:not_contracted",
        "convenio", "benefit", "staff", "withdrawn", "extemporaneous",
        "early:applied", "early:available", "early:deadline_passed", "early:agreement",
        "early:other_benefit", "early:staff_or_family", "early:not_regular_tariff",
        "early:withdrawn",
        "overdue_cuotas:0", "overdue_cuotas:1", "overdue_cuotas:2", "overdue_cuotas:3",
        "reportable", "no_debt", "partial", "paid_late",
    }  # fmt: skip


def test_the_same_seed_gives_the_same_rows_and_rerunning_changes_nothing(
    loaded: SqlLedger,
) -> None:
    assert demo.build() == demo.build()
    assert demo.build(seed=1) != demo.build(seed=2)
    before = dump(loaded.engine)
    demo.generate(loaded)
    assert dump(loaded.engine) == before


def test_the_requested_number_of_students(ledger: SqlLedger) -> None:
    result = demo.generate(ledger, students=3000, seed=7)
    assert result.students == ledger.count("students") == 3000
    assert result.payments == ledger.count("payments")


def test_the_demo_needs_its_terms() -> None:
    with pytest.raises(ValueError, match="the demo needs the terms 2026-1, 2026-2 and 2027-1"):
        demo.build(billing=replace(demo.DEMO_BILLING, terms=demo.DEMO_BILLING.terms[:1]))
