"""Speech matching as a pure function of a menu and what the caller said."""

from __future__ import annotations

import pytest

from ivr.core.menu import MenuNode, Option
from ivr.core.speech import match, normalise

STUDENTS = MenuNode(
    "estudiantes",
    "Estudiantes",
    None,
    None,
    (
        Option("1", "Help Desk", "helpdesk", ("soporte tecnico", "contrasena")),
        Option("2", "Aula Virtual", "aula", ("blackboard",)),
        Option("3", "orientación a estudiantes", "orientacion", ("orientacion",)),
        Option("4", "orientación a padres", "padres", ("orientacion a padres", "padres")),
    ),
)


def test_normalise_drops_case_accents_and_punctuation() -> None:
    assert normalise("¡Aula Virtual!") == "aula virtual"
    assert normalise("  Orientación   a PADRES ") == "orientacion a padres"


@pytest.mark.parametrize(
    ("said", "key"),
    [
        ("blackboard", "2"),
        ("Aula virtual por favor", "2"),
        ("orientación a padres", "4"),
        ("opción dos", "2"),
        ("la tres", "3"),
        ("repetir", "repeat"),
        ("volver", "back"),
        ("menú principal", "main_menu"),
        ("aula virtul", "2"),  # a recognition slip, matched closely
    ],
)
def test_phrases_choose_an_option_or_a_navigation(said: str, key: str) -> None:
    assert match(STUDENTS, said) == key


@pytest.mark.parametrize("said", ["", "quiero una constancia de estudios", "   "])
def test_phrases_that_match_nothing_choose_nothing(said: str) -> None:
    assert match(STUDENTS, said) is None


def test_a_digit_inside_a_longer_phrase_is_not_a_choice() -> None:
    assert match(STUDENTS, "quiero una constancia") is None
