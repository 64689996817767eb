"""Operators' mistakes, each reported with file, line, path, what is wrong and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time

from ivr.config.errors import ConfigError
from ivr.config.loader import load_config

STUDENTS = "menus/students.yaml"


def problems(config_dir: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(config_dir)
    return [str(p) for p in caught.value.problems]


def edit(config_dir: Path, name: str, old: str, new: str) -> None:
    path = config_dir / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(config_dir: Path, name: str, needle: str) -> int:
    lines = (config_dir / name).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def test_shipped_configuration_is_valid(config_dir: Path) -> None:
    config = load_config(config_dir)
    assert len(config.directory.campuses) == 8
    assert len(config.directory.lines) == 6
    assert config.menus.settings.start == "principal"


def test_shipped_texts_address_callers_as_usted_with_no_warning(config_dir: Path) -> None:
    assert load_config(config_dir).warnings == ()


def test_tu_forms_are_warnings_with_file_and_line(config_dir: Path) -> None:
    edit(
        config_dir,
        "menus/channels.yaml",
        'say: "Escríbanos por WhatsApp al {whatsapp}.',
        'say: "Escríbenos por WhatsApp al {whatsapp}, con tu código.',
    )
    edit(config_dir, "schedules/messages.yaml", "Recuerde: la cuota 5", "Recuerda: la cuota 5")
    config = load_config(config_dir)  # a warning, not an error: the files still load
    whatsapp = line_of(config_dir, "menus/channels.yaml", "Escríbenos por WhatsApp")
    reminder = line_of(config_dir, "schedules/messages.yaml", "Recuerda: la cuota 5")
    assert [str(w) for w in config.warnings] == [
        f"menus/channels.yaml:{whatsapp}: nodes.whatsapp.say: 'Escríbenos' addresses the caller "
        "as tú (callers are addressed as usted: write 'escríbanos')",
        f"menus/channels.yaml:{whatsapp}: nodes.whatsapp.say: 'tu' addresses the caller as tú "
        "(callers are addressed as usted: write 'su')",
        f"schedules/messages.yaml:{reminder - 1}: messages.cuota_5_diciembre.text: 'Recuerda' "
        "addresses the caller as tú (callers are addressed as usted: write 'recuerde')",
    ]


def test_once_per_call_placeholders_stand_alone(config_dir: Path) -> None:
    edit(config_dir, "menus/main.yaml", '      - "{alternatives}"', '      - "Y {alternatives}"')
    line = line_of(config_dir, "menus/main.yaml", "Y {alternatives}")
    assert problems(config_dir) == [
        f"menus/main.yaml:{line}: nodes.despedida.say.0: {{alternatives}} must be a "
        "text of its own (put it alone in its own item of the say list: it is said once per "
        "call)"
    ]


def test_duplicate_key(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "    queue: helpdesk\n", "    queue: helpdesk\n    queue: other\n")
    n = line_of(config_dir, STUDENTS, "queue: other")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.help-desk.queue: duplicate key (first defined on line {n - 1}) "
        "(remove one of them: YAML would silently keep only the last)"
    ]


def test_option_key_used_twice(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "      2:\n        label: Aula", "      '1':\n        label: Aula")
    n = line_of(config_dir, STUDENTS, "'1':")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.estudiantes.options.1: duplicate key (first defined on line "
        f"{n - 4}) (remove one of them: YAML would silently keep only the last)"
    ]


def test_unknown_key_suggests_the_close_match(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "    queue: helpdesk\n", "    queu: helpdesk\n")
    n = line_of(config_dir, STUDENTS, "queu: helpdesk")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n - 5}: nodes.help-desk: a transfer needs exactly one of 'queue' or "
        "'dial' (name a Twilio queue, e.g. queue: helpdesk)",
        f"{STUDENTS}:{n}: nodes.help-desk.queu: unknown key 'queu' (did you mean 'queue'?)",
    ]


def test_unknown_node_type_suggests_the_close_match(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "    type: transfer\n", "    type: trasnfer\n")
    n = line_of(config_dir, STUDENTS, "type: trasnfer")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.help-desk.type: 'trasnfer' is not one of the accepted values "
        "(did you mean 'transfer'?)"
    ]


@pytest.mark.parametrize(
    ("kind", "keys", "known"),
    [
        ("menu", "options: {1: {label: Uno, goto: principal}}", "options, say, prompt"),
        ("message", "say: Hola.\n    next: principal", "say, next"),
        ("transfer", "queue: otra", "say, queue, dial, line, closed"),
        ("hangup", "say: Adiós.", "say"),
        ("selfservice", "next: principal", "next, billing_desk"),
    ],
)
def test_each_node_type_is_read_by_its_own_parser(
    config_dir: Path, kind: str, keys: str, known: str
) -> None:
    edit(
        config_dir,
        STUDENTS,
        "  help-desk:\n",
        f"  extra:\n    type: {kind}\n    title: Extra\n    {keys}\n    desk: x\n  help-desk:\n",
    )
    n = line_of(config_dir, STUDENTS, "desk: x")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.extra.desk: unknown key 'desk' (known keys: type, title, {known})"
    ]


def test_unknown_target_suggests_the_close_match(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    n = line_of(config_dir, STUDENTS, "goto: helpdesk")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.estudiantes.options.1.goto: goes to 'helpdesk', which is not "
        "a node (did you mean 'help-desk'?)"
    ]


def test_unreachable_node(config_dir: Path) -> None:
    with (config_dir / STUDENTS).open("a", encoding="utf-8") as f:
        f.write("\n  huerfano:\n    type: hangup\n    title: Nadie llega\n")
    n = line_of(config_dir, STUDENTS, "  huerfano:")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.huerfano: node 'huerfano' is never reached (link it from a "
        "menu option or a 'next', or delete it)"
    ]


@pytest.mark.parametrize("key", ["7a", "A", "10"])
def test_key_outside_the_keypad(config_dir: Path, key: str) -> None:
    edit(config_dir, STUDENTS, "      5:\n", f"      {key}:\n")
    n = line_of(config_dir, STUDENTS, f"      {key}:")
    assert problems(config_dir)[0] == (
        f"{STUDENTS}:{n}: nodes.estudiantes.options.{key}: '{key}' is not a phone key "
        "(use one of 0-9, '*' or '#'; quote '*' and '#')"
    )


def test_navigation_key_cannot_be_an_option(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "      5:\n", "      '#':\n")
    n = line_of(config_dir, STUDENTS, "'#':")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.estudiantes.options.#: key '#' is reserved for back "
        "(change settings.navigation.back or use another key)"
    ]


def test_non_e164_number(config_dir: Path) -> None:
    edit(config_dir, "campuses.yaml", 'number: "+5116015700"', "number: '601-5700'")
    n = line_of(config_dir, "campuses.yaml", "'601-5700'")
    assert problems(config_dir) == [
        f"campuses.yaml:{n}: campuses.comas.number: '601-5700' is not a phone number in E.164 "
        "form (write '+', the country code and the number, no spaces, e.g. +5110000000)"
    ]


def test_unquoted_number_is_read_as_an_integer(config_dir: Path) -> None:
    edit(config_dir, "campuses.yaml", 'number: "+5116015700"', "number: 5116015700")
    n = line_of(config_dir, "campuses.yaml", "number: 5116015700")
    assert problems(config_dir) == [
        f"campuses.yaml:{n}: campuses.comas.number: 5116015700 was read as a number "
        "(quote it with its '+': '+5116015700')"
    ]


def test_dial_to_a_non_e164_number(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "    queue: helpdesk\n", "    dial: '625-9600'\n")
    n = line_of(config_dir, STUDENTS, "dial: '625-9600'")
    assert problems(config_dir) == [
        f"{STUDENTS}:{n}: nodes.help-desk.dial: '625-9600' is not a phone number in E.164 "
        "form (write '+', the country code and the number, no spaces, e.g. +5110000000)"
    ]


def test_unquoted_time_in_schedules(config_dir: Path) -> None:
    name = "schedules/central.yaml"
    edit(config_dir, name, "- {from: '09:00', until: '14:00'}", "- {from: 9:30, until: '14:00'}")
    n = line_of(config_dir, name, "from: 9:30")
    assert problems(config_dir) == [
        f"{name}:{n}: weekly.sábado.0.from: 9:30 was read as the number 570, not a time "
        "(quote times: '09:30')"
    ]


def test_prompt_longer_than_twilio_accepts(config_dir: Path) -> None:
    long_text = "Información importante. " * 130  # 3,120 bytes
    edit(
        config_dir,
        "menus/channels.yaml",
        'say: "Las zonas de Contacto UPN',
        f'say: "{long_text}Las zonas de Contacto UPN',
    )
    n = line_of(config_dir, "menus/channels.yaml", "Información importante.")
    [problem] = problems(config_dir)
    assert problem.startswith(f"menus/channels.yaml:{n}: nodes.contacto-campus.say: is 3")
    assert problem.endswith(
        "bytes long; Polly.Mia-Neural speaks at most 3000 in one message (shorten it or split "
        "it into a list of shorter texts)"
    )


def test_message_loop_without_a_menu(config_dir: Path) -> None:
    edit(
        config_dir,
        "menus/channels.yaml",
        "    next: back\n\n  tickets:",
        "    next: tickets\n\n  tickets:",
    )
    edit(
        config_dir,
        "menus/channels.yaml",
        "    next: back\n\n  contacto-campus:",
        "    next: whatsapp\n\n  contacto-campus:",
    )
    found = problems(config_dir)
    assert len(found) == 2
    assert found[0].endswith(
        "these nodes form a loop with no menu: tickets -> whatsapp -> tickets (end one of them "
        "at a menu or a hang-up)"
    ) or found[0].endswith(
        "these nodes form a loop with no menu: whatsapp -> tickets -> whatsapp (end one of "
        "them at a menu or a hang-up)"
    )


def test_yaml_syntax_error_is_located(config_dir: Path) -> None:
    edit(config_dir, STUDENTS, "    title: Help Desk\n", "    title: [Help Desk\n")
    [problem] = problems(config_dir)
    assert problem.startswith(f"{STUDENTS}:")
    assert "YAML syntax error" in problem


def test_every_problem_is_reported_at_once(config_dir: Path) -> None:
    edit(config_dir, "campuses.yaml", 'number: "+5116015700"', "number: '601-5700'")
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    assert len(problems(config_dir)) == 2


# -- ivr check ---------------------------------------------------------------------------------
def test_ivr_check_passes_on_the_shipped_files(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.cli import ivr

    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("IVR_DATA_DIR", str(config_dir / "var"))
    with freeze_time("2026-07-28 15:00:00"):  # 10:00 in Lima, Fiestas Patrias
        result = Flask("check").test_cli_runner().invoke(ivr, ["check"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == [
        "  campuses.yaml: 8 campuses on 6 numbers",
        "  menus/: 16 nodes, starting at 'principal'",
        "  schedules/central.yaml: CLOSED now (holiday)",
        "  billing/: present",
        "  No emergency override.",
        "  active messages: saludo_fuera_de_horario",
        f"  database: none yet at {config_dir / 'var' / 'ivr.sqlite3'} "
        "(make it with 'flask --app app ivr db upgrade')",
    ]


def test_ivr_check_warns_about_tu_forms_and_still_passes(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.cli import ivr

    edit(config_dir, STUDENTS, 'say: "Le comunicamos con Help Desk."', 'say: "Te comunicamos."')
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("IVR_DATA_DIR", str(config_dir / "var"))
    with freeze_time("2026-11-18 15:00:00"):
        result = Flask("check").test_cli_runner().invoke(ivr, ["check"])
    assert result.exit_code == 0, result.output
    n = line_of(config_dir, STUDENTS, "Te comunicamos")
    out = result.output.splitlines()
    assert out[:2] == [
        "1 warning:",
        f"  {STUDENTS}:{n}: nodes.help-desk.say: warning: 'Te' addresses the caller as tú "
        "(callers are addressed as usted: write 'le')",
    ]
    assert out[2].startswith("OK: ")


def test_ivr_check_fails_with_located_messages(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.cli import ivr

    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    result = Flask("check").test_cli_runner().invoke(ivr, ["check"])
    assert result.exit_code == 1
    n = line_of(config_dir, STUDENTS, "goto: helpdesk")
    assert f"{STUDENTS}:{n}: nodes.estudiantes.options.1.goto: goes to 'helpdesk'" in result.output


def test_bad_configuration_fails_start_up(config_dir: Path, make_app: object) -> None:
    edit(config_dir, STUDENTS, "goto: help-desk", "goto: helpdesk")
    with pytest.raises(ConfigError, match="goes to 'helpdesk'"):
        make_app()  # type: ignore[operator]


def test_ivr_check_names_a_bad_setting_without_a_traceback(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ivr.cli import ivr

    monkeypatch.setenv("IVR_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("IVR_TRUSTED_PROXIES", "two")
    result = Flask("check").test_cli_runner().invoke(ivr, ["check"])
    assert result.exit_code == 1
    assert "IVR_TRUSTED_PROXIES='two': expected the number of proxies" in result.output
    assert "Traceback" not in result.output


# -- what callers sit through, and what they must never hear ---------------------------------
def test_a_long_lead_in_and_too_many_options_are_warnings_with_file_and_line(
    config_dir: Path,
) -> None:
    intro = "Bienvenido al menú de estudiantes, donde encontrará " + "muchas opciones útiles, " * 8
    edit(
        config_dir,
        STUDENTS,
        "    title: Estudiantes\n",
        f'    title: Estudiantes\n    say: "{intro.strip()}."\n',
    )
    edit(
        config_dir,
        STUDENTS,
        "    speech: [alumna, universitario, pregrado]",
        "      6:\n        label: Aula Virtual otra vez\n        goto: aula-virtual\n"
        "    speech: [alumna, universitario, pregrado]",
    )
    edit(
        config_dir,
        "menus/main.yaml",
        'greeting: "Bienvenido a la central telefónica de la universidad, sede {campus}."',
        'greeting: "Bienvenido a la central telefónica de la universidad, sede {campus}, donde '
        "le atendemos con gusto de lunes a sábado, en todas nuestras sedes, desde temprano "
        'hasta la noche, para ayudarle en lo que necesite."',
    )
    config = load_config(config_dir)  # warnings, by file and line: the files still load
    said = line_of(config_dir, STUDENTS, "Bienvenido al menú de estudiantes")
    options = line_of(config_dir, STUDENTS, "    options:")
    greeting = line_of(config_dir, "menus/main.yaml", "    greeting: ")
    assert [str(w) for w in config.warnings] == [
        f"menus/main.yaml:{greeting}: settings.texts.greeting: callers hear 34 words before the "
        "first option (about 14 s); at most 30 (about 12 s) (shorten it, or say it in a message "
        "after the menu)",
        f"{STUDENTS}:{said}: nodes.estudiantes.say: callers hear 31 words before the first "
        "option (about 12 s); at most 30 (about 12 s) (shorten it, or say it in a message after "
        "the menu)",
        f"{STUDENTS}:{options}: nodes.estudiantes.options: the menu has 6 options; callers keep "
        "at most 5 in mind (move some options into a submenu)",
    ]


def test_operator_notes_in_what_callers_hear_are_rejected_with_file_and_line(
    config_dir: Path,
) -> None:
    edit(
        config_dir,
        "menus/main.yaml",
        "    name: un asesor de orientación",
        "    name: un asesor (cuando no se entiende la elección)",
    )
    edit(
        config_dir,
        STUDENTS,
        'say: "Le comunicamos con Help Desk."',
        'say: "Le comunicamos con Help Desk [revisar horario]."',
    )
    edit(config_dir, STUDENTS, "label: Aula Virtual\n", "label: Aula Virtual (Blackboard)\n")
    edit(
        config_dir,
        "billing/policy.yaml",
        'where_to_pay: ""',
        'where_to_pay: "Puede pagar en el banco (pendiente de confirmar)."',
    )
    name = line_of(config_dir, "menus/main.yaml", "un asesor (cuando")
    say = line_of(config_dir, STUDENTS, "[revisar horario]")
    label = line_of(config_dir, STUDENTS, "label: Aula Virtual (Blackboard)")
    where = line_of(config_dir, "billing/policy.yaml", "where_to_pay:")
    hint = "callers hear every word of this text: keep notes in the node's title or a # comment"
    assert sorted(problems(config_dir)) == sorted(
        [
            f"menus/main.yaml:{name}: nodes.orientacion-general.name: callers would hear the "
            f"operator note '(cuando no se entiende la elección)' ({hint})",
            f"{STUDENTS}:{say}: nodes.help-desk.say: callers would hear the operator note "
            f"'[revisar horario]' ({hint})",
            f"{STUDENTS}:{label}: nodes.estudiantes.options.2.label: callers would hear the "
            f"operator note '(Blackboard)' ({hint})",
            f"billing/policy.yaml:{where}: statement.where_to_pay: callers would hear the "
            f"operator note '(pendiente de confirmar)' ({hint})",
        ]
    )


def test_titles_may_hold_notes_for_operators(config_dir: Path) -> None:
    config = load_config(config_dir)
    titles = [node.title for node in config.menus.nodes.values()]
    assert "Orientación general (cuando no se entiende la elección)" in titles
    assert config.warnings == ()
