"""The second factor: HMAC-SHA256 under the server key, PBKDF2 verifiers from before, rotation."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, update

from ivr.cli import ivr
from ivr.clock import LIMA
from ivr.core.fees import Student
from ivr.secret import subkey
from ivr.storage.ledger.base import StudentRecord
from ivr.storage.ledger.secondfactor import SecondFactor
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.schema import students
from tests.helpers import SECRET_KEY
from tests.storage.ledger.conftest import MakeLedger

NOW = datetime(2026, 11, 21, 10, 0, tzinfo=LIMA)
KEY = SECRET_KEY.encode()
NEW_KEY = b"the-next-server-key-abcdefghijklmnopqrstuvwxyz"
EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "ledger"
STUDENT = StudentRecord(Student("N00012345"), "2468")


def stored(ledger: SqlLedger, code: str = "N00012345") -> str:
    with ledger.engine.connect() as conn:
        query = select(students.c.dni_verifier).where(students.c.code == code)
        return str(conn.execute(query).scalar_one())


def legacy_verifier(last4: str, iterations: int = 8_000) -> str:
    """A verifier as earlier versions stored it: salted PBKDF2-SHA256 of the four digits."""
    salt = bytes(range(16))
    digest = hashlib.pbkdf2_hmac("sha256", last4.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def test_a_verifier_is_the_hmac_of_code_and_digits_under_the_subkey() -> None:
    verifier = SecondFactor(KEY).make("N00012345", "2468")
    algorithm, key_id, digest = verifier.split("$")
    expected = hmac.new(subkey(KEY, "second-factor"), b"N00012345:2468", hashlib.sha256)
    assert (algorithm, digest) == ("hmac_sha256", expected.hexdigest())
    assert key_id == subkey(KEY, "second-factor-id")[:4].hex()
    assert SecondFactor(KEY).check(verifier, "N00012345", "2468")
    assert not SecondFactor(KEY).check(verifier, "N00012345", "2469")
    assert not SecondFactor(KEY).check(verifier, "N00012346", "2468")  # bound to its student


def test_a_stolen_database_cannot_check_a_guess_without_the_key(ledger: SqlLedger) -> None:
    ledger.import_students([STUDENT])
    verifier = stored(ledger)
    digest = verifier.rsplit("$", 1)[1]
    # Someone with the database but another key tries every four digits: none matches.
    other = subkey(b"a-guessed-server-key-0123456789abcdef", "second-factor")
    guesses = {
        hmac.new(other, f"N00012345:{n:04d}".encode(), hashlib.sha256).hexdigest()
        for n in range(10_000)
    }
    assert digest not in guesses
    # ... nor does the unkeyed hash of the digits, with or without the code.
    unkeyed = {
        hashlib.sha256(f"{p}{n:04d}".encode()).hexdigest()
        for p in ("", "N00012345:")
        for n in range(10_000)
    }
    assert digest not in unkeyed
    assert not SecondFactor(b"a-guessed-server-key-0123456789abcdef").check(
        verifier, "N00012345", "2468"
    )


def test_verifiers_made_before_the_server_key_still_verify(ledger: SqlLedger) -> None:
    """An upgrade locks nobody out: PBKDF2 verifiers work until the next import replaces them."""
    ledger.import_students([STUDENT])
    with ledger.engine.begin() as conn:
        conn.execute(update(students).values(dni_verifier=legacy_verifier("2468")))
    assert ledger.verifier_ages()["legacy"] == 1
    assert ledger.verify("00012345", "2469", NOW).status == "rejected"
    assert ledger.verify("00012345", "2468", NOW).verified
    result = ledger.import_students([STUDENT])
    assert (result.added, result.updated, result.unchanged) == (0, 1, 0)
    assert stored(ledger) == ledger.second_factor.make("N00012345", "2468")
    assert ledger.verify("00012345", "2468", NOW).verified
    assert ledger.import_students([STUDENT]).unchanged == 1  # and stays put from then on


def test_rotating_the_key(make_ledger: MakeLedger) -> None:
    """Old verifiers verify under the previous key until an import rewrites them all."""
    old = make_ledger(key=KEY)
    old.import_students([STUDENT, StudentRecord(Student("N00054321"), "1357")])
    made_with_old = stored(old)
    # The new key alone cannot check the old verifiers: that is what the previous key is for.
    assert make_ledger(key=NEW_KEY).verify("00012345", "2468", NOW).status == "rejected"
    rotating = make_ledger(key=NEW_KEY, previous_key=KEY)
    assert rotating.verify("00054321", "1357", NOW).verified
    assert rotating.verify("00054321", "1358", NOW).status == "rejected"
    assert rotating.verifier_ages() == {"current": 0, "previous": 2, "legacy": 0, "unknown": 0}
    result = rotating.import_students([STUDENT, StudentRecord(Student("N00054321"), "1357")])
    assert (result.updated, result.unchanged) == (2, 0)
    assert stored(rotating) != made_with_old
    assert rotating.verifier_ages() == {"current": 2, "previous": 0, "legacy": 0, "unknown": 0}
    after = make_ledger(key=NEW_KEY)  # the previous key is no longer needed
    assert after.verify("00012345", "2468", NOW).verified
    assert after.verify("00054321", "1357", NOW).verified
    assert make_ledger(key=KEY).verify("00012345", "2468", NOW).status == "rejected"


def test_neither_the_code_nor_the_dni_is_logged(
    ledger: SqlLedger, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ledger.import_students([STUDENT])
    ledger.verify("00012345", "2468", NOW)
    ledger.verify("00012345", "1111", NOW)
    logged = caplog.text + " ".join(str(r.args) for r in caplog.records)
    assert "00012345" not in logged and "2468" not in logged


def test_rotation_through_the_settings_and_the_cli(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    """IVR_PREVIOUS_SECRET_KEY keeps old verifiers working until `ivr ledger import` rewrites."""
    files = [str(EXAMPLES / name) for name in ("students.csv",)]
    before = make_app()
    assert before.test_cli_runner().invoke(ivr, ["ledger", "import", *files]).exit_code == 0

    rotating = make_app(IVR_SECRET_KEY=NEW_KEY.decode(), IVR_PREVIOUS_SECRET_KEY=SECRET_KEY)
    runtime = rotating.extensions["ivr"]
    assert runtime.ledger.verify("00100002", "2358", NOW).verified
    runner = rotating.test_cli_runner()
    counted = runner.invoke(ivr, ["ledger", "verifiers"])
    assert counted.exit_code == 0, counted.output
    assert counted.stdout == (
        "4 students: 0 on the current key, 4 on the previous key, 0 from before the server key "
        "(PBKDF2), 0 on another key\n"
    )
    assert "import the students export to rewrite the 4 not on the current key" in counted.stderr
    imported = runner.invoke(ivr, ["ledger", "import", *files])
    assert imported.stdout.endswith("4 students: 0 added, 4 updated, 0 unchanged\n")
    counted = runner.invoke(ivr, ["ledger", "verifiers"])
    assert counted.stdout.startswith("4 students: 4 on the current key, 0 on the previous key")
    assert counted.stderr == ""

    after = make_app(IVR_SECRET_KEY=NEW_KEY.decode())
    assert after.extensions["ivr"].ledger.verify("00100002", "2358", NOW).verified
