"""ivr simulate: a caller in the terminal, through the same webhooks Twilio calls."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from freezegun import freeze_time

from ivr.cli.simulate import Step, interactive_step, parse_presses, simulate_command
from ivr.clock import LIMA
from ivr.core.say import LEAD_IN_WORDS
from ivr.runtime import Runtime
from tests.cli.conftest import Run
from tests.conftest import WEEKDAY_10AM

BRENA = "+5116044700"
MAIN_MENU = (
    "Para información y canales de atención, marque 1. Para estudiantes, marque 2. "
    "Puede marcar la opción o decirla. Para repetir, marque asterisco."
)
STUDENT_MENU = (
    "Para Help Desk, marque 1. Para Aula Virtual, marque 2. Para orientación a estudiantes, "
    "marque 3. Para orientación a padres, marque 4. Para su estado de cuenta y fechas de pago, "
    "marque 5. Para repetir, marque asterisco. Para volver, marque numeral. "
    "Para el menú principal, marque 0."
)
# What a closed desk offers: the other channels, then the keys that return.
CLOSED_DESK_MENU = (
    "Para información y canales de atención, marque 1. Para repetir, marque asterisco. "
    "Para volver, marque numeral. Para el menú principal, marque 0."
)
CLOSED_GREETING = [
    "   says: Gracias por llamar a la universidad.",
    "   says: La central está cerrada hasta mañana a las 9 de la mañana.",
]


def lines(output: str) -> list[str]:
    return output.splitlines()


def test_walk_2_1_on_a_weekday_morning_transfers_to_help_desk(run_cli: Run) -> None:
    result = run_cli(
        simulate_command, ["--to", BRENA, "--at", "2026-11-18 10:00", "--press", "2,1"]
    )
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [
        "Call to +5116044700 (Breña) at Wed 2026-11-18 10:00, America/Lima",
        "   line central: open (weekly hours) until Wed 2026-11-18 21:00",
        "   active messages: none",
        "",
        "1. Twilio requests /voice",
        "   says: Bienvenido a la central telefónica de la universidad, sede Breña.",
        f"   asks (one key or words): {MAIN_MENU}",
        "   caller presses 2",
        "",
        "2. Twilio requests /voice/menu/principal",
        f"   asks (one key or words): {STUDENT_MENU}",
        "   caller presses 1",
        "",
        "3. Twilio requests /voice/menu/estudiantes",
        "   says: Le comunicamos con Help Desk.",
        "   -> TRANSFER to queue helpdesk (Help Desk, node help-desk, line central)",
        "",
        "Result: transferred to queue helpdesk.",
    ]


def test_walk_2_1_on_a_sunday_hears_the_after_hours_message_with_whatsapp(run_cli: Run) -> None:
    result = run_cli(
        simulate_command, ["--to", BRENA, "--at", "2026-11-22 10:00", "--press", "2,1"]
    )
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [
        "Call to +5116044700 (Breña) at Sun 2026-11-22 10:00, America/Lima",
        "   line central: closed (after hours) until Mon 2026-11-23 09:00",
        "   active messages: saludo_fuera_de_horario (greeting)",
        "",
        "1. Twilio requests /voice",
        *CLOSED_GREETING,
        f"   asks (one key or words): {MAIN_MENU}",
        "   caller presses 2",
        "",
        "2. Twilio requests /voice/menu/principal",
        f"   asks (one key or words): {STUDENT_MENU}",
        "   caller presses 1",
        "",
        "3. Twilio requests /voice/menu/estudiantes",
        "   -> AFTER HOURS: Help Desk (help-desk) is not available: "
        "line central: closed (after hours) until Mon 2026-11-23 09:00",
        # the desk's hours and when it opens again, then the channels offered
        "   says: Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; "
        "vuelve a atender mañana a las 9 de la mañana.",
        f"   asks (one key or words): {CLOSED_DESK_MENU}",
        "   (no more --press steps: the caller hangs up)",
        "",
        "Result: the caller hung up.",
    ]


def test_a_national_holiday_via_at_says_the_holiday_message(run_cli: Run) -> None:
    # 28 July 2026 is a Tuesday and a national holiday (Fiestas Patrias), closed by default.
    result = run_cli(
        simulate_command, ["--to", BRENA, "--at", "2026-07-28 10:00", "--press", '2,"aula virtual"']
    )
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert out[1] == (
        "   line central: closed (holiday: Día de la Independencia) until Thu 2026-07-30 09:00"
    )
    assert out[5:7] == [
        "   says: Gracias por llamar a la universidad.",
        "   says: La central está cerrada por feriado, Día de la Independencia, hasta el jueves "
        "30 de julio a las 9 de la mañana.",
    ]
    assert out[-9:] == [
        '   caller says "aula virtual"',
        "",
        "3. Twilio requests /voice/menu/estudiantes",
        "   -> AFTER HOURS: Aula Virtual (Blackboard) (aula-virtual) is not available: "
        "line central: closed (holiday: Día de la Independencia) until Thu 2026-07-30 09:00",
        "   says: Aula Virtual atiende de lunes a viernes de 9 de la mañana a 9 de la noche; "
        "vuelve a atender el jueves a las 9 de la mañana.",
        f"   asks (one key or words): {CLOSED_DESK_MENU}",
        "   (no more --press steps: the caller hangs up)",
        "",
        "Result: the caller hung up.",
    ]


def test_interactive_mode_asks_at_each_question(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--to", BRENA], input="2\n\n1\n")
    assert result.exit_code == 0, result.output
    prompt = "   your answer (keys, words, Enter = silence, q = hang up)> "
    out = lines(result.output)
    assert out[0] == "Call to +5116044700 (Breña) at Wed 2026-11-18 10:00, America/Lima"
    assert [line for line in out if line.startswith(prompt)] == [
        f"{prompt}2",
        f"{prompt}",
        f"{prompt}1",
    ]
    assert out[-7:] == [
        "   caller presses 1",
        "",
        "4. Twilio requests /voice/menu/estudiantes",
        "   says: Le comunicamos con Help Desk.",
        "   -> TRANSFER to queue helpdesk (Help Desk, node help-desk, line central)",
        "",
        "Result: transferred to queue helpdesk.",
    ]


def test_interactive_silence_then_q_hangs_up(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--to", BRENA], input="\nq\n")
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert "   caller: (silence)" in out
    assert "   says: No recibimos ninguna opción." in out
    assert out[-1] == "Result: the caller hung up."


def test_end_of_input_in_interactive_mode_hangs_up(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--to", BRENA], input="")
    assert result.exit_code == 0, result.output
    assert lines(result.output)[-1] == "Result: the caller hung up."


def test_an_unknown_number_hears_the_general_greeting(run_cli: Run) -> None:
    result = run_cli(
        simulate_command, ["--to", "+15005550006", "--press", "silence,silence,silence"]
    )
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert out[0] == (
        "Call to +15005550006 (not a campus number: the general greeting) "
        "at Wed 2026-11-18 10:00, America/Lima"
    )
    assert "   says: Bienvenido a la central telefónica de la universidad." in out
    # Three silences: too many failures, then on_failure (orientacion-general, open now).
    assert out[-3:] == [
        "   -> TRANSFER to queue orientacion-estudiantes "
        "(Orientación general (cuando no se entiende la elección), node orientacion-general, "
        "line central)",
        "",
        "Result: transferred to queue orientacion-estudiantes.",
    ]


def test_the_call_leaves_no_trace_in_the_runtime_or_the_call_records(
    app: Flask, run_cli: Run
) -> None:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    before = (runtime.clock, runtime.calls, runtime.settings)
    result = run_cli(simulate_command, ["--to", BRENA, "--at", "2026-11-22 10:00", "--press", "2"])
    assert result.exit_code == 0, result.output
    assert (runtime.clock, runtime.calls, runtime.settings) == before
    assert runtime.clock() == WEEKDAY_10AM
    runtime.calls.flush()
    day = datetime(2026, 11, 22, tzinfo=LIMA)
    assert list(runtime.calls.calls(day, day + timedelta(days=1))) == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "overrides",
    [
        {"IVR_SKIP_SIGNATURE": "1", "TWILIO_AUTH_TOKEN": None},
        {"IVR_PUBLIC_URL": "https://ivr.example.edu.pe"},
        {"TWILIO_AUTH_TOKEN": None, "IVR_CLI": "1"},
    ],
    ids=["unsigned", "public-url", "operator-machine-without-token"],
)
def test_requests_pass_the_signature_check_however_it_is_configured(
    make_app: Callable[..., Flask], overrides: dict[str, str | None]
) -> None:
    app = make_app(**overrides)
    result = app.test_cli_runner().invoke(simulate_command, ["--to", BRENA, "--press", "2,2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "Result: transferred to queue aula-virtual."


def test_without_at_the_runtime_clock_decides_even_on_a_utc_server(
    make_app: Callable[..., Flask],
) -> None:
    # 02:00 UTC on Monday is still Sunday 21:00 in Lima: closed.
    with freeze_time(datetime(2026, 11, 23, 2, 0, tzinfo=UTC)):
        app = make_app(CLOCK=None)
        result = app.test_cli_runner().invoke(simulate_command, ["--to", BRENA, "--press", "2,1"])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert out[0] == "Call to +5116044700 (Breña) at Sun 2026-11-22 21:00, America/Lima"
    assert out[-1] == "Result: the caller hung up."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--at", "2026-13-01 10:00"],
            "Invalid value for '--at': '2026-13-01 10:00' is not a date and time: "
            'write it as "YYYY-MM-DD HH:MM" (Lima time)',
        ),
        (
            ["--press", "2,aula"],
            "Invalid value for '--press': 'aula' is neither keys (0-9, *, #) nor silence; "
            "put a phrase in quotes to say it: --press '2,\"aula\"'",
        ),
        (
            ["--press", '2,"aula'],
            "Invalid value for '--press': the phrase starting at '\"aula' has no closing \"",
        ),
    ],
    ids=["bad-at", "unquoted-phrase", "unclosed-quote"],
)
def test_bad_options_are_explained(run_cli: Run, args: list[str], message: str) -> None:
    result = run_cli(simulate_command, ["--to", BRENA, *args])
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == f"Error: {message}"


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("2,1", (Step("keys", "2"), Step("keys", "1"))),
        ('2, "aula virtual"', (Step("keys", "2"), Step("speech", "aula virtual"))),
        ("'help desk',silence", (Step("speech", "help desk"), Step("silence"))),
        ("SILENCE, *, 00123456#", (Step("silence"), Step("keys", "*"), Step("keys", "00123456#"))),
        ('"uno, dos"', (Step("speech", "uno, dos"),)),
    ],
    ids=["keys", "speech", "single-quotes", "silence-star-code", "comma-inside-quotes"],
)
def test_parse_presses(text: str, steps: tuple[Step, ...]) -> None:
    assert parse_presses(text) == steps


@pytest.mark.parametrize(
    ("line", "step"),
    [
        ("", Step("silence")),
        ("  ", Step("silence")),
        ("q", Step("hangup")),
        ("2", Step("keys", "2")),
        ("aula virtual", Step("speech", "aula virtual")),
        ('"aula virtual"', Step("speech", "aula virtual")),
    ],
    ids=["empty", "blank", "quit", "key", "words", "quoted-words"],
)
def test_interactive_step(line: str, step: Step) -> None:
    assert interactive_step(line) == step


def test_an_emergency_override_closes_the_desks_with_its_message(app: Flask, run_cli: Run) -> None:
    runtime = app.extensions["ivr"]
    assert isinstance(runtime, Runtime)
    runtime.override_store.set(
        "Por una emergencia la central está cerrada.",
        until=datetime(2026, 11, 18, 12, tzinfo=LIMA),
        set_at=datetime(2026, 11, 18, 9, tzinfo=LIMA),
    )
    result = run_cli(simulate_command, ["--to", BRENA, "--press", "2,1"])
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    assert out[1] == "   line central: closed (emergency override) until Wed 2026-11-18 12:00"
    assert out[6:8] == [
        "   says: Por una emergencia la central está cerrada.",
        "   says: Volvemos a atender hoy al mediodía.",
    ]
    assert out[-6:-4] == [
        "   -> AFTER HOURS: Help Desk (help-desk) is not available: "
        "line central: closed (emergency override) until Wed 2026-11-18 12:00",
        "   says: Help Desk atiende de lunes a viernes de 9 de la mañana a 9 de la noche; "
        "vuelve a atender hoy al mediodía.",
    ]
    # At noon the override has ended: the same walk reaches the desk.
    result = run_cli(
        simulate_command, ["--to", BRENA, "--at", "2026-11-18 12:00", "--press", "2,1"]
    )
    assert lines(result.output)[-1] == "Result: transferred to queue helpdesk."


def test_words_counts_each_answer_and_the_call(run_cli: Run) -> None:
    result = run_cli(
        simulate_command,
        ["--to", BRENA, "--at", "2026-11-18 10:00", "--press", "2,1", "--words"],
    )
    assert result.exit_code == 0, result.output
    out = lines(result.output)
    # 10 + 22 words at the greeting, 47 in the student menu, 5 before the transfer; 150 a minute
    assert [line for line in out if line.startswith("   (")] == [
        "   (32 words, 13 s; first option after 10 words, 4 s)",
        "   (47 words, 19 s; first option after 0 words, 0 s)",
        "   (5 words, 2 s)",
    ]
    assert out[-1] == "Spoken in the call: 84 words, 34 s at 150 words a minute, in 3 answers."


def test_the_documented_figures_for_the_shipped_menus_are_what_simulate_prints(
    app: Flask, run_cli: Run
) -> None:
    from pathlib import Path

    from ivr.storage.ledger.demo import generate

    generate(app.extensions["ivr"].ledger, students=20)  # the demo's named students
    operators = Path(__file__).resolve().parents[2] / "docs" / "operators.md"
    rows = [
        line.split("|")[1:-1]
        for line in operators.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and "`--to +5116044700`" not in line and '`"20' in line
    ]
    assert len(rows) == 4
    for _, at, press, words, seconds in rows:
        result = run_cli(
            simulate_command,
            ["--to", BRENA, "--at", at.strip(' `"'), "--press", press.strip(" `"), "--words"],
        )
        assert result.exit_code == 0, result.output
        assert lines(result.output)[-1] == (
            f"Spoken in the call: {words.strip()} words, {seconds.strip()} s at 150 words a "
            f"minute, in {lines(result.output)[-1].rsplit('in ', 1)[1]}"
        )


def test_queue_position_plays_the_wait_answer(run_cli: Run) -> None:
    result = run_cli(
        simulate_command,
        ["--to", BRENA, "--at", "2026-11-18 10:00", "--press", "2,1", "--queue-position", "3"],
    )
    assert result.exit_code == 0, result.output
    assert lines(result.output)[-8:] == [
        "   -> TRANSFER to queue helpdesk (Help Desk, node help-desk, line central)",
        "",
        "   Twilio requests /voice/wait/help-desk (QueuePosition=3)",
        "   says, a key interrupts (one key): Usted es la tercera persona en espera. Si prefiere "
        "que le devolvamos la llamada, marque 1.",
        "   plays hold audio: https://s3.amazonaws.com/com.twilio.music.classical/BusyStrings.mp3",
        "   then Twilio requests the wait answer again, until a desk answers",
        "",
        "Result: transferred to queue helpdesk.",
    ]


# -- --say: where a phrase goes, and why --------------------------------------------------------
def test_say_shows_where_a_phrase_goes_and_the_ranking(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--say", "mi hijo estudia ahí"])
    assert result.exit_code == 0, result.output
    assert lines(result.output) == [
        'At menu principal, "mi hijo estudia ahí": goes to orientacion-padres '
        "(orientación a padres)",
        "   why: estudiantes weighs under 60% of orientacion-padres: go",
        "   1. orientacion-padres 1.00: hijo->hij 1.00",
        "   2. estudiantes 0.33 (an option of this menu): estudia->estudi 0.33",
        "   3. orientacion-estudiantes 0.33: estudia->estudi 0.33",
        "   4. whatsapp 0.33: estudia->estudi 0.33",
    ]


def test_say_at_a_menu_shows_a_question_when_two_fit(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--say", "necesito ayuda", "--menu", "estudiantes"])
    assert result.exit_code == 0, result.output
    assert lines(result.output)[:2] == [
        'At menu estudiantes, "necesito ayuda": asks which: help-desk (Help Desk) or '
        "orientacion-estudiantes (orientación a estudiantes)",
        "   why: orientacion-estudiantes weighs 100% of help-desk: ask",
    ]


def test_say_at_a_node_that_is_no_menu_is_one_clear_line(run_cli: Run) -> None:
    result = run_cli(simulate_command, ["--say", "hola", "--menu", "help-desk"])
    assert result.exit_code == 2
    assert (
        "Error: Invalid value for '--menu': 'help-desk' is not a menu; "
        "menus: canales, estudiantes, fuera-de-horario, principal" in result.output
    )
    assert "Traceback" not in result.output


def test_without_to_or_say_the_command_says_what_to_give(run_cli: Run) -> None:
    result = run_cli(simulate_command, [])
    assert result.exit_code == 2
    assert "give --to NUMBER to play a call, or --say PHRASE to explain one" in result.output


def test_a_phrase_from_the_main_menu_in_a_played_call_reaches_the_desk(run_cli: Run) -> None:
    result = run_cli(
        simulate_command,
        ["--to", BRENA, "--at", "2026-11-18 10:00", "--press", '"olvidé mi contraseña"'],
    )
    assert result.exit_code == 0, result.output
    assert lines(result.output)[-4:] == [
        "   says: Le comunicamos con Help Desk.",
        "   -> TRANSFER to queue helpdesk (Help Desk, node help-desk, line central)",
        "",
        "Result: transferred to queue helpdesk.",
    ]


# -- the first option within about 30 words (12 s), at any instant --------------------------
FIRST_OPTION = re.compile(
    r"^   \((\d+) words, \d+ s(?:; first option after (\d+) words, \d+ s)?\)$"
)


def lead_ins(output: str) -> list[int]:
    """Return, per answer that offers options, the words a caller hears before the first."""
    found = [FIRST_OPTION.match(line) for line in lines(output)]
    return [int(m.group(2)) for m in found if m is not None and m.group(2) is not None]


@pytest.mark.parametrize(
    ("at", "closure", "override", "expected"),
    [
        # greeting, student menu, then what asking for Help Desk answers (the desk's menu
        # says nothing before its options when open: the call is transferred)
        pytest.param("2026-11-18 10:00", False, False, [10, 0], id="weekday-10:00"),
        pytest.param("2026-11-21 15:00", False, False, [22, 0, 28, 0], id="saturday-15:00"),
        pytest.param("2026-07-28 10:00", False, False, [28, 0, 28, 0], id="national-holiday"),
        pytest.param("2026-11-18 23:00", False, False, [18, 0, 27, 0], id="weekday-23:00"),
        pytest.param("2026-11-18 10:00", True, False, [23, 0, 27, 0], id="closure"),
        pytest.param("2026-11-18 10:00", False, True, [19, 0, 23, 0], id="override"),
    ],
)
def test_the_first_option_comes_within_30_words_at_every_step(
    make_app: Callable[..., Flask],
    config_dir: Path,
    at: str,
    closure: bool,
    override: bool,
    expected: list[int],
) -> None:
    if closure:
        central = config_dir / "schedules" / "central.yaml"
        text = central.read_text(encoding="utf-8")
        central.write_text(
            text.replace(
                "closures: []",
                "closures:\n  - date: 2026-11-18\n    label: Aniversario de la universidad",
            ),
            encoding="utf-8",
        )
    app = make_app()
    if override:
        app.extensions["ivr"].override_store.set(
            "Por una emergencia la central está cerrada.",
            until=datetime(2026, 11, 18, 12, tzinfo=LIMA),
            set_at=datetime(2026, 11, 18, 9, tzinfo=LIMA),
        )
    # the main menu, the student menu, Help Desk, then the channels a closed desk offers
    result = app.test_cli_runner().invoke(
        simulate_command, ["--to", BRENA, "--at", at, "--press", "2,1,1", "--words"]
    )
    assert result.exit_code == 0, result.output
    assert lead_ins(result.output) == expected
    assert max(expected) <= LEAD_IN_WORDS
