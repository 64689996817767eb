"""The option types for a Lima instant and a date: every accepted form, one message for the rest."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import click
import pytest
from click.testing import CliRunner
from flask import Flask

from ivr.cli import ivr
from ivr.cli.params import CALENDAR_DATE, LIMA_INSTANT


@click.command()
@click.option("--at", type=LIMA_INSTANT)
@click.option("--day", type=CALENDAR_DATE)
def probe(at: datetime | None, day: date | None) -> None:
    """Echo what the options became."""
    click.echo(f"at={at.isoformat() if at else None} day={day.isoformat() if day else None}")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(probe, list(args))
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-02 22:00", "2026-12-02T22:00:00-05:00"),
        ("2026-12-02T22:00", "2026-12-02T22:00:00-05:00"),
        ("2026-12-02 9:05", "2026-12-02T09:05:00-05:00"),
        ("  2026-12-02 22:00 ", "2026-12-02T22:00:00-05:00"),
        ("2026-12-31 23:59", "2026-12-31T23:59:00-05:00"),
    ],
    ids=["space", "T", "one-digit-hour", "padded", "last-minute-of-the-year"],
)
def test_an_instant_is_read_in_lima_time(text: str, expected: str) -> None:
    assert run("--at", text) == (0, f"at={expected} day=None\n")


@pytest.mark.parametrize(
    "text",
    [
        "mañana",
        "18:00",
        "2026-12-02",
        "2026-13-01 10:00",
        "2026-02-30 10:00",
        "2026-12-02 24:00",
        "2026-12-02 10:60",
        "2026-12-02 10:00:30",
        "02/12/2026 10:00",
        "",
    ],
    ids=[
        "a-word",
        "time-only",
        "date-only",
        "month-13",
        "30-february",
        "hour-24",
        "minute-60",
        "seconds",
        "day-first",
        "empty",
    ],
)
def test_a_bad_instant_says_how_to_write_one(text: str) -> None:
    code, output = run("--at", text)
    assert code == 2
    assert output.splitlines()[-1] == (
        f"Error: Invalid value for '--at': '{text}' is not a date and time: "
        'write it as "YYYY-MM-DD HH:MM" (Lima time)'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-21", "2026-11-21"),
        (" 2026-11-21 ", "2026-11-21"),
        ("2026-1-5", "2026-01-05"),
        ("20261121", "2026-11-21"),
        ("2026-W47-6", "2026-11-21"),
    ],
    ids=["iso", "padded", "one-digit-month-and-day", "iso-basic", "iso-week"],
)
def test_a_date_is_read(text: str, expected: str) -> None:
    assert run("--day", text) == (0, f"at=None day={expected}\n")


@pytest.mark.parametrize(
    "text",
    ["2026-13-01", "2026-02-30", "21/11/2026", "2026-11-21 10:00", "hoy", ""],
    ids=["month-13", "30-february", "day-first", "with-a-time", "a-word", "empty"],
)
def test_a_bad_date_says_how_to_write_one(text: str) -> None:
    code, output = run("--day", text)
    assert code == 2
    assert output.splitlines()[-1] == (
        f"Error: Invalid value for '--day': '{text}' is not a date: write it as YYYY-MM-DD"
    )


def test_the_help_shows_the_forms() -> None:
    output = CliRunner().invoke(probe, ["--help"]).output
    assert '--at "YYYY-MM-DD HH:MM"' in output
    assert "--day YYYY-MM-DD" in output


INSTANT = 'is not a date and time: write it as "YYYY-MM-DD HH:MM" (Lima time)'
DATE = "is not a date: write it as YYYY-MM-DD"


@pytest.mark.parametrize(
    ("args", "option", "message"),
    [
        (["simulate", "--to", "+5116044700", "--at", "2026-13-01 10:00"], "--at", INSTANT),
        (["graph", "--at", "2026-13-01 10:00"], "--at", INSTANT),
        (["override", "set", "--message", "Corte.", "--until", "2026-13-01 10:00"], "--until",
         INSTANT),
        (["schedule", "--from", "2026-13-01"], "--from", DATE),
        (["statement", "N00012345", "--as-of", "2026-13-01"], "--as-of", DATE),
        (["report", "--from", "2026-13-01"], "--from", DATE),
        (["report", "--to", "2026-13-01"], "--to", DATE),
        (["simulate-calls", "--day", "2026-13-01", "--into", "x.sqlite3"], "--day", DATE),
    ],
    ids=["simulate", "graph", "override", "schedule", "statement", "report-from", "report-to",
         "simulate-calls"],
)  # fmt: skip
def test_every_command_uses_the_types(
    make_app: Callable[..., Flask], args: list[str], option: str, message: str
) -> None:
    value = args[args.index(option) + 1]
    result = make_app().test_cli_runner().invoke(ivr, args)
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == (
        f"Error: Invalid value for '{option}': '{value}' {message}"
    )
