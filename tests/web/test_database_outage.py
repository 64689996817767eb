"""PostgreSQL goes away mid-call: menus keep working, self-service apologises, then recovers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from lxml import etree

from ivr.storage.ledger.demo import generate
from tests.conftest import start_cluster
from tests.helpers import Caller, assert_valid_twiml, upgrade_url
from tests.pgcluster import Cluster

UNAVAILABLE = "En este momento no podemos consultar su estado de cuenta."


def says(data: bytes) -> list[str]:
    return [el.text or "" for el in etree.fromstring(data).iter("Say")]


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A server of this test's own, which it may stop and start again."""
    cluster = start_cluster()
    yield cluster
    cluster.stop()


def test_a_database_outage_mid_call_and_the_recovery_without_restart(
    make_app: Callable[..., Flask], own_cluster: Cluster, caplog: pytest.LogCaptureFixture
) -> None:
    url = own_cluster.create_database("outage")
    upgrade_url(url)
    app = make_app(IVR_DATABASE_URL=url)
    runtime = app.extensions["ivr"]
    generate(runtime.ledger, students=5)
    with app.test_client() as client:
        caller = Caller(client)
        asked_code = caller.follow(caller.follow(caller.post("/voice"), Digits="2"), Digits="5")
        assert "código de estudiante" in says(asked_code.data)[0]

        own_cluster.pause()  # PostgreSQL stops in the middle of the call
        caplog.set_level(logging.WARNING)
        apology = caller.follow(asked_code, Digits="00012345")
        assert apology.status_code == 200
        assert_valid_twiml(apology.data)
        assert says(apology.data)[0] == UNAVAILABLE
        caller.call["CallSid"] = "CA" + "d" * 32  # a new call: the menus still answer
        greeting = caller.post("/voice")
        assert greeting.status_code == 200
        assert "Para estudiantes, marque 2." in says(greeting.data)[-1]
        students = caller.follow(greeting, Digits="2")
        assert "marque 5" in says(students.data)[-1]
        assert runtime.calls.flush() == 0  # the steps wait in memory
        assert "call records not written yet" in caplog.text
        assert "psycopg" not in apology.data.decode()

        own_cluster.resume()  # back: the same process serves self-service again
        asked_dni = caller.follow(caller.follow(students, Digits="5"), Digits="00012345")
        assert "cuatro últimos dígitos de su de ene i" in says(asked_dni.data)[0]
        statement = caller.follow(asked_dni, Digits="2468")
        assert says(statement.data)[0].startswith("Tiene mil dieciocho soles")
        assert runtime.calls.flush() > 0  # what waited is written now
