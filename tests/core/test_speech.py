"""Speech on the shipped menus: realistic phrasings, as es-PE recognition returns them.

Each menu has a table of at least 40 phrasings: with "para", articles, "quiero hablar con",
"por favor", recognition slips ("aula birtual"). What a phrase means is a node id (the
destination, which may lie anywhere in the tree), a tuple of two node ids (the caller is asked
which), a spoken key ("2"), a navigation action, or () (nothing). The corpus in tests/speech
runs many more phrasings through the flow.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config.loader import load_config
from ivr.core.menu import MenuNode
from ivr.core.speech import understand

ROOT = Path(__file__).resolve().parents[2]
TREE = load_config(ROOT).menus
Meaning = str | tuple[str, ...]


def menu(node_id: str) -> MenuNode:
    node = TREE.node(node_id)
    assert isinstance(node, MenuNode)
    return node


PRINCIPAL = [
    ("información", "canales"),
    ("informacion por favor", "canales"),
    ("canales de atención", "canales"),
    ("los canales de atencion", "canales"),
    ("quiero información de los canales", "canales"),
    ("whatsapp", "whatsapp"),
    ("el número de whatsapp", "whatsapp"),
    ("guasap", "whatsapp"),
    ("ticket", "tickets"),
    ("quiero registrar un ticket", "tickets"),
    ("tickets por favor", "tickets"),
    ("canales", "canales"),
    ("atención", "canales"),
    ("atencion al cliente", "canales"),
    ("necesito información", "canales"),
    ("quisiera información", "canales"),
    ("opción uno", "1"),
    ("la uno", "1"),
    ("uno", "1"),
    ("1", "1"),
    ("estudiantes", "estudiantes"),
    ("estudiante", "estudiantes"),
    ("soy estudiante", "estudiantes"),
    ("alumno", "estudiantes"),
    ("alumnos", "estudiantes"),
    ("soy alumno de la universidad", "estudiantes"),
    ("para estudiantes por favor", "estudiantes"),
    ("quiero hablar con estudiantes", "estudiantes"),
    ("la opción de estudiantes", "estudiantes"),
    ("estudiantes por favor", "estudiantes"),
    ("estudiante por favor", "estudiantes"),
    ("estudiantez", "estudiantes"),
    ("alunno", "estudiantes"),
    ("opción dos", "2"),
    ("la dos", "2"),
    ("dos", "2"),
    ("2", "2"),
    ("repetir", "repeat"),
    ("repita por favor", "repeat"),
    ("no entendí", "repeat"),
    ("otra vez", "repeat"),
    ("soy estudiante y quiero información", "estudiantes"),
]

ESTUDIANTES = [
    ("help desk", "help-desk"),
    ("el help desk", "help-desk"),
    ("quiero hablar con help desk", "help-desk"),
    ("helpdesk", "help-desk"),
    ("soporte", "help-desk"),
    ("soporte técnico por favor", "help-desk"),
    ("mesa de ayuda", "help-desk"),
    ("ayuda técnica", "help-desk"),
    ("necesito soporte tecnico", "help-desk"),
    ("aula virtual", "aula-virtual"),
    ("el aula virtual", "aula-virtual"),
    ("aula birtual", "aula-virtual"),
    ("para aula virtual por favor", "aula-virtual"),
    ("blackboard", "aula-virtual"),
    ("black board", "aula-virtual"),
    ("el blackboard no me funciona", "aula-virtual"),
    ("aula", "aula-virtual"),
    ("orientación a estudiantes", "orientacion-estudiantes"),
    ("orientación para estudiantes", "orientacion-estudiantes"),
    ("orientacion estudiantes", "orientacion-estudiantes"),
    ("quiero orientación para estudiantes por favor", "orientacion-estudiantes"),
    ("orientación al estudiante", "orientacion-estudiantes"),
    ("orientación a padres", "orientacion-padres"),
    ("orientación para padres", "orientacion-padres"),
    ("orientacion a padres de familia", "orientacion-padres"),
    ("padres", "orientacion-padres"),
    ("soy padre de familia", "orientacion-padres"),
    ("soy la madre de un alumno", "orientacion-padres"),
    ("papá", "orientacion-padres"),
    ("soy mamá", "orientacion-padres"),
    ("familia", "orientacion-padres"),
    ("apoderado", "orientacion-padres"),
    ("orientación", ("orientacion-estudiantes", "orientacion-padres")),
    ("quiero orientación", ("orientacion-estudiantes", "orientacion-padres")),
    ("estado de cuenta", "estado-de-cuenta"),
    ("mi estado de cuenta", "estado-de-cuenta"),
    ("fechas de pago", "estado-de-cuenta"),
    ("cuánto debo, mi deuda", "estado-de-cuenta"),
    ("saldo", "estado-de-cuenta"),
    ("mis cuotas", "estado-de-cuenta"),
    ("la cuota", "estado-de-cuenta"),
    ("pagos", "estado-de-cuenta"),
    ("quiero saber mi saldo por favor", "estado-de-cuenta"),
    ("opción cinco", "5"),
    ("la tres", "3"),
    ("volver", "back"),
    ("regresar al menú anterior", "back"),
    ("menú principal", "main_menu"),
    ("quiero una pizza", ()),
]

CANALES = [
    ("whatsapp", "whatsapp"),
    ("el whatsapp", "whatsapp"),
    ("guasap", "whatsapp"),
    ("wasap", "whatsapp"),
    ("whatsapp del estudiante", "whatsapp"),
    ("el número de whatsapp por favor", "whatsapp"),
    ("quiero escribir por whatsapp", "whatsapp"),
    ("whats app", "whatsapp"),
    ("ticket", "tickets"),
    ("tickets", "tickets"),
    ("registrar un ticket", "tickets"),
    ("quiero registrar un ticket", "tickets"),
    ("seguir mi ticket", "tickets"),
    ("el seguimiento de un ticket", "tickets"),
    ("tiket", "tickets"),
    ("registrar", "tickets"),
    ("contacto upn en su campus", "contacto-campus"),
    ("campus", "contacto-campus"),
    ("sede", "contacto-campus"),
    ("en mi sede", "contacto-campus"),
    ("contacto en campus", "contacto-campus"),
    ("atención en el campus", "contacto-campus"),
    ("en el campus por favor", "contacto-campus"),
    ("la sede de mi campus", "contacto-campus"),
    ("contacto upn", "tickets"),
    ("queja", "quejas-reclamos"),
    ("quejas", "quejas-reclamos"),
    ("una queja", "quejas-reclamos"),
    ("quiero presentar una queja", "quejas-reclamos"),
    ("reclamo", "quejas-reclamos"),
    ("reclamos", "quejas-reclamos"),
    ("hacer un reclamo", "quejas-reclamos"),
    ("libro de reclamaciones", "quejas-reclamos"),
    ("el libro de reclamaciones por favor", "quejas-reclamos"),
    ("quejas y reclamos", "quejas-reclamos"),
    ("reclamaciones", "quejas-reclamos"),
    ("opción cuatro", "4"),
    ("la dos", "2"),
    ("tres", "3"),
    ("repetir", "repeat"),
    ("volver", "back"),
    ("menú principal", "main_menu"),
]


def meaning(node_id: str, said: str) -> Meaning:
    heard = understand(TREE, menu(node_id), said)
    return heard.key or heard.navigation or heard.go or heard.offered


@pytest.mark.parametrize(
    ("node_id", "table"),
    [("principal", PRINCIPAL), ("estudiantes", ESTUDIANTES), ("canales", CANALES)],
)
def test_every_menu_has_a_table_of_at_least_40_phrasings_of_every_option(
    node_id: str, table: list[tuple[str, Meaning]]
) -> None:
    assert len(table) >= 40
    wanted = {node for _, want in table for node in (want if isinstance(want, tuple) else (want,))}
    assert {o.target for o in menu(node_id).options} <= wanted


@pytest.mark.parametrize(
    ("node_id", "said", "want"),
    [pytest.param("principal", said, want, id=f"principal:{said}") for said, want in PRINCIPAL]
    + [pytest.param("estudiantes", s, w, id=f"estudiantes:{s}") for s, w in ESTUDIANTES]
    + [pytest.param("canales", said, want, id=f"canales:{said}") for said, want in CANALES],
)
def test_phrasing(node_id: str, said: str, want: Meaning) -> None:
    found = meaning(node_id, said)
    if isinstance(want, tuple):
        assert isinstance(found, tuple) and set(found) == set(want)
    else:
        assert found == want
