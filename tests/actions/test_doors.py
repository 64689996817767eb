"""Every door leaves the same record: what the CLI does is in the console's Auditoría page."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from lxml import html

from ivr.cli import ivr
from ivr.runtime import Runtime
from tests.conftest import WEEKDAY_10AM
from tests.console.conftest import log_in

PASSWORD = "una-clave-bastante-larga"
MESSAGE = "Por una emergencia, la central está cerrada."


def _add_viewer(runner: FlaskCliRunner) -> None:
    """Add the viewer 'ana' with the CLI, as an operator would."""
    added = runner.invoke(
        ivr, ["users", "add", "ana", "--role", "viewer"], input=f"{PASSWORD}\n" * 2
    )
    assert added.exit_code == 0, added.output


def _audit_rows(app: Flask, name: str) -> list[list[str]]:
    """The Auditoría page's rows as a person reads them, newest first."""
    client = app.test_client()
    assert log_in(client, name, PASSWORD).status_code == 302
    page = client.get("/console/audit")
    assert page.status_code == 200
    doc = html.fromstring(page.get_data(as_text=True))
    table = doc.xpath('//*[@role="region"][@aria-label="Registro de auditoría"]//tbody/tr')
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("td")] for row in table]


def test_an_override_set_and_cleared_with_the_cli_is_in_the_audit_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "guardia")  # what getpass.getuser() reads first
    runner = app.test_cli_runner()
    _add_viewer(runner)
    set_ = runner.invoke(
        ivr, ["override", "set", "--message", MESSAGE, "--until", "2026-11-18 15:30"]
    )
    assert set_.exit_code == 0, set_.output
    cleared = runner.invoke(ivr, ["override", "clear"])
    assert cleared.output == "Emergency override cleared: the schedules decide again.\n"

    when = "miércoles 18 de noviembre, 10:00"
    detail = f"hasta el miércoles 18 de noviembre, 15:30; mensaje: {MESSAGE}"
    assert _audit_rows(app, "ana") == [
        [when, "ana", "ingresó", ""],
        [when, "cli:guardia", "quitó el cierre de emergencia", detail],
        [when, "cli:guardia", "activó el cierre de emergencia", detail],
        [when, "cli:guardia", "creó un usuario", "ana (lector)"],
    ]


def test_a_callback_marked_with_the_cli_is_in_the_audit_page(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "guardia")
    runtime: Runtime = app.extensions["ivr"]
    runtime.callbacks.request("CA1", "+51999888777", "helpdesk", "Breña", WEEKDAY_10AM)
    runner = app.test_cli_runner()
    _add_viewer(runner)
    done = runner.invoke(ivr, ["callbacks", "done", "1", "--status", "called"])
    assert done.output == "Callback 1: called.\n"
    rows = _audit_rows(app, "ana")
    assert rows[1][1:] == [
        "cli:guardia",
        "cambió el estado de una devolución",
        "#1 helpdesk, Breña, ***777: llamada",
    ]
