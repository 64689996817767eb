"""An import's rows staged in temporary tables, then switched into the ledger in one statement.

Why (issue 21): on SQLite one write transaction holds the whole file's write lock, and an
import used to write a file in one transaction: 200,000 rows held the lock for 7 s, so every
write of a call (its session, a failure, its record) waited behind it and self-service callers
heard the apology. Now an import reads, checks and writes its rows batch by batch into a
temporary table of its own connection, committing each batch: SQLite keeps temporary tables in
a database of their own, so staging takes no lock on the shared file. A last, short write
transaction moves the staged rows into the ledger with one ``INSERT ... SELECT ... ON
CONFLICT``. What stays true: a file goes in whole or not at all (a problem anywhere drops the
staged rows, the switch is one statement), only rows that are new or differ are staged (the
same file twice stages nothing and the switch writes nothing), and every row is checked
against the ledger as it is plus the rows staged before it; the switch checks again, through
the ledger's own constraints, so that a row made meanwhile by another import is reported as
the same ``file:line`` problem. The same code runs on PostgreSQL, whose row locks never made
calls wait for an import.

The other way, a second SQLite file for what calls write, was not taken: a verification reads
the code's lock, its failures and the student in one statement, which would become two reads
on two files (``ATTACH`` would not do: a write transaction locks every attached file), and
every store, the migrations, ``ivr db copy``, the purge job and the test template would have
to know which file holds which table. What it costs: the switch holds the write lock while it
writes the changed rows (on the 2-core development machine 0.3 to 0.5 s for 200,000 new or
changed students, 0.9 s for 300,000 new payments), and a call's write waits for it within its
deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from sqlalchemy import Column, Connection, Index, Integer, MetaData, Table, and_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.expression import Executable

from ivr.core.codes import mask_code
from ivr.storage.database import writing_on
from ivr.storage.ledger.base import ExportKind, RowProblem, RowsRejected
from ivr.storage.schema import enrolments, payments, students

LEDGER: dict[ExportKind, Table] = {
    "students": students,
    "enrolments": enrolments,
    "payments": payments,
}

_staging = MetaData()  # temporary tables: never in the shared schema, nor Alembic's


def _staged(table: Table) -> Table:
    columns = [Column(c.name, c.type, primary_key=c.primary_key) for c in table.columns]
    line = Column("line", Integer, nullable=False)  # where the row is in its file, for messages
    return Table(f"import_{table.name}", _staging, *columns, line, prefixes=["TEMPORARY"])


STAGED: dict[ExportKind, Table] = {kind: _staged(table) for kind, table in LEDGER.items()}
# a students row is checked against the digits staged before it
Index("ix_import_students_code_digits", STAGED["students"].c.code_digits)


def same_digits(line: int, other: str) -> RowProblem:
    """The problem of a students row whose digits another code has."""
    return RowProblem(
        line,
        "student_code",
        f"has the same digits as student {mask_code(other)}; callers key only the digits, so "
        "they could not be told apart",
    )


def unknown_student(line: int, code: str) -> RowProblem:
    """The problem of an enrolments or payments row of a student not in the ledger."""
    return RowProblem(
        line,
        "student_code",
        f"no student {mask_code(code)} in the ledger: import the students export first",
    )


@contextmanager
def staged(conn: Connection, kind: ExportKind) -> Iterator[Table]:
    """Give ``conn`` an empty staging table for ``kind`` for the block; drop it after."""
    table = STAGED[kind]
    _drop(conn, table)  # left by an import that died with its connection still pooled
    table.create(conn)
    conn.commit()
    try:
        yield table
    finally:
        conn.rollback()
        _drop(conn, table)
        conn.commit()


def _drop(conn: Connection, table: Table) -> None:
    schema = "temp" if conn.dialect.name == "sqlite" else "pg_temp"  # never a shared table
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {schema}.{table.name}")


def switch(conn: Connection, kind: ExportKind) -> None:
    """Move the staged rows into the ledger in one write transaction, or raise RowsRejected.

    A row that another import made meanwhile in the way (a code with the same digits, a
    student gone) fails the statement; its rows are then told apart for the messages.
    """
    try:
        with writing_on(conn):
            conn.execute(_switch_statement(conn.dialect.name, kind))
    except IntegrityError:
        problems = _conflicts(conn, kind)
        conn.rollback()
        if not problems:
            raise
        raise RowsRejected(problems) from None


@cache
def _switch_statement(dialect_name: str, kind: ExportKind) -> Executable:
    live, stage = LEDGER[kind], STAGED[kind]
    names = [column.name for column in live.columns]
    key = [column.name for column in live.primary_key.columns]
    dialect = sqlite if dialect_name == "sqlite" else postgresql
    # "WHERE true": SQLite would read the ON of ON CONFLICT as a join's (its upsert docs)
    rows = select(*(stage.c[name] for name in names)).where(true())
    statement = dialect.insert(live).from_select(names, rows)
    upserted: Executable = statement.on_conflict_do_update(
        index_elements=key,
        set_={name: statement.excluded[name] for name in names if name not in key},
    )
    return upserted


def _conflicts(conn: Connection, kind: ExportKind) -> list[RowProblem]:
    stage = STAGED[kind]
    if kind == "students":
        clashes = select(stage.c.line, students.c.code).join(
            students,
            and_(students.c.code_digits == stage.c.code_digits, students.c.code != stage.c.code),
        )
        return [same_digits(int(line), str(other)) for line, other in conn.execute(clashes)]
    known = select(students.c.code).where(students.c.code == stage.c.code).exists()
    missing = select(stage.c.line, stage.c.code).where(~known)
    return [unknown_student(int(line), str(code)) for line, code in conn.execute(missing)]
