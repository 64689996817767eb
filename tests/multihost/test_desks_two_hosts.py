"""Desks answered by the service on two real hosts and one PostgreSQL: exactly once.

Two gunicorn instances (two workers each) share a PostgreSQL and a stand-in for Twilio's REST
API. Six callbacks are due and two agents become available; then callers start waiting on
both hosts at once, so that up to four workers dispatch together. Every ``Calls.create`` is
answered as Twilio would (alternating hosts), the agent keys 1 for a callback and the student
answers. Each callback is offered by exactly one ``Calls.create`` and dialled once; each
waiting caller is rung once, by one agent at a time; never more rings than free agents.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import Engine, select
from twilio.request_validator import RequestValidator

from bench.calls import call_params, keys
from bench.server import Server
from ivr.storage.database import make_engine
from ivr.storage.schema import agents, callbacks, desk_callers
from tests.desks.conftest import FakeTwilio, Placed
from tests.helpers import ROOT, copy_config
from tests.multihost.test_two_hosts import PUBLIC, TOKEN, host_envs, signed_post
from tests.pgcluster import Cluster

WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
ACTION = "/voice/transfer/help-desk?s=3&t=principal.estudiantes"
CALLBACKS = 6
CALLERS = 4
ALWAYS_OPEN = """\
weekly:
  lunes-domingo:
    - {from: '00:00', until: '23:59:59'}
holidays:
  closed: false
"""  # the hosts read the real clock: callbacks are placed only while the desk is open
QUEUES = """\
defaults:
  wrap_up: 0
callback:
  enabled: true
  limits:  # six callbacks to the test's numbers within a minute: over the shipped limits
    per_caller: {hour: 10, day: 10}
    per_number: {hour: 10, day: 10}
"""


@dataclass
class Desks:
    hosts: list[Server]
    envs: list[dict[str, str]]
    api: FakeTwilio
    engine: Engine  # the shared database, read by the test

    def ivr(self, host: int, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "ivr", *args],
            cwd=ROOT, env={**os.environ, **self.envs[host]},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def post(self, host: int, sid: str, path: str, **extra: str) -> ET.Element:
        return signed_post(self.hosts[host].port, sid, path.removeprefix(PUBLIC), extra)

    def status(self, host: int, placed: Placed, call_status: str) -> None:
        """Post the agent leg's status callback, as Twilio does (answered 204, no TwiML)."""
        path = _path(placed.status_callback)
        params = {**call_params(placed.sid, placed.to), "CallStatus": call_status}
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        conn = http.client.HTTPConnection("127.0.0.1", self.hosts[host].port, timeout=20)
        try:
            conn.request("POST", path, body=urlencode(params), headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            })  # fmt: skip
            response = conn.getresponse()
            response.read()
        finally:
            conn.close()
        assert response.status == 204, (path, response.status)

    def calls_placed(self, count: int, seconds: float = 20) -> list[Placed]:
        return self.api.wait_for(count, seconds)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(scope="module")
def desks(
    postgres_cluster: Cluster | None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desks]:
    if postgres_cluster is None:
        pytest.skip("IVR_TEST_DATABASE_URL is set: this test makes a database of its own")
    folder = tmp_path_factory.mktemp("desks-two-hosts")
    config = copy_config(folder / "config")
    (config / "schedules" / "central.yaml").write_text(ALWAYS_OPEN, encoding="utf-8")
    (config / "queues.yaml").write_text(QUEUES, encoding="utf-8")
    url = postgres_cluster.create_database("desks_two_hosts")
    api = FakeTwilio()
    api.thread.start()
    twilio = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "IVR_TWILIO_API_URL": api.url}
    envs = host_envs(config, folder, url, **twilio)
    hosts = [
        Server(f"desks-{n}", "app:app", env, folder) for n, env in zip("ab", envs, strict=True)
    ]
    found = Desks(hosts, envs, api, make_engine(url))
    assert found.ivr(0, "db", "upgrade").returncode == 0
    for name, phone in (("ana", "+51911111111"), ("beto", "+51922222222")):
        added = found.ivr(1, "agents", "add", name, "--desk", "helpdesk", "--phone", phone)
        assert added.returncode == 0, added.stderr
    try:
        for host in hosts:
            host.start(workers=2)
        yield found
    finally:
        for host in hosts:
            host.stop()
        api.server.shutdown()
        api.server.server_close()
        found.engine.dispose()


def _request_callback(desks: Desks, n: int) -> None:
    """A caller waits, keys 1 and confirms their own number, and leaves: a callback in line."""
    sid = f"CA{n:032x}"
    host = n % 2
    waiting = desks.post(host, sid, WAIT, QueuePosition="1", QueueTime="5")
    for _ in range(2):  # 1: a callback; 1: to the number read back
        gather = waiting.find("Gather")
        assert gather is not None, ET.tostring(waiting)
        waiting = desks.post(1 - host, sid, str(gather.get("action")), **keys("1"))
    assert waiting.find("Leave") is not None, ET.tostring(waiting)
    desks.post(host, sid, ACTION, QueueResult="leave", QueueTime="9")


def _answer(desks: Desks, placed: Placed, host: int) -> tuple[str, str]:
    """Answer one ring as Twilio and the agent would; return what it was for (kind, ref)."""
    desks.status(host, placed, "in-progress")
    answer = desks.post(1 - host, placed.sid, placed.path)
    gather = answer.find("Gather")
    if gather is not None:  # a callback's whisper: key 1 dials the student
        action = str(gather.get("action"))
        callback = urlsplit(action).path.rsplit("/", 1)[1]
        dialled = desks.post(host, placed.sid, action, **keys("1"))
        dial = dialled.find("Dial")
        assert dial is not None and (dial.findtext("Number") or "") == "+51999000111"
        desks.post(1 - host, placed.sid, str(dial.get("action")), DialCallStatus="completed")
        desks.status(host, placed, "completed")
        return "callback", callback
    queue = answer.find("Dial/Queue")
    assert queue is not None, ET.tostring(answer)
    with desks.engine.connect() as conn:  # who Twilio's <Queue> would take: the head
        head = conn.execute(
            select(desk_callers.c.call_sid).where(
                desk_callers.c.status == "ringing", desk_callers.c.agent == _agent(placed)
            )
        ).scalar_one()
    desks.post(host, head, str(queue.get("url")))  # the caller's leg, just before the bridge
    desks.post(1 - host, head, ACTION, QueueResult="bridged", QueueTime="30")
    desks.status(host, placed, "completed")
    return "caller", head


def _agent(placed: Placed) -> str:
    return urlsplit(placed.url).path.split("/")[3]  # /voice/agent/<name>/answer


def _states(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(agents.c.state)).scalars())


def _rings_at_once(engine: Engine) -> list[tuple[str, str | None]]:
    """The callers being rung now, with their agent (a caller twice would be rung twice)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(desk_callers.c.call_sid, desk_callers.c.agent).where(
                desk_callers.c.status == "ringing"
            )
        ).all()
    return [(sid, agent) for sid, agent in rows]


def test_each_callback_dialled_once_and_each_caller_rung_once(desks: Desks) -> None:
    for n in range(1, CALLBACKS + 1):
        _request_callback(desks, n)
    assert desks.api.calls == []  # both agents away
    for host, name in ((0, "ana"), (1, "beto")):
        made = desks.ivr(host, "agents", "available", name)
        assert made.returncode == 0, made.stderr

    # callers start waiting on both hosts at once: every worker's nudge dispatches together
    def wait(n: int) -> None:
        desks.post(n % 2, f"CA{100 + n:032x}", WAIT, QueuePosition=str(n), QueueTime="1")

    threads = [threading.Thread(target=wait, args=(n,)) for n in range(1, CALLERS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    offered: Counter[tuple[str, str]] = Counter()
    answered = 0
    while answered < CALLBACKS + CALLERS:
        placed = desks.calls_placed(answered + 1)
        ringing = placed[answered:]
        assert len(ringing) <= 2, [p.to for p in ringing]  # never more rings than agents
        assert len({_agent(p) for p in ringing}) == len(ringing)  # one ring per agent
        callers = _rings_at_once(desks.engine)
        assert len({sid for sid, _ in callers}) == len(callers)  # a caller rung by one agent
        offered[_answer(desks, placed[answered], answered % 2)] += 1
        answered += 1

    deadline = time.monotonic() + 10  # both agents free again: every dispatch has run
    while _states(desks.engine) != {"available"}:
        assert time.monotonic() < deadline, _states(desks.engine)
        time.sleep(0.05)
    assert len(desks.api.calls) == CALLBACKS + CALLERS
    assert [kind for kind, _ in offered].count("callback") == CALLBACKS
    assert set(offered.values()) == {1}  # each callback and each caller: one Calls.create
    with desks.engine.connect() as conn:
        rows = conn.execute(select(callbacks.c.status, callbacks.c.attempts)).all()
    assert sorted(rows) == [("reached", 1)] * CALLBACKS  # each dialled once
