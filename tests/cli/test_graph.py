"""ivr graph: the menu tree as text, as an SVG picture and as a self-contained HTML page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

import pytest
from flask import Flask

from ivr.cli.graph import graph_command
from ivr.clock import LIMA
from ivr.console.menumap import layout, rows
from ivr.runtime import Runtime
from tests.cli.conftest import Run

SVG = "{http://www.w3.org/2000/svg}"

TEXT_AT_WEDNESDAY_10AM = """\
Menu tree at Wed 2026-11-18 10:00, America/Lima
  line central: open (weekly hours) until Wed 2026-11-18 21:00
  active messages: none
  settings: start -> principal, on_failure -> orientacion-general, after_hours -> fuera-de-horario, goodbye -> despedida

principal [menu] Menú principal  (start)
  1  información y canales de atención -> canales [menu] Canales de atención
    1  WhatsApp del estudiante -> whatsapp [message] WhatsApp del Estudiante
      says: "Escríbanos por WhatsApp al {whatsapp}. Le pediremos su código de estudi…"
      next: back to the menu the caller came from
    2  registrar o seguir un ticket -> tickets [message] Tickets en Contacto UPN
      says: "Para registrar un ticket, ingrese a MiMundoUPN, elija Servicios y luego…"
      says: "Elija el tema de su consulta: Facturación, Secretaría Académica, Helpde…"
      next: back to the menu the caller came from
    3  Contacto UPN en su campus -> contacto-campus [message] Contacto UPN en campus
      says: "Las zonas de Contacto UPN de cada campus atienden de lunes a sábado de…"
      next: back to the menu the caller came from
    4  quejas y reclamos -> quejas-reclamos [message] Quejas y reclamos
      says: "Para presentar una queja, ingrese a MiMundoUPN, Servicios, Contacto UPN…"
      says: "Para un reclamo, use el Libro de reclamaciones virtual al pie de la pág…"
      next: back to the menu the caller came from
  2  estudiantes -> estudiantes [menu] Estudiantes
    1  Help Desk -> help-desk [transfer] Help Desk
      says: "Le comunicamos con Help Desk."
      queue helpdesk
      line central: OPEN now (weekly hours)
      when closed (settings.after_hours) -> fuera-de-horario [menu] Fuera de horario (tras pedir un área cerrada)  (after_hours)
        1  información y canales de atención -> canales (shown above)
    2  Aula Virtual -> aula-virtual [transfer] Aula Virtual (Blackboard)
      says: "Le comunicamos con Aula Virtual."
      queue aula-virtual
      line central: OPEN now (weekly hours)
      when closed (settings.after_hours) -> fuera-de-horario (shown above)
    3  orientación a estudiantes -> orientacion-estudiantes [transfer] Orientación a estudiantes
      says: "Le comunicamos con orientación a estudiantes."
      queue orientacion-estudiantes
      line central: OPEN now (weekly hours)
      when closed (settings.after_hours) -> fuera-de-horario (shown above)
    4  orientación a padres -> orientacion-padres [transfer] Orientación a padres
      says: "Le comunicamos con orientación a padres."
      queue orientacion-padres
      line central: OPEN now (weekly hours)
      when closed (settings.after_hours) -> fuera-de-horario (shown above)
    5  su estado de cuenta y fechas de pago -> estado-de-cuenta [selfservice] Estado de cuenta y fechas de pago
      balance and due dates, after the caller is verified
      billing desk -> facturacion [transfer] Facturación
        says: "Le comunicamos con Facturación."
        queue facturacion
        line central: OPEN now (weekly hours)
        when closed (settings.after_hours) -> fuera-de-horario (shown above)
      next -> estudiantes (shown above)

(settings.on_failure)
orientacion-general [transfer] Orientación general (cuando no se entiende la elección)  (on_failure)
  says: "Le comunicamos con un asesor de orientación."
  queue orientacion-estudiantes
  line central: OPEN now (weekly hours)
  when closed -> despedida [hangup] Despedida  (goodbye)
    says: "{alternatives}"
    says: "Gracias por llamar. Hasta pronto."
    then hang up
"""  # noqa: E501 - the lines are as wide as the tool prints them


def runtime_of(app: Flask) -> Runtime:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    return runtime


def test_text_is_the_default_on_screen(run_cli: Run) -> None:
    result = run_cli(graph_command, [])
    assert result.exit_code == 0, result.output
    assert result.output == TEXT_AT_WEDNESDAY_10AM


def test_text_after_hours_shows_the_active_swaps(run_cli: Run) -> None:
    result = run_cli(graph_command, ["--format", "text", "--at", "2026-12-02 22:00"])
    assert result.exit_code == 0, result.output
    out = result.output.splitlines()
    assert out[:3] == [
        "Menu tree at Wed 2026-12-02 22:00, America/Lima",
        "  line central: closed (after hours) until Thu 2026-12-03 09:00",
        "  active messages: saludo_fuera_de_horario (greeting), cuota_5_diciembre (announcement)",
    ]
    assert out[5:8] == [
        "principal [menu] Menú principal  (start)",
        "  now: greeting replaced by 'saludo_fuera_de_horario'",
        "  now: announcement 'cuota_5_diciembre' before this menu",
    ]
    assert "      line central: CLOSED now (after hours)" in out


def test_html_shows_every_node_key_and_setting_and_is_self_contained(
    app: Flask, run_cli: Run, tmp_path: Path
) -> None:
    target = tmp_path / "menu.html"
    result = run_cli(graph_command, ["--output", str(target), "--at", "2026-11-22 10:00"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        f"Wrote the menu tree (16 nodes, html) at Sun 2026-11-22 10:00 to {target}\n"
    )
    page = target.read_text(encoding="utf-8")
    tree = runtime_of(app).config.menus
    for node_id in tree.nodes:
        assert f'<article id="node-{node_id}">' in page
        assert f'<g id="svg-{node_id}" class="node">' in page
    assert '<tr><td>after_hours</td><td><a href="#node-fuera-de-horario">' in page
    assert '<li>1  Help Desk → <a href="#node-help-desk">help-desk</a></li>' in page
    assert "<li>queue helpdesk</li>" in page
    assert '<li class="now">line central: CLOSED now (after hours)</li>' in page, (
        "transfers show the line's state at that instant"
    )
    assert "<tr><td>saludo_fuera_de_horario</td><td>greeting</td><td>Gracias por llamar" in page
    # Self-contained: nothing fetched from elsewhere, no scripts.
    for outside in ("<script", "<link", " src=", "@import", "url(http"):
        assert outside not in page


def test_html_escapes_operator_text(
    make_app: Callable[..., Flask], config_dir: Path, tmp_path: Path
) -> None:
    students = config_dir / "menus" / "students.yaml"
    text = students.read_text(encoding="utf-8")
    text = text.replace(
        "    title: Help Desk\n", "    title: '<script>alert(\"x\")</script> & Co'\n"
    ).replace("label: Aula Virtual", "label: '<img src=x onerror=alert`1`>'")
    students.write_text(text, encoding="utf-8")
    app = make_app()
    target = tmp_path / "menu.html"
    result = app.test_cli_runner().invoke(graph_command, ["-o", str(target)])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert "<script" not in page and "<img" not in page
    assert "<div>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co</div>" in page
    assert "2  &lt;img src=x onerror=alert`1`&gt; → " in page


def test_svg_alone_is_valid_xml_with_a_box_per_node_and_an_arrow_per_target(
    app: Flask, run_cli: Run, tmp_path: Path
) -> None:
    target = tmp_path / "menu.svg"
    result = run_cli(graph_command, ["-o", str(target)])
    assert result.exit_code == 0, result.output
    root = ElementTree.parse(target).getroot()
    assert root.tag == f"{SVG}svg"
    tree = runtime_of(app).config.menus
    boxes = [str(g.get("id")) for g in root.iter(f"{SVG}g")]
    assert sorted(boxes) == sorted(f"svg-{node_id}" for node_id in tree.nodes)
    targets = [row for node in tree.nodes.values() for row in rows(tree, node) if row.target]
    assert len(list(root.iter(f"{SVG}path"))) == len(targets) + 1  # + the arrowhead marker
    assert not list(root.iter(f"{SVG}a")), "a picture alone has no links to the page's cards"


@pytest.mark.parametrize(
    ("args", "name", "first"),
    [
        (["--format", "text"], "menu.out", "Menu tree at Wed 2026-11-18 10:00, America/Lima"),
        ([], "menu.txt", "Menu tree at Wed 2026-11-18 10:00, America/Lima"),
        ([], "menu.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="1320" height="1774" '),
        ([], "menu.htm", "<!DOCTYPE html>"),
    ],
    ids=["format-text", "txt-suffix", "svg-suffix", "html-default"],
)
def test_the_output_format_follows_format_then_the_suffix(
    run_cli: Run, tmp_path: Path, args: list[str], name: str, first: str
) -> None:
    target = tmp_path / name
    result = run_cli(graph_command, ["--output", str(target), *args])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith(first)


def test_layout_columns_are_distances_from_the_start(app: Flask) -> None:
    plan = layout(runtime_of(app).config.menus)
    assert plan.columns == (
        ("principal", "orientacion-general"),
        ("canales", "estudiantes", "despedida"),
        (
            "whatsapp",
            "tickets",
            "contacto-campus",
            "quejas-reclamos",
            "help-desk",
            "aula-virtual",
            "orientacion-estudiantes",
            "orientacion-padres",
            "estado-de-cuenta",
        ),
        ("fuera-de-horario", "facturacion"),
    )
    assert plan.roots == {"principal": "start", "orientacion-general": "on_failure"}


def test_a_bad_at_is_explained(run_cli: Run) -> None:
    result = run_cli(graph_command, ["--at", "mañana"])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        "Error: Invalid value for '--at': 'mañana' is not a date and time: "
        'write it as "YYYY-MM-DD HH:MM" (Lima time)'
    )


def test_every_row_target_is_a_node(app: Flask) -> None:
    tree = runtime_of(app).config.menus
    for node in tree.nodes.values():
        for row in rows(tree, node):
            assert row.target is None or row.target in tree.nodes
            assert not re.search(r"\s$", row.text)


def test_text_shows_an_emergency_override(app: Flask, run_cli: Run) -> None:
    store = runtime_of(app).override_store
    store.set("Cerrado por emergencia.", until=None, set_at=datetime(2026, 11, 18, 9, tzinfo=LIMA))
    result = run_cli(graph_command, [])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:4] == [
        "  line central: closed (emergency override)",
        "  active messages: saludo_fuera_de_horario (greeting)",
        "  EMERGENCY OVERRIDE: Cerrado por emergencia.",
    ]
