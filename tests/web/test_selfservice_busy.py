"""Self-service while a ledger import runs, and while another process holds the write lock.

An import stages its rows without the write lock, so a caller walks through as usual. Another
writer holding SQLite's lock (a stuck process) is the worst case: Twilio gives up on a webhook
after 15 s, and every answer here comes within 5 s: the right digits get the statement without
waiting, a step that must write apologises in time, menus go on.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from ivr.core.fees import Student
from ivr.storage.ledger.base import ImportResult, StudentRecord
from ivr.storage.schema import verification_failures
from tests.helpers import Caller
from tests.web.test_selfservice import app, says

__all__ = ["app"]  # the fixture: a Saturday morning, twenty demo students

APOLOGY = "En este momento no podemos consultar su estado de cuenta."


@contextmanager
def write_lock_held(app: Flask) -> Iterator[None]:
    """Another process takes SQLite's one write lock (BEGIN IMMEDIATE) and keeps it."""
    other = sqlite3.connect(app.extensions["ivr"].engine.url.database, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@contextmanager
def import_held_open(app: Flask, students: int = 5_000) -> Iterator[list[ImportResult]]:
    """Run a students import in a thread, holding it open once its first batch is written."""
    written, release = threading.Event(), threading.Event()
    results: list[ImportResult] = []

    def records() -> Iterator[StudentRecord]:
        for n in range(students):
            if n == 2_001:  # the batch of 2,000 before is written: hold the import open here
                written.set()
                release.wait(30)
            yield StudentRecord(Student(f"N{60_000_000 + n:08d}"), "1357", n + 2)

    ledger = app.extensions["ivr"].ledger
    worker = threading.Thread(target=lambda: results.append(ledger.import_students(records())))
    worker.start()
    try:
        assert written.wait(30), "the import did not reach its second batch"
        yield results
    finally:
        release.set()
        worker.join(60)
    assert not worker.is_alive()


def failures(app: Flask) -> int:
    with app.extensions["ivr"].engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(verification_failures)).scalar())


def test_a_long_import_does_not_stop_self_service(caller: Caller, app: Flask) -> None:
    """An import in progress: the right digits hear the balance, a wrong guess is counted."""
    before = failures(app)
    with import_held_open(app) as imported:
        asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
        asked_dni, waited = timed(lambda: caller.follow(asked_code, Digits="00012345"))
        statement = caller.follow(asked_dni, Digits="2468")
        again = caller.follow(statement, Digits="1")  # the verified session was kept
        caller.call["CallSid"] = "CA" + "7" * 32
        guess = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
        wrong = caller.follow(caller.follow(guess, Digits="00012345"), Digits="0000")
        counted = failures(app)
    assert waited < 2.0  # the code step's session was written at once, not at the deadline
    assert says(statement.data)[0].startswith("Tiene mil dieciocho soles con cincuenta céntimos")
    assert "código de estudiante" not in says(again.data)[0]
    assert says(wrong.data)[0] == "Los datos ingresados no coinciden con nuestros registros."
    assert counted == before + 1
    assert [(r.rows, r.added, r.ok) for r in imported] == [(5_000, 5_000, True)]
    assert app.extensions["ivr"].ledger.find_student("60004999") is not None


def timed(step: Callable[[], TestResponse]) -> tuple[TestResponse, float]:
    started = time.monotonic()
    response = step()
    return response, time.monotonic() - started


def test_the_right_digits_get_the_statement_without_waiting(caller: Caller, app: Flask) -> None:
    asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
    asked_dni = caller.follow(asked_code, Digits="00012345")
    with write_lock_held(app):
        statement, waited = timed(lambda: caller.follow(asked_dni, Digits="2468"))
    assert says(statement.data)[0].startswith("Tiene mil dieciocho soles con cincuenta céntimos")
    assert waited < 2.0  # two glimpses of 0.25 s at most, never the 4 s deadline
    # The verified session could not be written: the next step asks for the code again.
    again = caller.follow(statement, Digits="1")
    assert "código de estudiante" in says(again.data)[0]


def test_a_step_that_must_write_apologises_within_five_seconds(caller: Caller, app: Flask) -> None:
    asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
    with write_lock_held(app):
        answer, waited = timed(lambda: caller.follow(asked_code, Digits="00012345"))
        menu, menu_waited = timed(lambda: caller.post("/voice"))  # menus never write
    assert says(answer.data)[0] == APOLOGY
    assert 3.5 < waited < 5.0
    assert menu_waited < 2.0  # never the 4 s deadline
    assert "Bienvenido" in " ".join(says(menu.data))


def test_a_database_file_deleted_while_running_is_never_made_again(
    caller: Caller, app: Flask
) -> None:
    """The ledger's file goes (a wrong cleanup): callers hear the apology; nothing is recreated."""
    path = Path(app.extensions["ivr"].engine.url.database)
    asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)
    answer = caller.follow(asked_code, Digits="00012345")
    assert says(answer.data)[0] == APOLOGY
    assert not path.exists()
    assert "Bienvenido" in " ".join(says(caller.post("/voice").data))  # menus go on
