"""The Cierres page over HTTP: a refused form says why beside the field, a confirmation comes
before anything is stored, the calendar shows the result, callers hear it, on every host."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from itertools import count

from flask import Flask
from flask.testing import FlaskClient
from lxml import etree, html

from ivr.actions import Actor, Door
from ivr.actions.closures import add_closure
from ivr.clock import LIMA
from ivr.storage.console import ConsoleStore
from tests.console.conftest import csrf_token, runtime
from tests.helpers import Caller, Clock, empty_tables

STRIKE = "Por una huelga, la central está cerrada."
FORM = {
    "line": "central",
    "first": "2026-11-20",
    "last": "2026-11-21",
    "label": "Huelga",
    "message": STRIKE,
}


def _post(client: FlaskClient, path: str, data: dict[str, str]) -> tuple[int, str]:
    token = csrf_token(client.get("/console/closures"))
    response = client.post(path, data={**data, "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def _text(page: str, xpath: str) -> list[str]:
    return [" ".join(node.text_content().split()) for node in html.fromstring(page).xpath(xpath)]


def _by_id(page: str, name: str) -> html.HtmlElement:
    (found,) = html.fromstring(page).xpath(f'//*[@id="{name}"]')
    return found


def says(data: bytes) -> list[str]:
    """The texts of the <Say> verbs of a TwiML answer, in order."""
    return [str(say.text) for say in etree.fromstring(data).iter("Say")]


def test_a_refused_closure_says_why_beside_its_field(operator: FlaskClient, app: Flask) -> None:
    status, page = _post(
        operator, "/console/closures/closure", {**FORM, "first": "2026-11-17", "last": ""}
    )
    assert status == 422
    assert _text(page, '//*[@id="closure-first-error"]') == [
        "El martes 17 de noviembre ya pasó: hoy es miércoles 18 de noviembre."
    ]
    assert _by_id(page, "closure-first").get("aria-invalid") == "true"
    # what was typed stays in the form
    assert _by_id(page, "closure-message").text_content() == STRIKE
    assert runtime(app).closures.all() == ()


def test_special_hours_refused_on_a_holiday_say_so_beside_the_day(operator: FlaskClient) -> None:
    form = {"line": "", "day": "2026-12-08", "opens": "09:00", "closes": "13:00", "label": "X"}
    status, page = _post(operator, "/console/closures/hours", form)
    assert status == 422
    assert _text(page, '//*[@id="hours-day-error"]') == [
        "El martes 8 de diciembre es feriado (Inmaculada Concepción) y la línea central está "
        "cerrada: este horario no se aplicaría."
    ]


def test_a_closure_is_confirmed_then_stored_audited_and_shown_in_the_calendar(
    operator: FlaskClient, app: Flask, store: ConsoleStore
) -> None:
    status, page = _post(operator, "/console/closures/closure", FORM)
    assert status == 200
    assert _text(page, "//h1") == ["¿Cerrar la línea?"]
    assert _text(page, "//blockquote") == [STRIKE]
    assert runtime(app).closures.all() == ()  # nothing until confirmed
    confirm = {
        field.get("name"): field.get("value")
        for field in html.fromstring(page).xpath("//form//input")
    }
    response = operator.post("/console/closures/closure", data=confirm)
    assert response.status_code == 302
    listed = operator.get(response.headers["Location"]).get_data(as_text=True)
    (entry,) = runtime(app).closures.all()
    said = (
        "línea central, cerrada del viernes 20 de noviembre al sábado 21 de noviembre «Huelga»; "
        f"mensaje: «{STRIKE}»"
    )
    assert _text(listed, '//p[@class="flash info"]') == [f"Guardado (#{entry.id}): {said}."]
    assert [e.actor for e in store.audit_log() if e.action == "closure_add"] == ["ana"]
    calendar = operator.get("/console/calendar").get_data(as_text=True)
    friday = _by_id(calendar, "d-2026-11-20").getparent()
    assert "Cierre programado: Huelga (cerrada todo el día)" in " ".join(
        friday.text_content().split()
    )
    assert STRIKE in friday.text_content()


def test_removing_asks_first(operator: FlaskClient, app: Flask) -> None:
    entry = add_closure(runtime(app), Actor("ana", Door.CONSOLE), **FORM)
    status, page = _post(operator, f"/console/closures/{entry.id}/remove", {})
    assert (status, _text(page, "//h1")) == (200, [f"¿Quitar #{entry.id}?"])
    assert runtime(app).closures.all() == (entry,)
    status, _ = _post(operator, f"/console/closures/{entry.id}/remove", {"confirm": "yes"})
    assert status == 302
    assert runtime(app).closures.all() == ()


def test_a_viewer_sees_the_list_but_cannot_add(viewer: FlaskClient, app: Flask) -> None:
    add_closure(runtime(app), Actor("ana", Door.CONSOLE), **FORM)
    page = viewer.get("/console/closures").get_data(as_text=True)
    assert "Huelga" in page and "Cerrar una línea" not in page
    status, _ = _post(viewer, "/console/closures/closure", FORM)
    assert status == 403


def test_a_caller_hears_the_reason_and_when_it_opens_again(
    operator: FlaskClient, caller: Caller, clock: Clock, app: Flask
) -> None:
    confirm = {**FORM, "first": "2026-11-18", "last": "2026-11-19", "confirm": "yes"}
    assert _post(operator, "/console/closures/closure", confirm)[0] == 302
    spoken = says(caller.post("/voice").data)
    assert spoken[1:3] == [
        STRIKE,
        "Volvemos a atender el viernes 20 de noviembre a las 9 de la mañana.",
    ]


def test_a_closure_added_on_one_host_is_heard_on_the_other(
    make_app: Callable[..., Flask], postgres_url: str, clock: Clock
) -> None:
    empty_tables(postgres_url)
    one, other = (make_app(IVR_DATABASE_URL=postgres_url) for _ in range(2))
    sids = count(1)

    def greeting() -> list[str]:
        with other.test_client() as client:
            caller = Caller(client)
            caller.call["CallSid"] = f"CA{next(sids):032x}"  # each a new call, not a retry
            return says(caller.post("/voice").data)

    clock.set(datetime(2026, 11, 18, 10, 0, tzinfo=LIMA))
    assert STRIKE not in greeting()  # the other host has read the stored closures: none
    add_closure(
        runtime(one), Actor("ana", Door.CONSOLE), **{**FORM, "first": "2026-11-18", "last": ""}
    )
    deadline = time.monotonic() + 5  # the other host reads them at most a second old
    heard = greeting()
    while STRIKE not in heard and time.monotonic() < deadline:
        heard = greeting()
    assert heard[1:3] == [
        STRIKE,
        "Volvemos a atender mañana a las 9 de la mañana.",
    ]
