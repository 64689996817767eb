"""Failing parts and hostile callers: brute force, reloads under load, a long soak."""

from __future__ import annotations

import gc
import os
import random
import threading
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from lxml import etree

from ivr.storage.ledger.demo import generate
from tests.helpers import CODE_PROMPT, Caller, Clock, assert_valid_twiml

ENTRY = CODE_PROMPT


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


def attempt(caller: Caller, code: str, dni: str) -> list[str]:
    asked = caller.post(caller.code_prompt(), Digits=code)
    return says(caller.follow(asked, Digits=dni).data)


def test_brute_force_against_verification_holds_and_reveals_nothing(
    app: Flask, caller: Caller, clock: Clock
) -> None:
    generate(app.extensions["ivr"].ledger, students=30)
    rng = random.Random(7)
    answers: set[str] = set()
    # An attacker tries every DNI ending for a known code, one call per try, a few seconds apart,
    # each from another number (the limit per calling number is tested in test_caller_limits).
    for n, guess in enumerate(f"{d:04d}" for d in range(0, 40)):
        caller.call["CallSid"] = f"CA{n:032d}"
        caller.call["From"] = f"+5199900{n:04d}"
        clock.set(clock() + timedelta(seconds=rng.randint(5, 20)))
        spoken = attempt(caller, "00012345", guess)
        answers.add(spoken[0])
    # The right digits (2468) come after the lock: still locked, so the attacker learns nothing.
    caller.call["CallSid"] = "CA" + "e" * 32
    assert attempt(caller, "00012345", "2468")[0].startswith("Por su seguridad")
    # Unknown codes go through the same answers: nothing tells which codes exist.
    unknown: set[str] = set()
    for n in range(40):
        caller.call["CallSid"] = f"CAb{n:031d}"
        caller.call["From"] = f"+5198800{n:04d}"
        unknown.add(attempt(caller, "77777777", f"{n:04d}")[0])
    assert answers == unknown
    assert len(answers) == 2  # "no coinciden" and the lock message, for both
    # After the lock expires the student can get in again.
    clock.set(clock() + timedelta(minutes=31))
    caller.call["CallSid"] = "CA" + "d" * 32
    caller.call["From"] = "+51977000000"
    assert attempt(caller, "00012345", "2468")[0].startswith("Tiene mil dieciocho soles")


def test_config_reload_failing_under_load_fails_no_request(
    make_app: object, config_dir: Path
) -> None:
    app: Flask = make_app(IVR_RELOAD_SECONDS="0")  # type: ignore[operator]
    statuses: list[int] = []
    bodies: list[bytes] = []
    stop = threading.Event()

    def hammer() -> None:
        with app.test_client() as client:
            caller = Caller(client)
            while not stop.is_set():
                response = caller.post("/voice/menu/estudiantes?s=2", Digits="1")
                statuses.append(response.status_code)
                bodies.append(bytes(response.data))

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    path = config_dir / "menus" / "students.yaml"
    good = path.read_text(encoding="utf-8")
    try:
        n = 0
        runtime = app.extensions["ivr"]
        # broken and good edits while requests flow, each loaded (or rejected) as the watcher
        # would, at once
        while (len(statuses) < 300 or n < 10) and n < 5000:
            n += 1
            broken = good.replace("goto: help-desk", "goto: helpdesk") if n % 2 == 0 else good
            path.write_text(broken if n % 3 else "nodes: [unclosed\n", encoding="utf-8")
            os.utime(path, ns=(n * 10**9, n * 10**9 + 1))
            runtime.check()
            threading.Event().wait(0.005)
        path.write_text(good, encoding="utf-8")
        os.utime(path, ns=(10**12, 10**12))
        threading.Event().wait(0.05)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert len(statuses) >= 300 and n >= 10
    assert set(statuses) == {200}
    for body in bodies[:: max(1, len(bodies) // 50)]:
        assert_valid_twiml(body)
        assert b"<Enqueue" in body


@pytest.mark.slow
@pytest.mark.parametrize("calls", [2000])
def test_soak_thousands_of_calls_with_flat_memory(app: Flask, caller: Caller, calls: int) -> None:
    walks = [("2", "1"), ("1", "2", "#"), ("2", "7", "*", "3"), ("2", "4")]

    def one_call(n: int) -> None:
        caller.call["CallSid"] = f"CA{n:032d}"
        response = caller.post("/voice")
        for key in walks[n % len(walks)]:
            response = caller.follow(response, Digits=key)
            assert response.status_code == 200
        caller.post("/voice/status", CallStatus="completed", CallDuration="40")

    recorder = app.extensions["ivr"].calls

    def settled() -> None:
        # The call records buffered for the database are written, not leaked: measure without
        # them, so that where the writer thread happens to be does not count.
        recorder.flush()
        gc.collect()

    for n in range(400):  # warm caches (rendered menus, statements), buffers and the allocator
        one_call(n)
    settled()
    tracemalloc.start()
    half = calls // 2
    for n in range(400, 400 + half):
        one_call(n)
    settled()
    after_first, _ = tracemalloc.get_traced_memory()
    for n in range(400 + half, 400 + calls):
        one_call(n)
    settled()
    after_second, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    app.extensions["ivr"].calls.flush()
    # The second thousand calls must not keep what the first left behind: a leak of half a
    # kilobyte per call would show as 500 KiB here.
    assert after_second - after_first < 384 * 1024, (after_first, after_second)
