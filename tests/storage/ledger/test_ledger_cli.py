"""The CLI: `ivr ledger import`, `ivr ledger demo`, `ivr statement` (table and JSON)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner

from ivr.cli import ivr
from ivr.cli.ledger import ledger_group
from ivr.cli.statement import statement_command
from ivr.clock import LIMA
from ivr.storage.ledger.demo import DEMO_BILLING, generate
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import Clock

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ledger"


def runner_on(app: Flask, ledger: SqlLedger) -> FlaskCliRunner:
    """Return a runner of ``app``, on the shipped billing files (the demo's) and ``ledger``."""
    runtime = app.extensions["ivr"]
    billing = runtime.config.billing
    # the policy's numbers are compared in tests/core/fees/test_billing_files.py
    assert billing is not None
    assert (billing.prices, billing.terms) == (DEMO_BILLING.prices, DEMO_BILLING.terms)
    runtime.ledger.close()
    runtime.ledger = ledger  # the test's ledger: SQLite or PostgreSQL
    return app.test_cli_runner()


@pytest.fixture
def runner(make_app: Callable[..., Flask], ledger: SqlLedger) -> FlaskCliRunner:
    return runner_on(make_app(), ledger)


@pytest.fixture
def demo_runner(runner: FlaskCliRunner, ledger: SqlLedger) -> FlaskCliRunner:
    generate(ledger, students=20)
    return runner


def test_statement_json(demo_runner: FlaskCliRunner) -> None:
    result = demo_runner.invoke(statement_command, ["N00012345", "--as-of", "2026-11-21", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == [
        "balance",
        "overdue",
        "late_fees",
        "next_due",
        "reportable",
        "certificates_blocked",
        "can_enroll",
        "early_payment_quote",
        "obligations",
    ]
    assert (data["balance"], data["overdue"], data["late_fees"]) == ("2995.50", "1018.50", "30.00")
    assert data["next_due"] == {
        "concept": "cuota",
        "term": "2026-2",
        "cuota": 4,
        "date": "2026-11-30",
        "amount": "988.50",
    }
    assert (data["reportable"], data["certificates_blocked"], data["can_enroll"]) == (
        False,
        True,
        False,
    )
    assert data["early_payment_quote"] is None
    assert data["obligations"][3] == {
        "concept": "cuota",
        "term": "2026-2",
        "cuota": 3,
        "due": "2026-10-30",
        "amount": "988.50",
        "paid": "0.00",
        "outstanding": "1003.50",
        "late_fee": "15.00",
        "status": "overdue",
        "days_overdue": 22,
    }


def test_statement_accepts_the_digits_alone(demo_runner: FlaskCliRunner) -> None:
    with_letter = demo_runner.invoke(
        statement_command, ["N00054321", "--as-of", "2026-11-21", "--json"]
    )
    digits = demo_runner.invoke(statement_command, ["00054321", "--as-of", "2026-11-21", "--json"])
    assert with_letter.stdout == digits.stdout
    assert json.loads(digits.stdout)["early_payment_quote"] == {
        "discount": "237.50",
        "amount": "4666.50",
        "deadline": "2027-03-30",
    }


def test_statement_table(demo_runner: FlaskCliRunner, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="ivr.storage.ledger")
    result = demo_runner.invoke(statement_command, ["n00012345", "--as-of", "2026-11-21"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Statement for ***345 as of 2026-11-21"
    assert lines[2].split() == [
        "term", "concept", "cuota", "due", "amount", "paid", "late", "fee", "outstanding",
        "status", "days",
    ]  # fmt: skip
    assert lines[7].split() == [
        "2026-2", "cuota", "3", "2026-10-30", "S/", "988.50", "S/", "0.00", "S/", "15.00", "S/",
        "1,003.50", "overdue", "22",
    ]  # fmt: skip
    assert lines[-4:] == [
        "Balance S/ 2,995.50 · overdue S/ 1,018.50 · late fees S/ 30.00",
        "Next due: cuota 4 (2026-2) on 2026-11-30, S/ 988.50",
        "Reportable (5.1.3): no · certificates blocked (5.1.4): yes · can enrol (5.3.1): no",
        "Early payment (5.2.2): deadline passed",
    ]
    assert "N00012345" not in result.output
    assert [r.getMessage() for r in caplog.records] == [
        "statement printed for ***345 as of 2026-11-21"
    ]


def test_statement_defaults_to_today_in_lima(demo_runner: FlaskCliRunner, clock: Clock) -> None:
    # 02:00 UTC on 1 December is still 30 November in Lima: cuota 4 is due today, not overdue
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))
    result = demo_runner.invoke(statement_command, ["00054321", "--json"])
    assert json.loads(result.stdout)["next_due"] == {
        "concept": "cuota",
        "term": "2026-2",
        "cuota": 4,
        "date": "2026-11-30",
        "amount": "988.50",
    }


def test_statement_dates_by_the_clock_given_to_create_app(
    make_app: Callable[..., Flask], ledger: SqlLedger
) -> None:
    app = make_app(CLOCK=Clock(datetime(2026, 11, 21, 23, 30, tzinfo=LIMA)))
    generate(ledger, students=20)
    result = runner_on(app, ledger).invoke(ivr, ["statement", "N00012345"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Statement for ***345 as of 2026-11-21"
    assert "Balance S/ 2,995.50 · overdue S/ 1,018.50 · late fees S/ 30.00" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["N00999999"], "Error: no student ***999 in the ledger", id="unknown"),
        pytest.param(["12-34"], "Error: ***-34 is not a student code", id="not-a-code"),
        pytest.param(
            ["N00012345", "--as-of", "21/11/2026"],
            "Error: Invalid value for '--as-of': '21/11/2026' is not a date: write it as "
            "YYYY-MM-DD",
            id="bad-date",
        ),
    ],
)
def test_statement_errors(demo_runner: FlaskCliRunner, args: list[str], message: str) -> None:
    result = demo_runner.invoke(statement_command, args)
    assert result.exit_code != 0
    assert result.stderr.splitlines()[-1] == message


def test_import_the_examples_twice(runner: FlaskCliRunner) -> None:
    files = [str(EXAMPLES / n) for n in ("payments.csv", "students.csv", "enrolments.csv")]
    first = runner.invoke(ledger_group, ["import", *files])
    assert first.exit_code == 0, first.output
    assert first.stdout.splitlines() == [
        f"{EXAMPLES / 'students.csv'}: 4 students: 4 added, 0 updated, 0 unchanged",
        f"{EXAMPLES / 'enrolments.csv'}: 5 enrolments: 5 added, 0 updated, 0 unchanged",
        f"{EXAMPLES / 'payments.csv'}: 12 payments: 12 added, 0 updated, 0 unchanged",
    ]
    again = runner.invoke(ledger_group, ["import", *files])
    assert again.stdout.splitlines()[2].endswith("12 payments: 0 added, 0 updated, 12 unchanged")


def test_import_a_bad_file(runner: FlaskCliRunner, ledger: SqlLedger, tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_text(
        "student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family\n"
        "N00100001,45871236,regular,no,no,no\n"
        "N00100002,4587,regular,no,no,no\n",
        encoding="utf-8",
    )
    result = runner.invoke(ledger_group, ["import", str(path)])
    assert result.exit_code == 1
    assert [line for line in result.stderr.splitlines() if not line.startswith("Reading")] == [
        f"{path}:3: dni: is not a document number (8 to 12 digits, e.g. a DNI's 8)",
        f"{path}: rejected, nothing imported (1 problem)",
    ]
    assert ledger.count("students") == 0


def test_import_with_kind(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("student_code,credits\n", encoding="utf-8")
    result = runner.invoke(ledger_group, ["import", "--kind", "students", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: dni: missing column" in result.stderr


def test_demo_command(runner: FlaskCliRunner, ledger: SqlLedger) -> None:
    result = runner.invoke(ledger_group, ["demo", "--students", "40"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Demo ledger: 40 students, 63 enrolments, 254 payments.",
        "  try N00012345 (DNI ending 2468): 2026-2: cuota 2 paid late (fee unpaid), cuota 3 "
        "overdue with its fee; next cuota 4",
        "  try N00054321 (DNI ending 1357): 2026-2 up to date (next cuota 4); enrolled in "
        "2027-1 with the early-payment quote",
    ]
    again = runner.invoke(ledger_group, ["demo", "--students", "10", "--reset"])
    assert again.exit_code == 0
    assert ledger.count("students") == 10
