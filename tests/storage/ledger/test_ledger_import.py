"""CSV imports: a good file, bad rows (all reported, nothing written), the same file twice."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from ivr.clock import LIMA
from ivr.core.fees import statement, statement_to_json
from ivr.storage.ledger.base import RowProblem
from ivr.storage.ledger.demo import DEMO_BILLING
from ivr.storage.ledger.importer import ParsedExport, detect_kind, import_parsed, read_export
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import dump as dump_tables

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ledger"
TERMS = [t.code for t in DEMO_BILLING.terms]
STUDENTS_HEADER = "student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family\n"


def load(ledger: SqlLedger, *names: str) -> list[str]:
    """Import example files in order; return one summary per file."""
    out = []
    for name in names:
        parsed = read_export(EXAMPLES / name, known_terms=TERMS)
        assert parsed.problems == ()
        result = import_parsed(ledger, parsed)
        out.append(f"{result.kind}: +{result.added} ~{result.updated} ={result.unchanged}")
    return out


def dump(ledger: SqlLedger) -> dict[str, list[tuple[object, ...]]]:
    return dump_tables(ledger.engine)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_exports_import(ledger: SqlLedger) -> None:
    assert load(ledger, "students.csv", "enrolments.csv", "payments.csv") == [
        "students: +4 ~0 =0",
        "enrolments: +5 ~0 =0",
        "payments: +12 ~0 =0",
    ]
    account = ledger.load_account("N00100002")
    assert account is not None
    result = statement_to_json(statement(account, DEMO_BILLING, date(2026, 11, 21)))
    # the numbers examples/ledger/README.md gives
    assert (result["balance"], result["overdue"], result["late_fees"]) == (
        "2281.00",
        "1005.50",
        "30.00",
    )
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "| `N00100002` | 2358 |" in readme
    assert ledger.verify("00100002", "2358", datetime(2026, 11, 21, 9, 0, tzinfo=LIMA)).verified


def test_importing_the_same_files_twice_changes_nothing(ledger: SqlLedger) -> None:
    files = ("students.csv", "enrolments.csv", "payments.csv")
    load(ledger, *files)
    before = dump(ledger)
    assert load(ledger, *files) == [
        "students: +0 ~0 =4",
        "enrolments: +0 ~0 =5",
        "payments: +0 ~0 =12",
    ]
    assert dump(ledger) == before


def test_a_corrected_row_is_updated(ledger: SqlLedger, tmp_path: Path) -> None:
    load(ledger, "students.csv")
    text = (EXAMPLES / "students.csv").read_text(encoding="utf-8")
    path = write(
        tmp_path,
        "students.csv",
        text.replace("N00100002,70112358,regular,si", "N00100002,70112358,regular,no"),
    )
    result = import_parsed(ledger, read_export(path))
    assert (result.added, result.updated, result.unchanged) == (0, 1, 3)
    student = ledger.find_student("N00100002")
    assert student is not None and student.has_agreement is False


def test_bad_rows_reject_the_whole_file_with_every_problem(
    ledger: SqlLedger, tmp_path: Path
) -> None:
    load(ledger, "students.csv", "enrolments.csv", "payments.csv")
    before = dump(ledger)
    path = write(
        tmp_path,
        "payments.csv",
        "payment_id,student_code,term,concept,cuota,amount,paid_on\n"
        "B-1,N00100001,2026-2,cuota,1,950.00,2026-08-28\n"
        "B-2,N00100001,2026-2,cuota,16,9.5O,2026-02-30\n"
        "B-3,N00100001,,cuota,2,10.00,2026-09-01\n"
        "B-4,N00100001,2026-3,matricula,1,0,2026-09-01\n"
        "B-1,N00100001,2026-2,abono,,1.00,2026-09-01\n"
        "B 6,N00100001,2026-2,pago,,1.00,2026-09-01\n"
        "B-7,N00100001,2026-2\n",
    )
    parsed = read_export(path, known_terms=TERMS)
    assert parsed.kind == "payments"
    assert parsed.messages() == [
        f"{path.name}:3: amount: '9.5O' is not an amount in soles (write it like 1234.50: a dot "
        "before the céntimos, no thousands separator)",
        f"{path.name}:3: cuota: '16' is not a whole number from 1 to 12",
        f"{path.name}:3: paid_on: '2026-02-30' is not a date (write it as YYYY-MM-DD, e.g. "
        "2026-08-31)",
        f"{path.name}:4: term: is needed when the payment names a cuota",
        f"{path.name}:5: amount: must be more than 0.00",
        f"{path.name}:5: cuota: a 'matricula' payment is not for a cuota: leave it empty",
        f"{path.name}:5: term: '2026-3' is not in billing/terms.yaml (known: 2026-1, 2026-2, "
        "2027-1)",
        f"{path.name}:6: payment_id: repeats the row on line 2",
        f"{path.name}:7: concept: 'pago' is not one of the accepted values (one of: matricula, "
        "matricula_extemporanea, cuota, seguro, gastos_administrativos, abono)",
        f"{path.name}:7: payment_id: 'B 6' is not a payment id (letters, digits and - _ . / :, "
        "up to 64)",
        f"{path.name}:8: row: has 3 cells; the header has 7 columns",
    ]
    with pytest.raises(ValueError, match="only a clean export"):
        import_parsed(ledger, parsed)
    assert dump(ledger) == before


def test_a_student_row_never_echoes_the_code_or_the_dni(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "s.csv",
        STUDENTS_HEADER + "N0012-3456,1234567,Regular,quizás,no,\n",
    )
    assert read_export(path).messages() == [
        "s.csv:2: dni: is not a document number (8 to 12 digits, e.g. a DNI's 8)",
        "s.csv:2: has_agreement: 'quizás' is not yes or no (write 1 or 0, si or no)",
        "s.csv:2: student_code: is not a student code (letters then digits, e.g. N00123456)",
    ]


def test_rows_for_unknown_students_reject_the_file(ledger: SqlLedger, tmp_path: Path) -> None:
    load(ledger, "students.csv")
    before = dump(ledger)
    path = write(
        tmp_path,
        "enrolments.csv",
        "student_code,term,tariff,credits,last_regular_cycle,insurance,extemporaneous,withdrawn_on\n"
        "N00100001,2026-2,950.00,20,no,contracted,no,\n"
        "N00777777,2026-2,950.00,20,no,contracted,no,\n",
    )
    result = import_parsed(ledger, read_export(path, known_terms=TERMS))
    assert [p.located(path.name) for p in result.problems] == [
        "enrolments.csv:3: student_code: no student ***777 in the ledger: import the students "
        "export first"
    ]
    assert (result.added, result.updated) == (0, 0)
    assert dump(ledger) == before


def test_two_codes_with_the_same_digits_are_refused(ledger: SqlLedger, tmp_path: Path) -> None:
    load(ledger, "students.csv")
    path = write(tmp_path, "more.csv", STUDENTS_HEADER + "A00100001,12345678,regular,0,0,0\n")
    result = import_parsed(ledger, read_export(path))
    assert [p.located("more.csv") for p in result.problems] == [
        "more.csv:2: student_code: has the same digits as student ***001; callers key only the "
        "digits, so they could not be told apart"
    ]
    assert ledger.count("students") == 4


@pytest.mark.parametrize(
    ("header", "messages"),
    [
        pytest.param(
            "student_code,dni,tarif_category,has_agreement,has_benefit,is_staff_or_family",
            [
                "x.csv:1: tarif_category: unknown column (did you mean 'tariff_category'?)",
                "x.csv:1: tariff_category: missing column",
            ],
            id="typo",
        ),
        pytest.param(
            "code,name",
            [
                "x.csv:1: header: cannot tell which export this is: a students export has a 'dni' "
                "column, an enrolments export 'credits', a payments export 'payment_id' (or pass "
                "--kind)"
            ],
            id="unknown-kind",
        ),
    ],
)
def test_header_problems(tmp_path: Path, header: str, messages: list[str]) -> None:
    assert read_export(write(tmp_path, "x.csv", header + "\n")).messages() == messages


ENROLMENTS_HEADER = (
    "student_code,term,tariff,credits,last_regular_cycle,insurance,extemporaneous,withdrawn_on"
)


def test_the_early_payment_grant_is_read_and_may_be_left_out(
    tmp_path: Path, ledger: SqlLedger
) -> None:
    load(ledger, "students.csv")
    granted = write(
        tmp_path,
        "granted.csv",
        f"{ENROLMENTS_HEADER},early_payment_granted_on\n"
        "N00100001,2027-1,950.00,22,no,contracted,no,,2027-03-01\n"
        "N00100002,2026-2,850.33,9,no,exonerated,no,,\n",
    )
    assert import_parsed(ledger, read_export(granted, known_terms=TERMS)).added == 2
    account = ledger.load_account("N00100001")
    assert account is not None
    assert [e.early_payment_granted_on for e in account.enrolments] == [date(2027, 3, 1)]
    older = write(
        tmp_path, "older.csv", f"{ENROLMENTS_HEADER}\nN00100003,2026-2,790.50,5,si,exonerated,si,\n"
    )
    parsed = read_export(older, known_terms=TERMS)
    assert parsed.problems == ()
    assert import_parsed(ledger, parsed).added == 1


def test_a_bad_grant_date_rejects_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.csv",
        f"{ENROLMENTS_HEADER},early_payment_granted_on\n"
        "N00100001,2027-1,950.00,22,no,contracted,no,,1/3/2027\n",
    )
    assert read_export(path, known_terms=TERMS).messages() == [
        "bad.csv:2: early_payment_granted_on: '1/3/2027' is not a date (write it as YYYY-MM-DD, "
        "e.g. 2026-08-31)"
    ]


def test_kind_can_be_given_and_semicolons_are_read(tmp_path: Path, ledger: SqlLedger) -> None:
    text = STUDENTS_HEADER.replace(",", ";") + "N00100009;45871236;regular;sí;no;0\n\n"
    parsed = read_export(write(tmp_path, "export.csv", "\ufeff" + text), "students")
    assert parsed.problems == ()
    assert import_parsed(ledger, parsed).added == 1
    student = ledger.find_student("00100009")
    assert student is not None and student.has_agreement is True


def test_detect_kind() -> None:
    assert detect_kind(["payment_id", "student_code"]) == "payments"
    assert detect_kind(["credits"]) == "enrolments"
    assert detect_kind(["dni"]) == "students"
    assert detect_kind(["dni", "credits"]) is None


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        STUDENTS_HEADER.encode() + "N00100001,45871236,régular,0,0,0\n".encode("latin-1")
    )
    assert read_export(path).messages() == [
        "latin1.csv:0: file: is not UTF-8 text (save the export as CSV UTF-8)"
    ]


def test_parsed_export_messages_are_sorted() -> None:
    parsed = ParsedExport(
        "f.csv", "payments", problems=(RowProblem(3, "b", "x"), RowProblem(2, "a", "y"))
    )
    assert parsed.messages() == ["f.csv:2: a: y", "f.csv:3: b: x"]
