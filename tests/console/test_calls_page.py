"""The console's "Llamadas" data: tables in Spanish, SVG charts without scripts, CSV per table."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from lxml import etree

from ivr.clock import LIMA
from ivr.console.callspage import (
    CallsPage,
    calls_page,
    campus_chart,
    gave_up_chart,
    hourly_chart,
    outcomes_chart,
    table_csv,
)
from ivr.observability.demo import simulate_day
from tests.helpers import shipped_callers
from tests.observability.conftest import MakeRecorder

DAY = date(2026, 11, 18)
NOW = datetime(2026, 11, 19, 9, 0, tzinfo=LIMA)
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def page(make_recorder: MakeRecorder) -> CallsPage:
    recorder = make_recorder()
    simulate_day(
        recorder, DAY, *shipped_callers(), calls=200, seed=24
    )  # the day of ivr report's golden test
    return calls_page(recorder.engine, DAY, DAY, NOW)


def test_the_figures_are_the_reports(page: CallsPage) -> None:
    assert page.calls == 200 == sum(n for _, n in page.per_hour.rows)
    assert page.per_campus.columns == ("Sede", "Llamadas", "Porcentaje")
    assert page.per_campus.rows[0] == ("Los Olivos y Chorrillos", 51, 25.5)
    assert page.outcomes.rows == (
        ("Transferida a una mesa", 93, 46.5),
        ("Autoservicio completado", 15, 7.5),
        ("Fuera de horario", 8, 4.0),
        ("Terminada por el IVR", 13, 6.5),
        ("Escuchó un mensaje informativo", 29, 14.5),
        ("Colgó mientras se le preguntaba", 42, 21.0),
    )
    assert page.funnel.rows[:2] == (
        ("principal", 200, 21, 10.5),
        ("estudiantes", 132, 11, 8.3),
    )
    assert page.desks.rows[0] == ("aula-virtual", 39, 31, 3, 3, 2, 7.7, 145, 387)
    assert page.self_service.rows[:4] == (
        ("Llamadas verificadas", 16),
        ("Llamadas sin verificar", 4),
        ("Colgaron antes de un resultado", 1),
        ("Verificaciones correctas", 16),
    )
    assert ("Bloqueos por intentos fallidos", 1) in page.self_service.rows
    assert page.self_service_rate == 0.8


def test_calls_per_hour_and_per_day(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    for n, hour in enumerate((9, 9, 10, 23)):
        recorder.step(f"CA{n}", datetime(2026, 11, 18, hour, 5, tzinfo=LIMA), "Comas", "p", "e", "")
    recorder.step("CA9", datetime(2026, 11, 20, 9, 0, tzinfo=LIMA), "Comas", "p", "e", "")
    recorder.flush()
    page = calls_page(recorder.engine, DAY, DAY + timedelta(days=2), NOW + timedelta(days=3))
    hours = dict(page.per_hour.rows)
    assert (hours["09:00"], hours["10:00"], hours["23:00"], hours["00:00"]) == (3, 1, 1, 0)
    assert page.per_hour.title == "Llamadas por hora (suma de 3 días)"
    assert page.per_day.rows == (("2026-11-18", 4), ("2026-11-19", 0), ("2026-11-20", 1))
    assert page.outcomes.rows[-1] == ("Colgó mientras se le preguntaba", 5, 100.0)


def test_in_progress_calls_are_a_row_of_their_own(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    recorder.step("CA1", NOW - timedelta(minutes=2), "Comas", "principal", "call_start", "")
    recorder.flush()
    page = calls_page(recorder.engine, NOW.date(), NOW.date(), NOW)
    assert page.in_progress == 1
    assert page.outcomes.rows[-1] == ("En curso", 1, 100.0)


def test_a_reversed_range() -> None:
    with pytest.raises(ValueError, match="after the last"):
        calls_page(None, DAY, DAY - timedelta(days=1), NOW)  # type: ignore[arg-type]


def test_csv_of_a_table(page: CallsPage) -> None:
    text = table_csv(page.desks)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "Mesa", "En cola", "Atendidas", "Abandonaron", "Salieron", "Fallidas",
        "Porcentaje de abandono", "Espera promedio (s)", "Espera máxima (s)",
    ]  # fmt: skip
    assert rows[1] == ["aula-virtual", "39", "31", "3", "3", "2", "7.7", "145", "387"]
    assert len(rows) == len(page.desks.rows) + 1
    assert text.endswith("\r\n")
    assert page.table("colas") is page.desks and page.table("nada") is None
    assert {t.name for t in page.tables} == {
        "por-hora", "por-dia", "por-sede", "resultados", "abandono-por-nodo", "colas",
        "devoluciones", "autoservicio",
    }  # fmt: skip


def test_an_empty_figure_is_an_empty_cell(make_recorder: MakeRecorder) -> None:
    recorder = make_recorder()
    recorder.step("CA1", NOW - timedelta(hours=2), "Comas", "help-desk", "transfer", "helpdesk")
    recorder.flush()
    page = calls_page(recorder.engine, NOW.date(), NOW.date(), NOW)
    assert list(csv.reader(io.StringIO(table_csv(page.desks))))[1] == [
        "helpdesk", "1", "0", "0", "0", "0", "0.0", "", "",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("draw", "title"),
    [
        pytest.param(hourly_chart, "Llamadas por hora", id="per-hour"),
        pytest.param(campus_chart, "Llamadas por sede", id="per-campus"),
        pytest.param(outcomes_chart, "Cómo terminan las llamadas", id="outcomes"),
        pytest.param(gave_up_chart, "Dónde cuelgan las personas", id="gave-up"),
    ],
)
def test_charts_are_accessible_svg_without_scripts(
    page: CallsPage, draw: object, title: str
) -> None:
    assert callable(draw)
    text = draw(page)
    svg = etree.fromstring(text.encode())
    assert svg.tag == f"{SVG}svg"
    assert svg.get("role") == "img"
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg[0].tag == f"{SVG}title" and svg[0].get("id") == title_id
    assert svg[0].text == title
    assert svg[1].tag == f"{SVG}desc" and svg[1].get("id") == desc_id
    assert not svg.findall(f".//{SVG}script")
    assert "<!--" not in text and "http://" not in text.replace("http://www.w3.org/", "")
    assert text == draw(page)  # the same data draws the same bytes


def test_the_chart_description_lists_every_value(page: CallsPage) -> None:
    svg = etree.fromstring(campus_chart(page).encode())
    assert svg[1].text.startswith(
        "Los Olivos y Chorrillos: 51 llamadas; "
        "Trujillo El Molino y Trujillo San Isidro: 48 llamadas;"
    )
