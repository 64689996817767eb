"""Honest figures: how callers left each desk's queue, in call records, the report and metrics."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask
from lxml import etree

from ivr.clock import LIMA
from ivr.observability.report import day_bounds, render, summarise
from ivr.runtime import Runtime
from tests.helpers import Caller, Clock, assert_valid_twiml

ACTION = "/voice/transfer/help-desk?s=3&t=principal.estudiantes"
WAIT = "/voice/wait/help-desk?s=3&t=principal.estudiantes"
DAY = date(2026, 11, 18)


def verbs(data: bytes) -> list[str]:
    return [el.tag for el in etree.fromstring(data)]


def queued(caller: Caller, sid: str) -> None:
    """A caller through the menus into Help Desk's queue (the transfer step is recorded)."""
    caller.call["CallSid"] = sid
    response = caller.post("/voice")
    for key in ("2", "1"):
        response = caller.follow(response, Digits=key)
    assert b"<Enqueue" in response.data


def test_a_hangup_in_the_queue_is_abandoned_not_connected(app: Flask, caller: Caller) -> None:
    queued(caller, "CA" + "a" * 32)
    data = caller.post(ACTION, QueueResult="hangup", QueueTime="75").data
    assert verbs(data) == ["Hangup"]
    runtime: Runtime = app.extensions["ivr"]
    runtime.calls.flush()
    [call] = runtime.calls.calls(*day_bounds(DAY, DAY))  # type: ignore[attr-defined]
    assert [(s.event, s.detail) for s in call.steps][-1] == ("queue_abandoned", "helpdesk 75")
    report = summarise([call], DAY, DAY)
    [transfers] = report.transfers
    assert (transfers.connected, transfers.not_connected) == (0, 1)


def test_a_simulated_day_of_answered_abandoned_and_left_callers(
    app: Flask, caller: Caller, clock: Clock
) -> None:
    results = [
        ("bridged", "30"),
        ("bridged", "90"),
        ("bridging-in-process", "60"),
        ("hangup", "240"),
        ("hangup", "15"),
        ("error", "5"),
        ("system-error", None),
    ]
    for n, (result, seconds) in enumerate(results):
        clock.set(datetime(2026, 11, 18, 10, n, tzinfo=LIMA))
        queued(caller, f"CA{n:032x}")
        params = {"QueueResult": result}
        if seconds is not None:
            params["QueueTime"] = seconds
        assert_valid_twiml(caller.post(ACTION, **params).data)
    # one leaves with a callback, one after the maximum wait
    clock.set(datetime(2026, 11, 18, 11, 0, tzinfo=LIMA))
    queued(caller, "CA" + "c" * 32)
    confirm = caller.follow(caller.post(WAIT, QueuePosition="2"), Digits="1")
    assert verbs(caller.follow(confirm, Digits="1").data) == ["Leave"]
    caller.post(ACTION, QueueResult="leave", QueueTime="120")
    clock.set(datetime(2026, 11, 18, 12, 0, tzinfo=LIMA))
    queued(caller, "CA" + "d" * 32)
    clock.set(clock() + timedelta(minutes=10))
    assert verbs(caller.post(WAIT, QueuePosition="1", QueueTime="600").data) == ["Leave"]
    caller.post(ACTION, QueueResult="leave", QueueTime="605")

    runtime: Runtime = app.extensions["ivr"]
    runtime.calls.flush()
    report = summarise(runtime.calls.calls(*day_bounds(DAY, DAY)), DAY, DAY)  # type: ignore[attr-defined]
    [desk] = report.queues
    assert (desk.desk, desk.offered, desk.answered, desk.abandoned, desk.failed) == (
        "helpdesk",
        9,
        3,
        2,
        2,
    )
    assert desk.left == (("callback", 1), ("max_wait", 1))
    assert desk.timed == 8  # one failure came without QueueTime
    assert desk.total_wait_s == 30 + 90 + 60 + 240 + 15 + 5 + 120 + 605
    assert desk.longest_wait_s == 605
    assert desk.abandon_rate == 2 / 9
    text = render(report)
    assert (
        "  helpdesk        9         3          2     2       2         22.2%         146 s"
        "         605 s\n" in text
    )
    assert "  helpdesk  callback        1\n  helpdesk  max_wait        1\n" in text

    metrics = app.test_client().get("/metrics").data.decode()
    assert 'ivr_queue_results_total{desk="helpdesk",result="abandoned"}' in metrics
    assert 'ivr_queue_results_total{desk="helpdesk",result="left_callback"}' in metrics
    assert 'ivr_queue_wait_seconds_bucket{desk="helpdesk",le="600.0"}' in metrics
