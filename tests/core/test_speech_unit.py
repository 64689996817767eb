"""Understanding speech as a pure function of a menu tree and what the caller said."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ivr.core.menu import MenuNode, MenuTree, Node
from ivr.core.speech import (
    index,
    normalise,
    offered_in,
    question_step,
    reply,
    stem,
    understand,
)
from tests.core.trees import tree


def speaking_tree() -> MenuTree:
    """The unit tree, with the vocabulary of its nodes (``speech:`` in the operator files)."""
    base = tree()
    speech = {
        "helpdesk": ("contraseña", "correo", "ayuda"),
        "cuenta": ("pensión", "cuánto debo", "mora", "correo de cobranza"),
        "info": ("whatsapp", "ayuda"),
    }
    nodes: dict[str, Node] = {
        node_id: replace(node, speech=speech.get(node_id, ()))
        for node_id, node in base.nodes.items()
    }
    return MenuTree(base.settings, nodes, base.files)


TREE = speaking_tree()


def menu(node_id: str) -> MenuNode:
    node = TREE.node(node_id)
    assert isinstance(node, MenuNode)
    return node


def test_normalise_drops_case_accents_and_punctuation() -> None:
    assert normalise("¡Aula Virtual!") == "aula virtual"
    assert normalise("  Orientación   a PADRES ") == "orientacion a padres"


def test_words_are_folded_by_the_snowball_spanish_stemmer() -> None:
    assert stem("pensiones") == stem("pension") == "pension"
    assert stem("matricularme") == stem("matricula")


def test_the_index_is_built_once_per_tree() -> None:
    assert index(TREE) is index(TREE)
    assert index(speaking_tree()) is not index(TREE)


@pytest.mark.parametrize(
    ("said", "node"),
    [
        ("quiero saber cuánto debo", "cuenta"),  # a node's own speech, from the main menu
        ("mis pensiones", "cuenta"),  # a plural, stemmed
        ("olvidé mi contraseñia", "helpdesk"),  # a slip, matched by rapidfuzz
        ("soporte", "helpdesk"),  # an option's synonym in another menu
        ("alumnos", "estudiantes"),  # this menu's own option
        ("el whatsapp", "info"),
    ],
)
def test_a_phrase_at_the_main_menu_reaches_any_destination(said: str, node: str) -> None:
    assert understand(TREE, menu("principal"), said).go == node


def test_two_destinations_that_fit_alike_are_asked_about() -> None:
    heard = understand(TREE, menu("principal"), "tengo un problema con mi correo")
    assert heard.go is None
    assert set(heard.offered) == {"helpdesk", "cuenta"}


def test_the_current_menus_option_wins_a_tie() -> None:
    # "ayuda" belongs to Help Desk (an option here) and to info (an option of the main menu)
    at_main = understand(TREE, menu("principal"), "ayuda")
    assert at_main.go == "info"
    assert understand(TREE, menu("estudiantes"), "ayuda").offered == ()
    assert understand(TREE, menu("estudiantes"), "ayuda").go == "helpdesk"


def test_a_word_one_destination_owns_outweighs_a_shared_one() -> None:
    heard = understand(TREE, menu("principal"), "ayuda con mi contraseña")
    assert heard.go == "helpdesk"
    assert [r.node for r in heard.ranking] == ["helpdesk", "info"]


@pytest.mark.parametrize(
    ("said", "key", "navigation"),
    [
        ("opción dos", "2", None),
        ("la uno", "1", None),
        ("repetir", None, "repeat"),
        ("volver", None, "back"),
        ("menú principal", None, "main_menu"),
    ],
)
def test_spoken_keys_and_navigation(said: str, key: str | None, navigation: str | None) -> None:
    heard = understand(TREE, menu("principal"), said)
    assert (heard.key, heard.navigation, heard.go) == (key, navigation, None)


@pytest.mark.parametrize("said", ["", "   ", "quiero una pizza", "sí"])
def test_phrases_that_name_nothing_reach_nothing(said: str) -> None:
    assert not understand(TREE, menu("estudiantes"), said).understood


def test_no_se_is_a_caller_who_does_not_know() -> None:
    assert understand(TREE, menu("principal"), "no sé").unsure


@pytest.mark.parametrize(
    ("said", "answer"),
    [
        ("la primera", 0),
        ("la segunda por favor", 1),
        ("el segundo", 1),
        ("help desk", 0),
        ("información", 1),
        ("no", False),
        ("no, ninguna", False),
        ("sí", None),  # two were offered: "sí" says neither
        ("no, quiero mi saldo", None),  # something else: understood as at the menu
    ],
)
def test_answers_to_a_question_between_two(said: str, answer: int | bool | None) -> None:
    assert reply(TREE, ("helpdesk", "info"), said) == answer


@pytest.mark.parametrize(("said", "answer"), [("sí", 0), ("ya", 0), ("claro que sí", 0)])
def test_yes_confirms_a_question_about_one(said: str, answer: int) -> None:
    assert reply(TREE, ("cuenta",), said) == answer


def test_a_question_is_kept_in_the_call_state_within_16_characters() -> None:
    step = question_step(TREE, ("helpdesk", "cuenta"))
    assert len(step) <= 16
    assert offered_in(TREE, step) == ("helpdesk", "cuenta")
    assert offered_in(TREE, "") == offered_in(TREE, "code") == ()
    assert offered_in(TREE, "q000000.111111") == ()  # a question of another configuration
