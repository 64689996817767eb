"""The institution's words in menus/main.yaml: contacts, channel texts and pronunciations."""

from __future__ import annotations

from pathlib import Path

from ivr.config.loader import load_config
from ivr.core.spoken import for_voice
from tests.config.test_config_errors import edit, line_of, problems

MAIN = "menus/main.yaml"


def test_a_text_naming_an_unset_contact_is_rejected_where_it_is_written(
    config_dir: Path,
) -> None:
    edit(config_dir, MAIN, "    whatsapp: '914 800 800'", "")
    found = problems(config_dir)
    said = line_of(config_dir, "menus/channels.yaml", 'say: "Escríbanos por WhatsApp al {whatsapp}')
    assert (
        f"menus/channels.yaml:{said}: nodes.whatsapp.say: says {{whatsapp}}, but "
        "settings.contacts gives no whatsapp number (add settings.contacts.whatsapp or reword "
        "the text)"
    ) in found
    # every text that names it, the settings' own texts too
    assert sum("says {whatsapp}" in p for p in found) == 5
    assert all("{web}" not in p for p in found)


def test_alternatives_said_but_never_written_is_rejected(config_dir: Path) -> None:
    edit(config_dir, MAIN, "    alternatives: ", "    # alternatives: ")
    goodbye = line_of(config_dir, MAIN, '      - "{alternatives}"')
    assert (
        f"{MAIN}:{goodbye}: nodes.despedida.say.0: says {{alternatives}}, but "
        "settings.texts.alternatives is not set (write there the other channels callers can "
        "use, or remove this text)"
    ) in problems(config_dir)


def test_pronunciations_come_from_the_file(config_dir: Path) -> None:
    edit(config_dir, MAIN, "      UPN: u pe ene", "      UPN: universidad privada del norte")
    voice = load_config(config_dir).menus.settings.voice
    assert for_voice("Contacto UPN", voice.pronunciations) == (
        "Contacto universidad privada del norte"
    )


def test_a_pronunciation_of_more_than_a_word_is_rejected(config_dir: Path) -> None:
    edit(config_dir, MAIN, "      UPN: u pe ene", "      Contacto UPN: contacto u pe ene")
    line = line_of(config_dir, MAIN, "Contacto UPN: contacto")
    assert problems(config_dir) == [
        f"{MAIN}:{line}: settings.pronunciations.words.Contacto UPN: 'Contacto UPN' cannot be "
        "pronounced here (a word as written in the texts, e.g. UNI or MiPortal)"
    ]
