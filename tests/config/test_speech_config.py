"""A node's own vocabulary (``speech:``) and the person callers reach (``settings.human``)."""

from __future__ import annotations

from pathlib import Path

from ivr.config.loader import load_config
from ivr.core.menu import TransferNode
from tests.config.test_config_errors import edit, line_of, problems

STUDENTS = "menus/students.yaml"


def test_every_node_type_may_carry_its_vocabulary(config_dir: Path) -> None:
    tree = load_config(config_dir).menus
    help_desk = tree.node("help-desk")
    assert isinstance(help_desk, TransferNode)
    assert "contraseña" in help_desk.speech
    assert "cuánto debo" in tree.nodes["estado-de-cuenta"].speech  # self-service
    assert "whatsapp" in tree.nodes["whatsapp"].speech  # a message
    assert tree.settings.person == "orientacion-general"


def test_a_speech_phrase_longer_than_twilio_accepts(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "speech: [helpdesk,", "speech: [" + "a" * 101 + ",")
    line = line_of(config_dir, STUDENTS, "a" * 101)
    assert problems(config_dir) == [
        f"{STUDENTS}:{line}: nodes.help-desk.speech.0: speech phrase is 101 characters; "
        "Twilio accepts at most 100"
    ]


def test_the_person_setting_names_a_node(config_dir: Path) -> None:
    edit(config_dir, "menus/main.yaml", "human: orientacion-general", "human: orientacion-gral")
    line = line_of(config_dir, "menus/main.yaml", "human: orientacion-gral")
    assert problems(config_dir) == [
        f"menus/main.yaml:{line}: settings.human: goes to 'orientacion-gral', which is not a "
        "node (did you mean 'orientacion-general'?)"
    ]


def test_without_the_person_setting_the_failure_node_is_the_person(config_dir: Path) -> None:
    edit(config_dir, "menus/main.yaml", "  human: orientacion-general", "  # no human")
    settings = load_config(config_dir).menus.settings
    assert settings.person == settings.on_failure == "orientacion-general"
