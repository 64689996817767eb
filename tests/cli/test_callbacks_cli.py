"""`ivr callbacks list` and `ivr callbacks done` for a desk's lead."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask

from ivr.cli.callbacks import callbacks_group
from ivr.clock import LIMA
from ivr.runtime import Runtime

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=LIMA)


def _fill(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions["ivr"]
    runtime.callbacks.request("CA1", "+51999888777", "helpdesk", "Breña", NOW)
    runtime.callbacks.request(
        "CA2", "+5116044700", "facturacion", "Comas", NOW + timedelta(minutes=7)
    )
    return runtime


def test_list_shows_pending_requests_oldest_first(app: Flask) -> None:
    _fill(app)
    result = app.test_cli_runner().invoke(callbacks_group, ["list"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "id  requested_at      desk         campus  number        status   attempts",
        "1   2026-11-18 10:00  helpdesk     Breña   +51999888777  pending  0",
        "2   2026-11-18 10:07  facturacion  Comas   +5116044700   pending  0",
    ]


def test_list_one_desk_into_csv(app: Flask, tmp_path: Path) -> None:
    _fill(app)
    out = tmp_path / "callbacks.csv"
    result = app.test_cli_runner().invoke(
        callbacks_group, ["list", "--desk", "helpdesk", "--csv", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "id,requested_at,desk,campus,number,status,attempts",
        "1,2026-11-18 10:00,helpdesk,Breña,+51999888777,pending,0",
    ]


def test_done_marks_a_request_and_it_leaves_the_pending_list(app: Flask) -> None:
    runtime = _fill(app)
    runner = app.test_cli_runner()
    result = runner.invoke(callbacks_group, ["done", "1"])
    assert result.exit_code == 0, result.output
    assert result.output == "Callback 1: done.\n"
    assert [c.status for c in runtime.callbacks.list()] == ["done", "pending"]
    listed = runner.invoke(callbacks_group, ["list"]).output
    assert "+51999888777" not in listed
    assert "+51999888777" in runner.invoke(callbacks_group, ["list", "--all"]).output


def test_done_on_an_unknown_request_fails(app: Flask) -> None:
    result = app.test_cli_runner().invoke(callbacks_group, ["done", "42"])
    assert result.exit_code == 1
    assert "there is no callback request 42" in result.output


def test_nothing_to_list(app: Flask) -> None:
    result = app.test_cli_runner().invoke(callbacks_group, ["list", "--desk", "helpdesk"])
    assert result.output == "No callback requests for helpdesk.\n"
