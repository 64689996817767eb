"""``ivr override set|clear|show`` and ``ivr schedule``: exact output through Flask's runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time

import pytest
from click.testing import Result
from flask import Flask

from ivr.cli import ivr
from ivr.clock import LIMA
from ivr.core.schedule import (
    Interval,
    MessageSwap,
    Override,
    Schedules,
    SpecialHours,
    default_schedules,
    render_schedule,
)
from ivr.storage.override import OverrideStore


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=LIMA)  # type: ignore[misc,arg-type]


NOCHEBUENA = "Hoy atendemos hasta la 1 de la tarde."
SCHEDULES = Schedules(
    lines=(
        replace(
            default_schedules().line("central"),
            special_hours=(
                SpecialHours(
                    date(2026, 12, 24), (Interval(time(9), time(13)),), "Nochebuena", NOCHEBUENA
                ),
            ),
        ),
    ),
    messages=(
        MessageSwap("fuera_de_horario", "greeting", "La central está cerrada.", when="closed"),
    ),
)


class Cli:
    """The app with SCHEDULES for its configuration, on a clock the test moves."""

    def __init__(self, make_app: Callable[..., Flask]) -> None:
        self.now = at(2026, 3, 4, 10, 5)
        app = make_app(CLOCK=lambda: self.now)
        runtime = app.extensions["ivr"]
        runtime.config = replace(runtime.config, schedules=SCHEDULES)
        self.store: OverrideStore = runtime.override_store
        self.runner = app.test_cli_runner()

    def __call__(self, *args: str) -> Result:
        return self.runner.invoke(ivr, list(args))


@pytest.fixture
def cli(make_app: Callable[..., Flask]) -> Cli:
    return Cli(make_app)


def test_override_show_when_none(cli: Cli) -> None:
    result = cli("override", "show")
    assert (result.exit_code, result.output) == (0, "No emergency override.\n")


def test_override_set_until_then_show_then_expire(cli: Cli) -> None:
    result = cli("override", "set", "--message", "Corte de luz.", "--until", "2026-03-04 18:00")
    assert (result.exit_code, result.output) == (
        0,
        "Emergency override ACTIVE: every line closed from Wed 2026-03-04 10:05 until "
        "Wed 2026-03-04 18:00.\nMessage: Corte de luz.\n",
    )
    assert cli.store.get() == Override("Corte de luz.", at(2026, 3, 4, 10, 5), at(2026, 3, 4, 18))
    cli.now = at(2026, 3, 4, 17, 59)
    assert cli("override", "show").output.startswith("Emergency override ACTIVE")
    cli.now = at(2026, 3, 4, 18)
    assert cli("override", "show").output == (
        "No emergency override (the last one ended Wed 2026-03-04 18:00).\n"
    )


def test_override_set_until_cleared_then_clear(cli: Cli) -> None:
    result = cli("override", "set", "--message", "Simulacro de sismo.")
    assert result.output == (
        "Emergency override ACTIVE: every line closed from Wed 2026-03-04 10:05 until "
        "cleared.\nMessage: Simulacro de sismo.\n"
    )
    cleared = cli("override", "clear")
    assert (cleared.exit_code, cleared.output) == (
        0,
        "Emergency override cleared: the schedules decide again.\n",
    )
    assert cli.store.get() is None
    again = cli("override", "clear")
    assert (again.exit_code, again.output) == (0, "There was no emergency override.\n")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            ("--message", "Corte.", "--until", "2026-03-04 10:00"),
            "Error: Invalid value for '--until': 2026-03-04 10:00 is not in the future "
            "(it is now 2026-03-04 10:05 in Lima)",
            id="until-in-the-past",
        ),
        pytest.param(
            ("--message", "Corte.", "--until", "18:00"),
            "Error: Invalid value for '--until': '18:00' is not a date and time: "
            'write it as "YYYY-MM-DD HH:MM" (Lima time)',
            id="until-without-date",
        ),
        pytest.param(
            ("--message", "  "),
            "Error: Invalid value for '--message': the message must not be empty",
            id="empty-message",
        ),
        pytest.param(
            ("--until", "2026-03-04 18:00"),
            "Error: Missing option '--message'.",
            id="no-message",
        ),
    ],
)
def test_override_set_refuses(cli: Cli, args: tuple[str, ...], error: str) -> None:
    result = cli("override", "set", *args)
    assert result.exit_code == 2
    assert result.output.rstrip("\n").splitlines()[-1] == error
    assert cli.store.get() is None


EXPECTED_24_DECEMBER = """\
Line 'central' from Thu 2026-12-24 00:00 to Fri 2026-12-25 00:00 (America/Lima)
Weekly hours: {central_hours}

Thu 2026-12-24 00:00 -> Thu 2026-12-24 09:00  closed  special hours: Nochebuena
                                              "Hoy atendemos hasta la 1 de la tarde."
Thu 2026-12-24 09:00 -> Thu 2026-12-24 13:00  OPEN    special hours: Nochebuena
                                              "Hoy atendemos hasta la 1 de la tarde."
Thu 2026-12-24 13:00 -> Fri 2026-12-25 00:00  closed  special hours: Nochebuena
                                              "Hoy atendemos hasta la 1 de la tarde."

Message swaps (when each message is active):
Thu 2026-12-24 00:00 -> Thu 2026-12-24 09:00  greeting      fuera_de_horario
Thu 2026-12-24 13:00 -> Fri 2026-12-25 00:00  greeting      fuera_de_horario

fuera_de_horario: "La central está cerrada."
""".format(
    central_hours="de lunes a viernes de 9 de la mañana a 9 de la noche, "
    "y los sábados de 9 de la mañana a 2 de la tarde"
)


def test_schedule_from_a_date(cli: Cli) -> None:
    result = cli("schedule", "--from", "2026-12-24", "--days", "1", "--line", "central")
    assert (result.exit_code, result.output) == (0, EXPECTED_24_DECEMBER)


def test_schedule_defaults_to_today_for_fourteen_days(cli: Cli) -> None:
    result = cli("schedule")
    assert result.exit_code == 0
    assert result.output.splitlines()[0] == (
        "Line 'central' from Wed 2026-03-04 00:00 to Wed 2026-03-18 00:00 (America/Lima)"
    )
    assert result.output == render_schedule(SCHEDULES, at(2026, 3, 4), 14)


def test_schedule_shows_the_active_override(cli: Cli) -> None:
    cli("override", "set", "--message", "Corte de luz.", "--until", "2026-03-04 12:00")
    lines = cli("schedule", "--days", "1").output.splitlines()
    assert lines[2] == (
        "Emergency override: every line closed from Wed 2026-03-04 10:05 "
        "until Wed 2026-03-04 12:00."
    )
    assert lines[6:8] == [
        "Wed 2026-03-04 10:05 -> Wed 2026-03-04 12:00  closed  EMERGENCY OVERRIDE",
        '                                              "Corte de luz."',
    ]


def test_schedule_ignores_an_expired_override(cli: Cli) -> None:
    cli("override", "set", "--message", "Corte de luz.", "--until", "2026-03-04 12:00")
    cli.now = at(2026, 3, 5, 8)
    output = cli("schedule", "--days", "1").output
    assert "EMERGENCY" not in output
    assert "Emergency override" not in output


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            ("--line", "admisiones"),
            "Error: Invalid value for '--line': unknown line 'admisiones'; the lines are: central",
            id="unknown-line",
        ),
        pytest.param(
            ("--from", "24/12/2026"),
            "Error: Invalid value for '--from': '24/12/2026' is not a date: write it as YYYY-MM-DD",
            id="bad-date",
        ),
        pytest.param(
            ("--days", "0"),
            "Error: Invalid value for '--days': 0 is not in the range 1<=x<=366.",
            id="zero-days",
        ),
    ],
)
def test_schedule_refuses(cli: Cli, args: tuple[str, ...], error: str) -> None:
    result = cli("schedule", *args)
    assert result.exit_code == 2
    assert result.output.rstrip("\n").splitlines()[-1] == error


def test_closures_add_list_schedule_remove(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGNAME", "root")  # who runs the command, as the audit log names them
    added = cli(
        "closures", "add", "--line", "central", "--from", "2026-03-05", "--label", "Huelga",
        "--message", "Por una huelga, la central está cerrada.",
    )  # fmt: skip
    assert (added.exit_code, added.output) == (
        0,
        "Added #1: línea central, cerrada el jueves 5 de marzo «Huelga»; "
        "mensaje: «Por una huelga, la central está cerrada.»\n",
    )
    listed = cli("closures", "list")
    assert listed.output == (
        "#1 línea central, cerrada el jueves 5 de marzo «Huelga»; "
        "mensaje: «Por una huelga, la central está cerrada.» (by cli:root)\n"
    )
    shown = cli("schedule", "--from", "2026-03-05", "--days", "1")
    assert shown.exit_code == 0
    assert "Huelga" in shown.output and "09:00" not in shown.output
    removed = cli("closures", "remove", "1")
    assert removed.output.startswith("Removed #1: línea central")
    assert cli("closures", "list").output == "No closures or special hours stored.\n"
    again = cli("closures", "remove", "1")
    assert (again.exit_code, again.output) == (
        1,
        "Error: there is no stored closure or special hours #1 (see 'ivr closures list')\n",
    )


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(
            ("add", "--from", "2026-03-03", "--message", "Cerrado."),
            "Error: Invalid value for '--from': 2026-03-03 is past (today is 2026-03-04 in Lima)",
            id="closure-in-the-past",
        ),
        pytest.param(
            (
                "hours",
                "--date",
                "2026-12-24",
                "--from",
                "14:00",
                "--until",
                "18:00",
                "--label",
                "X",
            ),
            "Error: Invalid value for '--date': 2026-12-24 already has special hours on line "
            "central (Nochebuena)",
            id="hours-given-twice",
        ),
        pytest.param(
            ("hours", "--date", "2026-03-07", "--from", "14:00", "--until", "2pm", "--label", "X"),
            "Error: Invalid value for '--until': '2pm' is not a time of day "
            "(write it as 'HH:MM', e.g. '09:00')",
            id="not-a-time",
        ),
    ],
)
def test_closures_refuse_by_option(cli: Cli, args: tuple[str, ...], error: str) -> None:
    result = cli("closures", *args)
    assert result.exit_code == 2
    assert result.output.rstrip("\n").splitlines()[-1] == error
    assert cli("closures", "list").output == "No closures or special hours stored.\n"
