"""students.csv's optional ``mobile`` column: stored as E.164, a bad one located."""

from __future__ import annotations

from pathlib import Path

from ivr.storage.ledger.importer import read_export

HEADER = "student_code,dni,tariff_category,has_agreement,has_benefit,is_staff_or_family"


def test_a_bad_mobile_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_text(
        f"{HEADER},mobile\nN00300001,45871231,regular,no,no,no,987 654 321\n"
        "N00300002,45871232,regular,no,no,no,(01) 604-4700\n"
        "N00300003,45871233,regular,no,no,no,\n",
        encoding="utf-8",
    )
    parsed = read_export(path)
    assert parsed.messages() == [
        "students.csv:3: mobile: '(01) 604-4700' is not a Peruvian mobile (nine digits starting "
        "with 9, e.g. 987654321 or +51987654321; leave it empty when there is none)"
    ]


def test_the_column_is_optional_and_read_as_e164(tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    path.write_text(
        f"{HEADER},mobile\nN00300001,45871231,regular,no,no,no,+51 987-654-321\n"
        "N00300003,45871233,regular,no,no,no,\n",
        encoding="utf-8",
    )
    assert [r.mobile for r in read_export(path).records] == ["+51987654321", None]  # type: ignore[union-attr]
    path.write_text(f"{HEADER}\nN00300001,45871231,regular,no,no,no\n", encoding="utf-8")
    assert [r.mobile for r in read_export(path).records] == [None]  # type: ignore[union-attr]
