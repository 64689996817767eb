"""The flow around a phrase on the shipped menus: questions, "sí", "no sé", silence, a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.config.loader import load_config
from ivr.core import flow
from ivr.core.flow import Ask, Enqueue, State
from ivr.core.menu import MenuTree
from tests.core.test_flow_unit import said as heard
from tests.core.trees import at_noon as context

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tree() -> MenuTree:
    return load_config(ROOT).menus


MAIN = State("principal", steps=1)
QUESTION = (
    "¿Quiso decir Help Desk u orientación a estudiantes? Para Help Desk, marque 1. "
    "Para orientación a estudiantes, marque 2."
)


def test_si_to_a_question_between_two_asks_it_again(tree: MenuTree) -> None:
    ctx = context(tree)
    asked = flow.handle_input(ctx, MAIN, None, "necesito ayuda", 0.9)
    assert heard(asked) == [QUESTION]
    ask = asked.actions[-1]
    assert isinstance(ask, Ask)
    again = flow.handle_input(ctx, ask.state, None, "sí", 0.9)
    assert (again.event, heard(again)) == ("ambiguous", [QUESTION])
    second = again.actions[-1]
    assert isinstance(second, Ask) and second.state.invalid == 1


def test_a_question_about_a_desk_elsewhere_is_confirmed_by_si(tree: MenuTree) -> None:
    ctx = context(tree)
    asked = flow.handle_input(ctx, MAIN, None, "aula virtual", 0.2)
    assert heard(asked) == ["¿Quiso decir Aula Virtual? Para Aula Virtual, marque 1."]
    ask = asked.actions[-1]
    assert isinstance(ask, Ask)
    yes = flow.handle_input(ctx, ask.state, None, "sí, por favor", 0.9)
    assert isinstance(yes.actions[-1], Enqueue) and yes.actions[-1].queue == "aula-virtual"


@pytest.mark.parametrize("said", ["no sé", "no lo sé, señorita", "ni idea"])
def test_no_se_reaches_a_person_when_one_is_open(tree: MenuTree, said: str) -> None:
    outcome = flow.handle_input(context(tree), MAIN, None, said, 0.9)
    assert (outcome.event, outcome.node, outcome.detail) == (
        "to_person",
        "orientacion-general",
        "unsure",
    )
    assert heard(outcome) == ["Le comunicamos con un asesor de orientación."]


def test_no_se_with_nobody_open_is_not_understood(tree: MenuTree) -> None:
    outcome = flow.handle_input(context(tree, is_open=False), MAIN, None, "no sé", 0.9)
    assert outcome.event == "invalid"
    assert heard(outcome)[0] == "No le entendí."


def test_a_second_silence_with_nobody_open_asks_again(tree: MenuTree) -> None:
    outcome = flow.handle_input(
        context(tree, is_open=False), State("principal", no_input=1), None, None
    )
    assert outcome.event == "no_input"
    assert heard(outcome)[0] == "No recibimos ninguna opción."


def test_a_first_silence_is_asked_again_even_with_a_person_open(tree: MenuTree) -> None:
    outcome = flow.handle_input(context(tree), MAIN, None, None)
    assert outcome.event == "no_input"
