"""Operator and admin commands: ``flask --app app ivr ...``.

The group is registered as a Flask CLI plugin (see pyproject.toml), so commands that only read
files, like ``ivr check``, work even when the configuration is too broken to start the app.
"""

from __future__ import annotations

import os
import sys

import click

from ivr import clock
from ivr.cli.callbacks import callbacks_group
from ivr.cli.db import db_group
from ivr.cli.fallback import fallback_command
from ivr.cli.graph import graph_command
from ivr.cli.ledger import ledger_group, statement_command
from ivr.cli.schedule import override_group, schedule_command
from ivr.cli.simulate import simulate_command
from ivr.config.errors import ConfigError
from ivr.config.loader import load_config
from ivr.core.schedule.listing import describe_override
from ivr.core.schedule.snapshot import take_snapshot
from ivr.observability.demo import simulate_command as simulate_calls_command
from ivr.observability.report import report_command
from ivr.scheduler import scheduler_command
from ivr.settings import load_settings
from ivr.storage.override import read_override


@click.group("ivr")
def ivr() -> None:
    """Operate the IVR: check files, simulate calls, see schedules, manage the ledger."""
    # Operator commands may load the app on a machine without the Twilio token: they do not
    # serve calls, so the app need not refuse to start (webhooks would still answer 403).
    os.environ.setdefault("IVR_CLI", "1")


ivr.add_command(simulate_command)
ivr.add_command(graph_command)
ivr.add_command(scheduler_command)
ivr.add_command(ledger_group)
ivr.add_command(statement_command)
ivr.add_command(override_group)
ivr.add_command(report_command)
ivr.add_command(simulate_calls_command)
ivr.add_command(schedule_command)
ivr.add_command(db_group)
ivr.add_command(fallback_command)
ivr.add_command(callbacks_group)


@ivr.command("check")
def check() -> None:
    """Validate every operator file; exit non-zero with located messages if anything is wrong."""
    settings = load_settings()
    try:
        config = load_config(settings.config_dir)
    except ConfigError as error:
        count = len(error.problems)
        click.echo(
            f"{count} problem{'s' if count != 1 else ''} in {settings.config_dir}:", err=True
        )
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    menus = config.menus
    click.echo(f"OK: {settings.config_dir}")
    click.echo(
        f"  campuses.yaml: {len(config.directory.campuses)} campuses on "
        f"{len(config.directory.lines)} numbers"
    )
    click.echo(f"  menus/: {len(menus.nodes)} nodes, starting at '{menus.settings.start}'")
    now = clock.now()
    override = read_override(settings.database_url, now)
    snapshot = take_snapshot(config.schedules, now, override)  # what the webhooks see now
    for name, state in snapshot.lines:
        shown = "OPEN" if state.open else "CLOSED"
        click.echo(f"  schedules/{name}.yaml: {shown} now ({state.reason})")
    click.echo(f"  billing/: {'present' if config.billing else 'absent: self-service is off'}")
    click.echo("  " + describe_override(override, now).replace("\n", "\n  "))
    names = snapshot.active.names
    click.echo(f"  active messages: {', '.join(names) if names else 'none'}")
