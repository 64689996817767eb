"""The console's Llamadas, Calendario and Menú pages through Flask's test client."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from sqlalchemy import text

from ivr.console.views import NAV
from tests.conftest import WEEKDAY_10AM
from tests.console.conftest import runtime
from tests.console.test_console_pages import PAGES, AddUser, alert, text_of
from tests.helpers import Caller


def a_call_to_the_help_desk(caller: Caller, app: Flask) -> None:
    """A call through the webhooks: the main menu, 2 (students), 1 (Help Desk), the queue.

    Then the caller hangs up, and Twilio's status callback says the call is over.
    """
    students = caller.follow(caller.post("/voice"), Digits="2")
    entered = caller.follow(students, Digits="1")
    assert b"<Enqueue" in entered.data, entered.data
    assert caller.post("/voice/status", CallStatus="completed").status_code == 204
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
    assert (
        [a.text_content() for a in nav]
        == [item.label for item in NAV]
        == [
            "Ahora",
            "Llamadas",
            "Calendario",
            "Menú",
            "Devoluciones",
            "Mesa",
            "Recordatorios",
            "Cierres",
            "Cierre de emergencia",
            "Auditoría",
        ]
    )
    current = [a.text_content() for a in nav if a.get("aria-current") == "page"]
    assert current == ["Llamadas"]


# -- Llamadas ------------------------------------------------------------------------------------
def test_calls_shows_a_call_made_through_the_webhooks(
    viewer: FlaskClient, app: Flask, caller: Caller
) -> None:
    a_call_to_the_help_desk(caller, app)
    response = viewer.get("/console/calls")  # today in Lima by default
    assert response.status_code == 200
    page = dom(response.data)
    assert [i.get("value") for i in page.xpath("//form//input[@type='date']")] == [
        "2026-11-18",
        "2026-11-18",
    ]
    figures = {d.findtext("dt"): d.findtext("dd") for d in page.xpath("//dl/div")}
    assert figures == {
        "Llamadas": "1",
        "En curso ahora": "0",
        "Duración promedio": "—",
        "Colgaron en el menú": "0",
        "Autoservicio verificado": "—",
    }
    campus = page.xpath("//section[h2='Llamadas por sede']//tbody/tr")
    assert [[cell.text for cell in row] for row in campus] == [["Breña", "1", "100.0"]]
    hours = page.xpath("//section[h2='Llamadas por hora']//tbody/tr[th='10:00']/td")
    assert [td.text for td in hours] == ["1"]
    # the four charts, inline, named for screen readers, without a style or script of their own
    charts = page.xpath("//figure/*[local-name()='svg']")
    assert [svg.get("id") for svg in charts] == [
        "chart-grafico-por-hora",
        "chart-grafico-por-sede",
        "chart-grafico-resultados",
        "chart-grafico-abandono",
    ]
    assert charts[1].xpath("*[local-name()='desc']")[0].text == "Breña: 1 llamadas"
    for outside in (b"<style", b" style=", b"<script"):
        assert outside not in response.data
    assert page.xpath("//link[@rel='stylesheet']/@href") == [
        "/console/static/console.css",
        "/console/charts.css",
    ]
    links = page.xpath("//a[starts-with(@href, '/console/calls/')]/@href")
    assert len(links) == 8
    assert links[2] == "/console/calls/por-sede.csv?desde=2026-11-18&hasta=2026-11-18"


def test_each_table_downloads_as_csv(viewer: FlaskClient, app: Flask, caller: Caller) -> None:
    a_call_to_the_help_desk(caller, app)
    response = viewer.get("/console/calls/por-sede.csv?desde=2026-11-18")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="llamadas_por-sede_2026-11-18.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows == [["Sede", "Llamadas", "Porcentaje"], ["Breña", "1", "100.0"]]
    week = viewer.get("/console/calls/por-dia.csv?desde=2026-11-16&hasta=2026-11-22")
    assert week.headers["Content-Disposition"] == (
        'attachment; filename="llamadas_por-dia_2026-11-16_a_2026-11-22.csv"'
    )
    rows = list(csv.reader(io.StringIO(week.data.decode("utf-8-sig"))))
    assert rows[0] == ["Día", "Llamadas"] and rows[3] == ["2026-11-18", "1"] and len(rows) == 8
    assert viewer.get("/console/calls/no-existe.csv").status_code == 404


@pytest.mark.parametrize(
    ("query", "field", "error"),
    [
        ("desde=2026-13-01", "desde", "«2026-13-01» no es una fecha. Escriba la fecha como"),
        ("desde=ayer&hasta=2026-11-18", "desde", "«ayer» no es una fecha."),
        (
            "desde=2026-11-18&hasta=2026-11-10",
            "hasta",
            "«Hasta» (2026-11-10) es anterior a «Desde» (2026-11-18).",
        ),
        (
            "desde=2026-01-01&hasta=2026-11-18",
            "hasta",
            "El rango tiene 322 días y caben 92.",
        ),
    ],
    ids=["no-such-month", "not-a-date", "reversed", "too-long"],
)
def test_a_bad_range_is_an_error_on_the_form(
    viewer: FlaskClient, query: str, field: str, error: str
) -> None:
    response = viewer.get(f"/console/calls?{query}")
    assert response.status_code == 400
    page = dom(response.data)
    assert error in page.xpath(f"//p[@id='{field}-error']")[0].text_content()
    assert page.xpath(f"//input[@id='{field}']/@aria-invalid") == ["true"]
    assert alert(response.data).startswith("Revise las fechas:")
    assert not page.xpath("//table") and not page.xpath("//figure")
    csv_file = viewer.get(f"/console/calls/por-sede.csv?{query}")
    assert csv_file.status_code == 400
    assert error in alert(csv_file.data)


def test_ninety_two_days_are_allowed(viewer: FlaskClient) -> None:
    response = viewer.get("/console/calls?desde=2026-08-19&hasta=2026-11-18")
    assert response.status_code == 200
    assert "(92 días)" in text_of(response.data)


def test_the_stylesheets_of_charts_and_map_need_no_login(app: Flask, add_user: AddUser) -> None:
    add_user("ana", "operator")
    client = app.test_client()
    for path, rule in (
        ("/console/charts.css", ".pygal-chart .axis text"),
        ("/console/menu.css", ".menu-map .cards"),
    ):
        with client.get(path) as response:
            assert response.status_code == 200
            assert response.mimetype == "text/css"
            assert rule in response.get_data(as_text=True)
            assert "no-store" not in response.headers.get("Cache-Control", "")


def test_the_policy_still_refuses_inline_styles(viewer: FlaskClient) -> None:
    for path in PAGES:
        policy = viewer.get(path).headers["Content-Security-Policy"]
        assert "style-src 'self';" in policy and "unsafe-inline" not in policy


# -- Calendario ----------------------------------------------------------------------------------
@pytest.fixture
def app(config_dir: object, make_app: object) -> Flask:
    """The shipped operator files plus a closure and special hours within the next 30 days."""
    from pathlib import Path

    assert isinstance(config_dir, Path) and callable(make_app)
    central = config_dir / "schedules" / "central.yaml"
    text = central.read_text("utf-8")
    text = text.replace(
        "closures: []\n",
        "closures:\n  - date: 2026-11-20\n    label: Aniversario de la universidad\n",
    )
    text = text.replace(
        "special_hours:\n",
        "special_hours:\n  - date: 2026-11-28\n    label: Inventario\n"
        "    hours:\n      - {from: '09:00', until: '12:00'}\n"
        "    message: Hoy atendemos de 9 de la mañana al mediodía.\n",
    )
    central.write_text(text, "utf-8")
    made = make_app()
    assert isinstance(made, Flask)
    return made


def day_card(page: html.HtmlElement, iso: str) -> str:
    card = page.xpath(f"//ol[@class='days']/li[h2/time/@datetime='{iso}']")
    assert len(card) == 1, iso
    return " ".join(card[0].text_content().split())


def test_the_calendar_lists_thirty_days_of_hours_holidays_closures_and_swaps(
    viewer: FlaskClient,
) -> None:
    response = viewer.get("/console/calendar")
    assert response.status_code == 200
    page = dom(response.data)
    assert len(page.xpath("//ol[@class='days']/li")) == 30
    assert day_card(page, "2026-11-18") == "miércoles 18 de noviembre (hoy) central 09:00 a 21:00"
    assert day_card(page, "2026-11-20") == (
        "viernes 20 de noviembre central cerrada todo el día "
        "Cierre programado: Aniversario de la universidad (cerrada todo el día)"
    )
    assert day_card(page, "2026-11-22").startswith("domingo 22 de noviembre central cerrada")
    assert day_card(page, "2026-11-28").startswith(
        "sábado 28 de noviembre central 09:00 a 12:00 "
        "Horario especial: Inventario (abierta 09:00 a 12:00) "
        "Quienes llaman oyen: Hoy atendemos de 9 de la mañana al mediodía."
    )
    assert "Feriado: Inmaculada Concepción (cerrada todo el día)" in day_card(page, "2026-12-08")
    # each message swap once, with when it is heard, not once a day
    swaps = [
        " ".join(li.text_content().split())
        for li in page.xpath("//section[@class='recurring']//li")
    ]
    assert swaps == [
        "Mensaje saludo «saludo_fuera_de_horario», cuando la línea central está cerrada: "
        "Gracias por llamar a la universidad.",
        "Mensaje anuncio «cuota_5_diciembre», desde el martes 1 de diciembre, 00:00 hasta el "
        "domingo 6 de diciembre, 00:00: Recuerde: la cuota 5 vence el miércoles 30 de "
        "diciembre. Desde el octavo día después del vencimiento se aplica un cargo de quince "
        "soles por gastos administrativos.",
    ]
    assert response.get_data(as_text=True).count("saludo_fuera_de_horario") == 1
    assert "2026-12-18" not in response.get_data(as_text=True)  # the 31st day
    assert not page.xpath("//*[contains(@class, 'banner')]")


def test_the_calendar_shows_the_emergency_override(viewer: FlaskClient, app: Flask) -> None:
    until = WEEKDAY_10AM + timedelta(days=1, hours=2)  # Thursday 12:00
    runtime(app).override_store.set("Cerrado por emergencia.", until, WEEKDAY_10AM)
    page = dom(viewer.get("/console/calendar").data)
    banner = " ".join(page.xpath("//*[contains(@class, 'banner')]")[0].text_content().split())
    assert banner == (
        "Cierre de emergencia Todas las líneas están cerradas desde el miércoles 18 de "
        "noviembre, 10:00 hasta el jueves 19 de noviembre, 12:00. "
        "Quienes llaman oyen: Cerrado por emergencia."
    )
    assert "Cierre de emergencia (cerrada 10:00 a 24:00)" in day_card(page, "2026-11-18")
    assert day_card(page, "2026-11-19").startswith(
        "jueves 19 de noviembre central 12:00 a 21:00 Cierre de emergencia (cerrada 00:00 a 12:00)"
    )


# -- Menú ----------------------------------------------------------------------------------------
def test_the_menu_map_is_in_spanish(viewer: FlaskClient) -> None:
    response = viewer.get("/console/menu")
    assert response.status_code == 200
    page = dom(response.data)
    assert page.xpath("//main/@class") == ["wide"]  # the map needs the whole screen
    words = text_of(response.data)
    assert "Menú el miércoles 18 de noviembre, 10:00, hora de Lima" in words
    assert "línea central: abierta (horario semanal) hasta el miércoles 18 de noviembre" in words
    assert "línea central: ABIERTA ahora (horario semanal)" in words
    assert 'dice: "Le comunicamos con Help Desk."' in words
    for english in ("Menu at", "callers hear", "says:", " now (", "then hang up", "when closed"):
        assert english not in words, english
    assert page.xpath("//link[@rel='stylesheet']/@href")[-1] == "/console/menu.css"
    for outside in (b"<style", b" style=", b"<script"):
        assert outside not in response.data


def test_the_menu_map_shows_the_emergency_override(viewer: FlaskClient, app: Flask) -> None:
    runtime(app).override_store.set("Cerrado por emergencia.", None, WEEKDAY_10AM)
    response = viewer.get("/console/menu")
    words = text_of(response.data)
    assert "línea central: cerrada (cierre de emergencia)" in words
    override = dom(response.data).xpath("//li[span='Cierre de emergencia']")
    assert override[0].text_content() == "Cierre de emergencia: Cerrado por emergencia."
    assert "línea central: CERRADA ahora (cierre de emergencia)" in words


def test_unreadable_call_records_are_a_clear_page(viewer: FlaskClient, app: Flask) -> None:
    with runtime(app).engine.begin() as connection:
        connection.execute(text("DROP TABLE call_steps"))
    for path in ("/console/calls", "/console/calls/por-sede.csv"):
        response = viewer.get(path)
        assert response.status_code == 503, path
        assert alert(response.data) == (
            "La base de datos no responde en este momento. Intente de nuevo en un minuto."
        )
