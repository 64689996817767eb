"""Self-service while another process holds the database's write lock (a long import, say).

Twilio gives up on a webhook after 15 s; every answer here comes within 5 s: the right digits
get the statement without waiting, a step that must write apologises in time, menus go on.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask
from werkzeug.test import TestResponse

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
