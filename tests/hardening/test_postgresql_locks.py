"""Another session holds ACCESS EXCLUSIVE locks on every table the webhooks write (PostgreSQL).

Real gunicorn (deploy/gunicorn.conf.py, sync workers, its 10 s worker timeout) on a real
PostgreSQL: while the locks are held every webhook still answers TwiML 200 within the storage
deadline (4 s, plus the time to render), menus route, a self-service step that must read or
write a locked table apologises, and no worker is killed.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.hardening.test_served import Served
from tests.helpers import SECRET_KEY, sign
from tests.pgcluster import Cluster
from tests.served import ivr_command, server_env, serving

# Every table a webhook writes (sessions, verification failures and lockouts, failures per
# calling number, call records, callbacks).
WRITTEN = (
    "call_sessions",
    "verification_failures",
    "lockouts",
    "caller_failures",
    "call_steps",
    "call_statuses",
    "callbacks",
)
APOLOGY = "En este momento no podemos consultar su estado de cuenta."
DEADLINE = 4.0  # ivr.web.voice.STORE_BUDGET_SECONDS
SLACK = 0.8  # rendering, the request's own round trips, a loaded 2-core machine


@pytest.fixture(scope="module")
def served(
    postgres_cluster: Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Served, str]]:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: this test makes a database of its own")
    folder = tmp_path_factory.mktemp("pglocks")
    url = postgres_cluster.create_database("locks")
    env = {**server_env(folder), "IVR_DATABASE_URL": url, "IVR_SECRET_KEY": SECRET_KEY}
    for command in (("db", "upgrade"), ("ledger", "demo", "--students", "20")):
        done = ivr_command(env, *command)
        assert done.returncode == 0, done.stderr
    with serving("app", env, folder) as (server, base):
        yield Served(server, base), url


class Walk:
    """One call, its webhooks signed as Twilio signs them, each answer timed."""

    def __init__(self, served: Served, sid: str) -> None:
        self.served = served
        self.call = {"CallSid": sid, "To": "+5116044700", "From": "+51999888777"}

    def post(self, path: str, **params: str) -> tuple[ET.Element, float]:
        data = {**self.call, **params}
        body = "&".join(f"{k}={v.replace('+', '%2B')}" for k, v in data.items()).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(self.served.base + path, data),
        }
        started = time.monotonic()
        status, _, answer = self.served.send("POST", path, body, headers)
        took = time.monotonic() - started
        assert status == 200, (path, status, answer[:300])
        return ET.fromstring(answer), took

    def press(self, answer: ET.Element, digits: str) -> tuple[ET.Element, float]:
        gather = answer.find("Gather")
        assert gather is not None, said(answer)
        action = gather.get("action") or ""
        return self.post(action.removeprefix(self.served.base), Digits=digits)


def said(answer: ET.Element) -> str:
    return " ".join((say.text or "").strip() for say in answer.iter("Say"))


@pytest.fixture
def locked(served: tuple[Served, str]) -> Iterator[None]:
    """Another session takes ACCESS EXCLUSIVE locks on every written table and keeps them."""
    engine = create_engine(served[1])
    try:
        with engine.connect() as conn:
            conn.execute(text(f"LOCK TABLE {', '.join(WRITTEN)} IN ACCESS EXCLUSIVE MODE"))
            yield
            conn.rollback()
    finally:
        engine.dispose()


def test_every_webhook_answers_in_time_while_the_written_tables_are_locked(
    served: tuple[Served, str], locked: None
) -> None:
    server = served[0]
    walk = Walk(server, "CA" + "1" * 32)
    timings: list[float] = []
    greeting, took = walk.post("/voice")
    timings.append(took)
    assert "Para estudiantes, marque 2." in said(greeting)
    students, took = walk.press(greeting, "2")  # menus route
    timings.append(took)
    assert "Para su estado de cuenta y fechas de pago, marque 5." in said(students)
    ask_code, took = walk.press(students, "5")
    timings.append(took)
    assert "código de estudiante" in said(ask_code)
    apology, took = walk.press(ask_code, "00012345")  # reads and writes the call's session
    timings.append(took)
    assert said(apology).startswith(APOLOGY)
    status, _, _ = server.send(
        "POST",
        "/voice/status",
        b"CallSid=" + walk.call["CallSid"].encode() + b"&CallStatus=completed",
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(
                server.base + "/voice/status",
                {"CallSid": walk.call["CallSid"], "CallStatus": "completed"},
            ),
        },
    )
    assert status in (200, 204)
    assert max(timings) < DEADLINE + SLACK, timings
    assert sum(t > 1.0 for t in timings[:3]) == 0, timings  # menus never wait for the locks
    assert "WORKER TIMEOUT" not in "\n".join(server.logs()["output"] + server.logs()["error"])
