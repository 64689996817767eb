"""A PostgreSQL outage in the log as an operator wants it: gone, still gone (a minute), back.

No traceback per request, whatever the request: menus, self-service, the status callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from flask import Flask

from ivr.storage.ledger.demo import generate
from tests.conftest import start_cluster
from tests.helpers import Caller, Clock, upgrade_url
from tests.pgcluster import Cluster


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    cluster = start_cluster()
    yield cluster
    cluster.stop()


def walk(caller: Caller, n: int) -> None:
    """One call: the greeting, the students' menu, a code, then Twilio's status callback."""
    caller.call["CallSid"] = f"CA{n:032x}"
    asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
    assert caller.follow(asked_code, Digits="00012345").status_code == 200
    assert caller.post("/voice/status", CallStatus="completed").status_code in (200, 204)


def outage_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "ivr.outage"]


def test_an_outage_logs_one_line_then_one_a_minute_then_its_end(
    make_app: Callable[..., Flask],
    own_cluster: Cluster,
    clock: Clock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = own_cluster.create_database("outage_log")
    upgrade_url(url)
    app = make_app(IVR_DATABASE_URL=url)
    generate(app.extensions["ivr"].ledger, students=5)
    caplog.set_level(logging.INFO)
    with app.test_client() as client:
        caller = Caller(client)
        walk(caller, 1)
        assert outage_lines(caplog) == []

        own_cluster.pause()
        caplog.clear()
        for n in range(2, 6):
            walk(caller, n)
        assert [r for r in caplog.records if r.exc_info] == []  # no traceback per request
        assert [r.levelname for r in caplog.records if r.levelno >= logging.ERROR] == ["ERROR"]
        (gone,) = outage_lines(caplog)
        assert gone.startswith("the database postgresql+psycopg://postgres@127.0.0.1:")
        assert "is unavailable" in gone

        caplog.clear()
        clock.set(clock() + timedelta(seconds=61))
        for n in range(6, 8):
            walk(caller, n)
        (still,) = outage_lines(caplog)
        assert "still unavailable after 1 minute" in still
        assert [r for r in caplog.records if r.exc_info] == []

        caplog.clear()
        own_cluster.resume()
        clock.set(clock() + timedelta(seconds=30))
        walk(caller, 8)
        (back,) = outage_lines(caplog)
        assert "is back after 1 minute" in back
