"""Mark a callback request: refused when it is not there, written, audited with the number
masked, logged without it."""

from __future__ import annotations

import logging

import pytest

from ivr.actions.callbacks import mark_callback, record_outcome
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from tests.actions.conftest import ANA, ROOT, audited, logged, refusal
from tests.conftest import WEEKDAY_10AM

NUMBER = "+51999888777"


@pytest.fixture
def runtime_with_one(runtime: Runtime) -> Runtime:
    runtime.callbacks.request("CA" + "1" * 32, NUMBER, "helpdesk", "Breña", WEEKDAY_10AM)
    return runtime


def test_done_writes_audits_masked_and_logs_without_the_number(
    runtime_with_one: Runtime, console: ConsoleStore, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="ivr.actions"):
        before = mark_callback(runtime_with_one, ROOT, 1)
    assert before.status == "pending"
    after = runtime_with_one.callbacks.get(1)
    assert after is not None and (after.status, after.updated_at) == ("done", WEEKDAY_10AM)
    assert audited(console) == [("cli:root", "callback_done", "#1 helpdesk, Breña, ***777")]
    assert logged(caplog) == ["callback_done: #1 done; by root through the cli"]
    assert NUMBER not in caplog.text


def test_another_status_is_audited_with_its_spanish_name(
    runtime_with_one: Runtime, console: ConsoleStore
) -> None:
    mark_callback(runtime_with_one, ROOT, 1, "abandoned")
    assert audited(console) == [
        ("cli:root", "callback_status", "#1 helpdesk, Breña, ***777: abandonada")
    ]


@pytest.mark.parametrize(
    ("callback_id", "status", "field", "en", "es"),
    [
        pytest.param(
            42, "done", None,
            "there is no callback request 42", "No existe la solicitud 42.",
            id="unknown",
        ),
        pytest.param(
            1, "lost", "status",
            "unknown status 'lost': one of pending, called, done, abandoned",
            "Estado desconocido «lost».",
            id="bad-status",
        ),
    ],
)  # fmt: skip
def test_refusals_change_nothing(
    runtime_with_one: Runtime,
    console: ConsoleStore,
    callback_id: int,
    status: str,
    field: str | None,
    en: str,
    es: str,
) -> None:
    refused = refusal(lambda: mark_callback(runtime_with_one, ANA, callback_id, status))
    assert refused == (field, en, es)
    assert [c.status for c in runtime_with_one.callbacks.list()] == ["pending"]
    assert audited(console) == []


def test_if_pending_refuses_one_already_marked(
    runtime_with_one: Runtime, console: ConsoleStore
) -> None:
    mark_callback(runtime_with_one, ANA, 1, if_pending=True)
    refused = refusal(lambda: mark_callback(runtime_with_one, ANA, 1, "called", if_pending=True))
    assert refused == (
        None,
        "callback request 1 is no longer pending",
        "La solicitud 1 ya no está pendiente.",
    )
    assert [c.status for c in runtime_with_one.callbacks.list()] == ["done"]
    assert len(audited(console)) == 1


def test_outcomes_are_written_counted_and_audited(
    runtime_with_one: Runtime, console: ConsoleStore
) -> None:
    """issue 20: reached, not reached (tried again later) and cancelled, each audited."""
    callbacks = runtime_with_one.callbacks
    callbacks.request("CA" + "2" * 32, "+51999888776", "helpdesk", "Comas", WEEKDAY_10AM)
    record_outcome(runtime_with_one, ANA, 1, "unreached")
    first = callbacks.get(1)
    assert first is not None and (first.status, first.attempts) == ("pending", 1)
    record_outcome(runtime_with_one, ANA, 1, "reached")
    reached = callbacks.get(1)
    assert reached is not None and (reached.status, reached.attempts) == ("reached", 2)
    record_outcome(runtime_with_one, ANA, 2, "cancelled")
    cancelled = callbacks.get(2)
    assert cancelled is not None and (cancelled.status, cancelled.attempts) == ("cancelled", 0)
    assert [detail for _, action, detail in audited(console)] == [
        "#2 helpdesk, Comas, ***776: cancelada",
        "#1 helpdesk, Breña, ***777: contactada (intento 2)",
        "#1 helpdesk, Breña, ***777: no contestó; sigue pendiente (intento 1)",
    ]
    assert {action for _, action, _ in audited(console)} == {"callback_outcome"}
    assert refusal(lambda: record_outcome(runtime_with_one, ANA, 1, "reached")) == (
        None,
        "callback request 1 is no longer pending",
        "La solicitud 1 ya no está pendiente.",
    )
