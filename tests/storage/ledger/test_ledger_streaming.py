"""Imports stream: batches staged, then switched in at once; every problem found, memory flat."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.cli.ledger import ProgressLines
from ivr.core.fees import Student
from ivr.storage.ledger import sql
from ivr.storage.ledger.base import StudentRecord
from ivr.storage.ledger.importer import import_file, open_export, read_export
from ivr.storage.ledger.sql import SqlLedger
from tests.helpers import ROOT, SECRET_KEY
from tests.helpers import dump as dump_tables

EXAMPLES = ROOT / "examples" / "ledger"
STUDENTS = "student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family\n"
PAYMENTS = "payment_id,student_code,term,concept,cuota,amount,paid_on\n"


def write_exports(folder: Path, students: int) -> list[Path]:
    """Write a students and a payments export (three payments a student) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    people = folder / "students.csv"
    paid = folder / "payments.csv"
    with people.open("w", encoding="utf-8") as out:
        out.write(STUDENTS)
        out.writelines(f"N{n:08d},{40000000 + n},regular,no,no,no\n" for n in range(students))
    with paid.open("w", encoding="utf-8") as out:
        out.write(PAYMENTS)
        out.writelines(
            f"B-{n}-{c},N{n:08d},2026-2,cuota,{c},950.00,2026-{7 + c:02d}-28\n"
            for n in range(students)
            for c in (1, 2, 3)
        )
    return [people, paid]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three rows a batch: the examples span several batches."""
    monkeypatch.setattr(sql, "_BATCH", 3)


@pytest.mark.usefixtures("small_batches")
def test_a_file_in_many_batches_imports_whole_and_again_unchanged(ledger: SqlLedger) -> None:
    names = ("students.csv", "enrolments.csv", "payments.csv")
    first = [import_file(ledger, EXAMPLES / name).result for name in names]
    assert [(r.rows, r.added) for r in first if r is not None] == [(4, 4), (5, 5), (12, 12)]
    before = dump_tables(ledger.engine)
    again = [import_file(ledger, EXAMPLES / name).result for name in names]
    assert [(r.rows, r.unchanged) for r in again if r is not None] == [(4, 4), (5, 5), (12, 12)]
    assert dump_tables(ledger.engine) == before


@pytest.mark.usefixtures("small_batches")
def test_problems_in_any_batch_roll_the_whole_file_back(ledger: SqlLedger, tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_text(
        STUDENTS
        + "N00100001,45871236,regular,no,no,no\n"
        + "N00100002,45871237,regular,no,no,no\n"
        + "N00100003,45871238,regular,no,no,no\n"
        + "N00100004,45871239,regular,no,no,no\n"
        + "A00100001,45871240,regular,no,no,no\n"  # the digits of line 2, a batch later
        + "N00100006,45871241,regular,no,no,no\n"
        + "N00100007,45871242,regular,no,no,no\n"
        + "B00100004,45871243,regular,no,no,no\n",  # the digits of line 5
        encoding="utf-8",
    )
    done = import_file(ledger, path)
    assert done.messages() == [
        "students.csv:6: student_code: has the same digits as student ***001; callers key only "
        "the digits, so they could not be told apart",
        "students.csv:9: student_code: has the same digits as student ***004; callers key only "
        "the digits, so they could not be told apart",
    ]
    assert ledger.count("students") == 0


@pytest.mark.usefixtures("small_batches")
def test_a_bad_row_after_good_batches_rejects_the_file_with_its_own_problems(
    ledger: SqlLedger, tmp_path: Path
) -> None:
    """Rows already written are rolled back; only what the file says wrong is reported."""
    import_file(ledger, EXAMPLES / "students.csv")
    path = tmp_path / "payments.csv"
    rows = [f"B-{n},N00100001,2026-2,abono,,1.00,2026-09-01\n" for n in range(10)]
    rows += ["B-3,N00100001,2026-2,abono,,1.00,2026-09-01\n", "B-99,N00777777,,abono,,uno,x\n"]
    path.write_text(PAYMENTS + "".join(rows), encoding="utf-8")
    done = import_file(ledger, path)
    assert done.messages() == [
        "payments.csv:12: payment_id: repeats the row on line 5",
        "payments.csv:13: amount: 'uno' is not an amount in soles (write it like 1234.50: a dot "
        "before the céntimos, no thousands separator)",
        "payments.csv:13: paid_on: 'x' is not a date (write it as YYYY-MM-DD, e.g. 2026-08-31)",
    ]
    assert ledger.count("payments") == 0


@pytest.mark.usefixtures("small_batches")
def test_a_clash_made_by_another_import_meanwhile_rejects_the_file_at_the_switch(
    ledger: SqlLedger,
) -> None:
    """Staged rows are checked again as they go in: a code with the same digits, imported by
    another process after they were staged, rejects the file with the row's own line."""

    def records() -> Iterator[StudentRecord]:
        for n in range(5):
            if n == 4:  # N70000001 is staged: another import takes its digits
                other = [StudentRecord(Student("A70000001"), "2468", 2)]
                assert ledger.import_students(other).added == 1
            yield StudentRecord(Student(f"N{70_000_000 + n:08d}"), "1357", n + 2)

    done = ledger.import_students(records())
    assert [p.located("s.csv") for p in done.problems] == [
        "s.csv:3: student_code: has the same digits as student ***001; callers key only the "
        "digits, so they could not be told apart"
    ]
    assert ledger.find_student("70000001") == Student("A70000001")
    assert ledger.count("students") == 1


def test_reading_reports_progress_by_lines(tmp_path: Path) -> None:
    people, _ = write_exports(tmp_path, 1_200)
    assert len(read_export(people).records) == 1_200
    heard: list[int] = []
    with open_export(people) as reader:
        assert sum(1 for _ in reader.records(heard.append)) == 1_200
    assert sum(heard) == 1_200 and len(heard) == 3  # every 500 lines, then the rest


def test_progress_lines_every_few_seconds(capsys: pytest.CaptureFixture[str]) -> None:
    now = [0.0]
    lines = ProgressLines("Importing s.csv", 100_000, every=5.0, timer=lambda: now[0])
    for _ in range(10):
        now[0] += 1.5
        lines(10_000)
    lines.finish()
    assert capsys.readouterr().err.splitlines() == [
        "Importing s.csv: 40,000 of 100,000 rows",
        "Importing s.csv: 80,000 of 100,000 rows",
        "Importing s.csv: 100,000 rows in 15 s",
    ]


def test_a_quick_run_says_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    lines = ProgressLines("Importing s.csv", 10, timer=lambda: 0.0)
    lines(10)
    lines.finish()
    assert capsys.readouterr().err == ""


_MEASURE = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(done.stdout + done.stderr, file=sys.stderr)
"""


def peak_rss_kb(tmp_path: Path, name: str, files: list[Path]) -> tuple[int, str]:
    """Run `flask --app app ivr ledger import FILES` in a fresh process; return its peak RSS."""
    environment = {
        **os.environ,
        "IVR_DATA_DIR": str(tmp_path / name / "var"),
        "IVR_SECRET_KEY": SECRET_KEY,
        "IVR_SKIP_SIGNATURE": "1",
        "IVR_CONFIG_DIR": str(ROOT),
    }
    environment.pop("IVR_CLI", None)  # a shell's environment: the ivr group sets it
    command = [sys.executable, "-m", "flask", "--app", "app", "ivr", "ledger", "import"]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *command, *map(str, files)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        check=True,
        timeout=300,
    )
    code, peak = done.stdout.split()
    assert code == "0", done.stderr
    return int(peak), done.stderr


def test_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    """Four times the rows (students and three payments each) take no more memory to import."""
    small, _ = peak_rss_kb(tmp_path, "small", write_exports(tmp_path / "s", 5_000))
    large, large_output = peak_rss_kb(tmp_path, "large", write_exports(tmp_path / "l", 20_000))
    assert "60000 payments: 60000 added" in large_output
    # Holding the rows took about 4 kB a student; 15,000 more students and 45,000 more
    # payments would add some 60 MB. Streaming, the difference is noise.
    assert (large - small) / 1024 < 8, json.dumps({"small_kb": small, "large_kb": large})
