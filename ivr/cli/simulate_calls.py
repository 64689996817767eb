"""``ivr simulate-calls``: a day of simulated call records, for trying ``ivr report``.

The callers are ``ivr.observability.demo``'s, walking the operator files' menus and dialling their
directory; this writes them into a file of their own, never the live call records, and needs no
running app.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from ivr.cli.params import CALENDAR_DATE
from ivr.config.errors import ConfigError
from ivr.config.loader import load_config
from ivr.observability.calls import SqliteCallRecorder
from ivr.observability.demo import Scenario, simulate_day
from ivr.settings import load_settings


@click.command("simulate-calls")
@click.option("--day", required=True, type=CALENDAR_DATE, help="A Lima day.")
@click.option("--calls", default=200, show_default=True, help="How many calls.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same calls.")
@click.option(
    "--into",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A call records file for the demo (never the live one).",
)
def simulate_calls_command(day: date, calls: int, seed: int, into: Path) -> None:
    """Write a day of simulated calls into a separate call records file.

    Then: ``ivr report --from DAY --records FILE``.
    """
    try:
        config = load_config(load_settings().config_dir)
        Scenario.of(config.menus, config.directory)  # before the file is made
    except (ConfigError, ValueError) as error:
        click.echo(f"Error: cannot simulate calls: {error}", err=True)
        sys.exit(1)
    recorder = SqliteCallRecorder(into)
    try:
        sids = simulate_day(recorder, day, config.menus, config.directory, calls=calls, seed=seed)
    finally:
        recorder.close()
    click.echo(f"Recorded {len(sids)} simulated calls on {day.isoformat()} in {into}")
