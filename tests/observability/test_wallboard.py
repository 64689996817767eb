"""The wallboard's gauges on /metrics: the desks now, read at scrape time and cached."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from flask import Flask

from ivr.core.desks import AgentState
from ivr.observability import metrics
from tests.conftest import WEEKDAY_10AM
from tests.helpers import Clock

ROOT = Path(__file__).resolve().parents[2]


def test_the_gauges_say_the_desks_now_and_are_cached(
    make_app: Callable[..., Flask],
) -> None:
    clock = Clock(WEEKDAY_10AM)
    app = make_app(CLOCK=clock)
    runtime = app.extensions["ivr"]
    calls = runtime.calls
    start = WEEKDAY_10AM - timedelta(minutes=3)

    def step(sid: str, minutes: float, node: str, event: str, detail: str = "") -> None:
        calls.step(sid, start + timedelta(minutes=minutes), "Breña", node, event, detail)

    step("CA1", 0, "principal", "call_start")
    step("CA1", 1, "help-desk", "transfer", "helpdesk")  # waiting since 2 min ago
    step("CA1", 2, "help-desk", "queue_wait", "position 1")
    step("CA2", 2, "help-desk", "transfer", "helpdesk")  # waiting since 1 min ago
    step("CA3", 2.5, "estudiantes", "entered")  # in the menus
    calls.flush()
    desks = runtime.desks
    desks.add_agent("ana", "+51999000111", ("helpdesk",), clock())
    desks.add_agent("luis", "+51999000222", ("helpdesk",), clock())
    desks.set_state("ana", AgentState.AVAILABLE, clock())
    text = app.test_client().get("/metrics").get_data(as_text=True)
    assert "ivr_calls_in_progress 3.0" in text
    assert 'ivr_queue_callers_waiting{desk="helpdesk"} 2.0' in text
    assert 'ivr_queue_longest_wait_seconds{desk="helpdesk"} 120.0' in text
    assert 'ivr_desk_agents{desk="helpdesk",state="available"} 1.0' in text
    assert 'ivr_desk_agents{desk="helpdesk",state="away"} 1.0' in text
    assert 'ivr_desk_agents{desk="helpdesk",state="on_call"} 0.0' in text
    live = app.extensions[metrics.LIVE]
    assert live.reads == 1
    clock.set(WEEKDAY_10AM + timedelta(seconds=4))
    app.test_client().get("/metrics")
    assert live.reads == 1  # within 5 s: the same reading
    clock.set(WEEKDAY_10AM + timedelta(seconds=5))
    again = app.test_client().get("/metrics").get_data(as_text=True)
    assert live.reads == 2
    assert 'ivr_queue_longest_wait_seconds{desk="helpdesk"} 125.0' in again


def test_the_sample_grafana_dashboard_uses_the_gauges() -> None:
    dashboard = json.loads((ROOT / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    expressions = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    )
    for gauge in (
        "ivr_calls_in_progress",
        "ivr_queue_callers_waiting",
        "ivr_queue_longest_wait_seconds",
        "ivr_desk_agents",
    ):
        assert gauge in expressions
    assert dashboard["title"] and dashboard["schemaVersion"] >= 30
