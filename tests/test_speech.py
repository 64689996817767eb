"""Speech matching on the shipped menus: realistic phrasings, as es-PE recognition returns them.

Each menu has a table of at least 40 phrasings: with "para", articles, "quiero hablar con",
"por favor", recognition slips ("aula birtual"). An expected tuple of two keys means the
words fit both options equally and the caller is asked to choose by key.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config.loader import load_config
from ivr.core.menu import MenuNode
from ivr.core.speech import candidates

ROOT = Path(__file__).resolve().parents[1]
TREE = load_config(ROOT).menus


def menu(node_id: str) -> MenuNode:
    node = TREE.node(node_id)
    assert isinstance(node, MenuNode)
    return node


PRINCIPAL = [
    ("información", "1"),
    ("informacion por favor", "1"),
    ("canales de atención", "1"),
    ("los canales de atencion", "1"),
    ("quiero información de los canales", "1"),
    ("whatsapp", "1"),
    ("el número de whatsapp", "1"),
    ("guasap", "1"),
    ("ticket", "1"),
    ("quiero registrar un ticket", "1"),
    ("tickets por favor", "1"),
    ("canales", "1"),
    ("atención", "1"),
    ("atencion al cliente", "1"),
    ("necesito información", "1"),
    ("quisiera información", "1"),
    ("opción uno", "1"),
    ("la uno", "1"),
    ("uno", "1"),
    ("1", "1"),
    ("estudiantes", "2"),
    ("estudiante", "2"),
    ("soy estudiante", "2"),
    ("alumno", "2"),
    ("alumnos", "2"),
    ("soy alumno de la universidad", "2"),
    ("para estudiantes por favor", "2"),
    ("quiero hablar con estudiantes", "2"),
    ("la opción de estudiantes", "2"),
    ("estudiantes por favor", "2"),
    ("estudiante por favor", "2"),
    ("estudiantez", "2"),
    ("alunno", "2"),
    ("opción dos", "2"),
    ("la dos", "2"),
    ("dos", "2"),
    ("2", "2"),
    ("repetir", "repeat"),
    ("repita por favor", "repeat"),
    ("no entendí", "repeat"),
    ("otra vez", "repeat"),
    ("soy estudiante y quiero información", ("1", "2")),
]

ESTUDIANTES = [
    ("help desk", "1"),
    ("el help desk", "1"),
    ("quiero hablar con help desk", "1"),
    ("helpdesk", "1"),
    ("soporte", "1"),
    ("soporte técnico por favor", "1"),
    ("mesa de ayuda", "1"),
    ("ayuda técnica", "1"),
    ("necesito soporte tecnico", "1"),
    ("aula virtual", "2"),
    ("el aula virtual", "2"),
    ("aula birtual", "2"),
    ("para aula virtual por favor", "2"),
    ("blackboard", "2"),
    ("black board", "2"),
    ("el blackboard no me funciona", "2"),
    ("aula", "2"),
    ("orientación a estudiantes", "3"),
    ("orientación para estudiantes", "3"),
    ("orientacion estudiantes", "3"),
    ("quiero orientación para estudiantes por favor", "3"),
    ("orientación al estudiante", "3"),
    ("orientación a padres", "4"),
    ("orientación para padres", "4"),
    ("orientacion a padres de familia", "4"),
    ("padres", "4"),
    ("soy padre de familia", "4"),
    ("soy la madre de un alumno", "4"),
    ("papá", "4"),
    ("soy mamá", "4"),
    ("familia", "4"),
    ("apoderado", "4"),
    ("orientación", ("3", "4")),
    ("quiero orientación", ("3", "4")),
    ("estado de cuenta", "5"),
    ("mi estado de cuenta", "5"),
    ("fechas de pago", "5"),
    ("cuánto debo, mi deuda", "5"),
    ("saldo", "5"),
    ("mis cuotas", "5"),
    ("la cuota", "5"),
    ("pagos", "5"),
    ("quiero saber mi saldo por favor", "5"),
    ("opción cinco", "5"),
    ("la tres", "3"),
    ("volver", "back"),
    ("regresar al menú anterior", "back"),
    ("menú principal", "main_menu"),
    ("quiero una pizza", ()),
]

CANALES = [
    ("whatsapp", "1"),
    ("el whatsapp", "1"),
    ("guasap", "1"),
    ("wasap", "1"),
    ("whatsapp del estudiante", "1"),
    ("el número de whatsapp por favor", "1"),
    ("quiero escribir por whatsapp", "1"),
    ("whats app", "1"),
    ("ticket", "2"),
    ("tickets", "2"),
    ("registrar un ticket", "2"),
    ("quiero registrar un ticket", "2"),
    ("seguir mi ticket", "2"),
    ("el seguimiento de un ticket", "2"),
    ("tiket", "2"),
    ("registrar", "2"),
    ("contacto upn en su campus", "3"),
    ("campus", "3"),
    ("sede", "3"),
    ("en mi sede", "3"),
    ("contacto en campus", "3"),
    ("atención en el campus", "3"),
    ("en el campus por favor", "3"),
    ("la sede de mi campus", "3"),
    ("contacto upn", ("2", "3")),
    ("queja", "4"),
    ("quejas", "4"),
    ("una queja", "4"),
    ("quiero presentar una queja", "4"),
    ("reclamo", "4"),
    ("reclamos", "4"),
    ("hacer un reclamo", "4"),
    ("libro de reclamaciones", "4"),
    ("el libro de reclamaciones por favor", "4"),
    ("quejas y reclamos", "4"),
    ("reclamaciones", "4"),
    ("opción cuatro", "4"),
    ("la dos", "2"),
    ("tres", "3"),
    ("repetir", "repeat"),
    ("volver", "back"),
    ("menú principal", "main_menu"),
]


def _expected(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


@pytest.mark.parametrize(
    ("node_id", "table"),
    [("principal", PRINCIPAL), ("estudiantes", ESTUDIANTES), ("canales", CANALES)],
)
def test_every_menu_has_a_table_of_at_least_40_phrasings(node_id: str, table: list) -> None:  # type: ignore[type-arg]
    assert len(table) >= 40
    assert {key for _, want in table for key in _expected(want) if key.isdigit()} == {
        o.key for o in menu(node_id).options
    }


@pytest.mark.parametrize(
    ("node_id", "said", "want"),
    [pytest.param("principal", said, want, id=f"principal:{said}") for said, want in PRINCIPAL]
    + [pytest.param("estudiantes", s, w, id=f"estudiantes:{s}") for s, w in ESTUDIANTES]
    + [pytest.param("canales", said, want, id=f"canales:{said}") for said, want in CANALES],
)
def test_phrasing(node_id: str, said: str, want: str | tuple[str, ...]) -> None:
    found = candidates(menu(node_id), said)
    assert set(found) == set(_expected(want))
