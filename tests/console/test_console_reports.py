"""The console's Llamadas, Calendario and Menú pages through Flask's test client."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html

from ivr.core.schedule.model import Override
from ivr.web.console.views import NAV
from tests.conftest import WEEKDAY_10AM
from tests.console.conftest import runtime
from tests.console.test_console_pages import AddUser, alert, text_of
from tests.helpers import Caller

PAGES = ("/console/calls", "/console/calendar", "/console/menu")


def a_call_to_the_help_desk(caller: Caller, app: Flask) -> None:
    """A call through the webhooks: the main menu, 2 (students), 1 (Help Desk), the queue."""
    students = caller.follow(caller.post("/voice"), Digits="2")
    entered = caller.follow(students, Digits="1")
    assert b"<Enqueue" in entered.data, entered.data
    runtime(app).calls.flush()


def dom(page: bytes) -> html.HtmlElement:
    return html.fromstring(page.decode("utf-8"))


def test_the_pages_need_a_login(app: Flask, add_user: AddUser) -> None:
    add_user("ana", "operator")
    client = app.test_client()
    for path in (*PAGES, "/console/calls/por-sede.csv"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith(f"/console/login?next={path}"), path


def test_the_navigation_lists_the_pages_in_order(operator: FlaskClient) -> None:
    nav = dom(operator.get("/console/calls").data).xpath("//nav//a")
    assert [a.text_content() for a in nav] == [item.label for item in NAV] == [
        "Ahora",
        "Llamadas",
        "Calendario",
        "Menú",
        "Devoluciones",
        "Cierre de emergencia",
        "Auditoría",
    ]
    current = [a.text_content() for a in nav if a.get("aria-current") == "page"]
    assert current == ["Llamadas"]
