"""The call walks the benchmark replays, found by answering the app's own <Gather>s.

Menu steps are stateless (the call state rides in the URL), so one signed request per
connection, with its own CallSid, is replayed again and again. Self-service is not: the DNI
answer consumes the code the call's server-side session holds, so a connection replays
"code, DNI" pairs in order under its own CallSid.
"""

from __future__ import annotations

import importlib.util
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench.calls import (
    Signer,
    Step,
    call_params,
    call_sid,
    caller_number,
    gather_action,
    keys,
    speech,
    spoken,
)

STUDENTS_PER_CONNECTION = 8  # each connection's self-service pairs cycle through this many
Replays = list[list[tuple[str, bytes]]]  # per connection: (label, signed request) in order


@dataclass(frozen=True)
class Caller:
    """A student the benchmark calls in as: the digits to key and the DNI's last four."""

    digits: str
    dni_last4: str


def build_ledger(
    database_url: str, students: int, sample: int, key: bytes | None = None
) -> tuple[list[Caller], str]:
    """Write the demo ledger into ``database_url``; return ``sample`` callers and what was built.

    The verifiers are keyed with the server key the app will read: ``key`` (the app's
    ``IVR_SECRET_KEY``) or, on SQLite, the key file in the database's folder, which is the
    app's ``IVR_DATA_DIR`` in bench/run.py (made here if missing, read by the app at start).
    """
    if not all(importlib.util.find_spec(f"ivr.storage.ledger.{m}") for m in ("demo", "sql")):
        return (
            [],
            "no ivr.storage.ledger in this tree: self-service skipped",
        )
    from ivr.core.codes import digits_of
    from ivr.secret import KEY_FILE, key_file
    from ivr.storage.database import make_engine, upgrade
    from ivr.storage.ledger import demo
    from ivr.storage.ledger.base import StudentRecord
    from ivr.storage.ledger.sql import SqlLedger

    started = time.perf_counter()
    engine = make_engine(database_url, create=True)  # as `ivr ledger demo` does
    if key is None:
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database:
            engine.dispose()
            raise ValueError("pass the app's IVR_SECRET_KEY as key: the database is shared")
        key = key_file(Path(database).parent / KEY_FILE)
    try:
        upgrade(engine)
        result = demo.generate(SqlLedger(engine, key=key), students)
    finally:
        engine.dispose()
    rng = random.Random(5)
    synthetic = range(len(demo.DEMO_STUDENTS), result.students)  # the demo's named ones first
    chosen = set(rng.sample(synthetic, min(sample, len(synthetic))))
    callers = []
    for index, record in enumerate(demo.DemoStream(students).records("students")):
        if index in chosen and isinstance(record, StudentRecord):
            digits = digits_of(record.student.code)
            assert digits is not None
            callers.append(Caller(digits, record.dni_last4))
    rng.shuffle(callers)
    seconds = time.perf_counter() - started
    note = (
        f"demo ledger: {result.students:,} students, {result.enrolments:,} enrolments, "
        f"{result.payments:,} payments, written in {seconds:.1f} s; {len(callers)} of the "
        "students call in (HMAC-SHA256 verifiers under the server key)"
    )
    return callers, note


@dataclass
class Walk:
    """The steps found, and what the walk noticed on the way."""

    steps: list[Step] = field(default_factory=list)
    code_step: Step | None = None  # self-service: the code, then ...
    dni_step: Step | None = None  # ... the DNI, whose answer is the statement
    again_step: Step | None = None  # the statement's menu: 1 hears it again
    notes: list[str] = field(default_factory=list)

    @property
    def selfservice(self) -> bool:
        return bool(self.code_step and self.dni_step and self.again_step)


class WalkError(Exception):
    pass


def checked(signer: Signer, path: str, params: dict[str, str], what: str) -> str:
    status, body = signer.post(path, params)
    if status != 200:
        raise WalkError(f"{what}: POST {path} answered {status}: {body[:200]!r}")
    return body


def discover(signer: Signer, callers: Sequence[Caller]) -> Walk:
    """Walk a call as Twilio would, answering each <Gather>, and keep the URLs it used."""
    walk = Walk()
    base = call_params(call_sid(0), caller_number(0))
    greeting = checked(signer, "/voice", {**base, "CallStatus": "ringing"}, "greeting")
    walk.steps.append(Step("greeting", "/voice", {"CallStatus": "ringing"}, "menu"))
    main = gather_action(greeting)
    if main is None:
        raise WalkError(f"the greeting asks nothing: {spoken(greeting)[:200]!r}")
    students = checked(signer, main, {**base, **keys("2")}, "main menu, key 2")
    walk.steps.append(Step("menu: main, key 2", main, keys("2"), "menu"))
    walk.steps.append(Step("menu: main, speech", main, speech("estudiantes"), "menu"))
    desks = gather_action(students)
    if desks is None:
        raise WalkError(f"the students menu asks nothing: {spoken(students)[:200]!r}")
    help_desk = checked(signer, desks, {**base, **keys("1")}, "students menu, key 1")
    walk.steps.append(Step("menu: students, key 1", desks, keys("1"), "menu"))
    walk.notes.append(
        "students, key 1 (Help Desk) answered "
        + ("<Enqueue>: the central is open" if "<Enqueue" in help_desk else "after hours")
    )
    if not callers:
        return walk
    asked = checked(signer, desks, {**base, **keys("5")}, "students menu, key 5")
    code_url = gather_action(asked)
    if code_url is None or "/selfservice/" not in code_url:
        walk.notes.append(f"self-service skipped: key 5 answered {spoken(asked)[:160]!r}")
        return walk
    first = callers[0]
    dni_prompt = checked(signer, code_url, {**base, **keys(first.digits, "#")}, "student code")
    dni_url = gather_action(dni_prompt)
    if dni_url is None:
        walk.notes.append(f"self-service skipped: the code got {spoken(dni_prompt)[:160]!r}")
        return walk
    answer = checked(signer, dni_url, {**base, **keys(first.dni_last4, "#")}, "DNI digits")
    said = spoken(answer)
    again_url = gather_action(answer)
    if again_url is None or not _is_statement(said):
        walk.notes.append(f"self-service skipped: the DNI got {said[:160]!r}")
        return walk
    walk.code_step = Step("self-service: code", code_url, {}, "self-service")
    walk.dni_step = Step("self-service: DNI -> statement", dni_url, {}, "self-service")
    walk.again_step = Step("self-service: statement again", again_url, keys("1"), "self-service")
    return walk


def _is_statement(said: str) -> bool:
    # ivr.core.selfservice.script.summary: "No tiene deuda ...", or the next payment ("Su
    # próxima cuota ...", "Su próximo pago ...") and the total ("En total, debe ...")
    return any(words in said for words in ("No tiene deuda", "Su próxim", "En total, debe"))


def menu_sequences(signer: Signer, step: Step, count: int) -> Replays:
    """One request per connection, each with its own CallSid and caller number."""
    sequences = []
    for n in range(1, count + 1):
        params = {**call_params(call_sid(n), caller_number(n)), **step.caller_input}
        sequences.append([(step.name, signer.raw(step.path, params))])
    return sequences


def code_sequences(signer: Signer, walk: Walk, callers: Sequence[Caller], count: int) -> Replays:
    """The code step alone: it only remembers the code in the call's session."""
    assert walk.code_step is not None
    sequences = []
    for n in range(1, count + 1):
        params = call_params(call_sid(20_000 + n), caller_number(n))
        params.update(keys(callers[n % len(callers)].digits, "#"))
        sequences.append([(walk.code_step.name, signer.raw(walk.code_step.path, params))])
    return sequences


def pair_sequences(signer: Signer, walk: Walk, callers: Sequence[Caller], count: int) -> Replays:
    """Per connection (its own CallSid): code then DNI, for several students in turn."""
    assert walk.code_step is not None and walk.dni_step is not None
    sequences = []
    for n in range(1, count + 1):
        params = call_params(call_sid(30_000 + n), caller_number(n))
        sequence = []
        for i in range(STUDENTS_PER_CONNECTION):
            caller = callers[(n * STUDENTS_PER_CONNECTION + i) % len(callers)]
            code = {**params, **keys(caller.digits, "#")}
            dni = {**params, **keys(caller.dni_last4, "#")}
            sequence.append((walk.code_step.name, signer.raw(walk.code_step.path, code)))
            sequence.append((walk.dni_step.name, signer.raw(walk.dni_step.path, dni)))
        sequences.append(sequence)
    return sequences


def again_sequences(signer: Signer, walk: Walk, callers: Sequence[Caller], count: int) -> Replays:
    """Per connection: a verified call pressing 1 to hear the statement again (primes first)."""
    assert walk.code_step and walk.dni_step and walk.again_step
    sequences = []
    for n in range(1, count + 1):
        params = call_params(call_sid(10_000 + n), caller_number(n))
        caller = callers[(n * STUDENTS_PER_CONNECTION) % len(callers)]
        checked(signer, walk.code_step.path, {**params, **keys(caller.digits, "#")}, "code")
        dni = {**params, **keys(caller.dni_last4, "#")}
        if not _is_statement(spoken(checked(signer, walk.dni_step.path, dni, "DNI"))):
            raise WalkError(f"call {n} was not verified: cannot replay 'statement again'")
        again = {**params, **walk.again_step.caller_input}
        sequences.append([(walk.again_step.name, signer.raw(walk.again_step.path, again))])
    return sequences
