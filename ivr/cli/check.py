"""``ivr check``: validate every operator file, and say what the lines do now.

It reads the files itself instead of the running app's runtime, so that it answers (with every
problem, located) even when the configuration is too broken for the app to start.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ivr import clock
from ivr.config.errors import ConfigError, Problem
from ivr.config.loader import load_config
from ivr.core.schedule.listing import describe_override
from ivr.core.schedule.snapshot import take_snapshot
from ivr.settings import SettingsError, load_settings
from ivr.storage.database import DatabaseError, database_status
from ivr.storage.override import read_override


@click.command("check")
def check_command() -> None:
    """Validate every operator file; exit non-zero with located messages if anything is wrong."""
    try:
        settings = load_settings()
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    try:
        config = load_config(settings.config_dir)
    except ConfigError as error:
        count = len(error.problems)
        click.echo(
            f"{count} problem{'s' if count != 1 else ''} in {settings.config_dir}:", err=True
        )
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        _warnings(error.warnings)
        sys.exit(1)
    _warnings(config.warnings)
    try:
        database = database_status(settings.database_url)
    except DatabaseError as error:
        click.echo(f"{error} (the operator files in {settings.config_dir} are valid)", err=True)
        sys.exit(1)
    menus = config.menus
    click.echo(f"OK: {settings.config_dir}")
    click.echo(
        f"  campuses.yaml: {len(config.directory.campuses)} campuses on "
        f"{len(config.directory.lines)} numbers"
    )
    click.echo(f"  menus/: {len(menus.nodes)} nodes, starting at '{menus.settings.start}'")
    now = clock.now()  # no runtime here (see above): the one clock seam directly
    override = read_override(settings.database_url, now)
    snapshot = take_snapshot(config.schedules, now, override)  # what the webhooks see now
    for name, state in snapshot.lines:
        shown = "OPEN" if state.open else "CLOSED"
        click.echo(f"  schedules/{name}.yaml: {shown} now ({state.reason})")
    click.echo(f"  billing/: {'present' if config.billing else 'absent: self-service is off'}")
    click.echo("  " + describe_override(override, now).replace("\n", "\n  "))
    names = snapshot.active.names
    click.echo(f"  active messages: {', '.join(names) if names else 'none'}")
    click.echo(f"  {database}")


def _warnings(warnings: Sequence[Problem]) -> None:
    """Print warnings (the files still work): ``file:line: path: warning: what (hint)``."""
    if not warnings:
        return
    count = len(warnings)
    click.echo(f"{count} warning{'s' if count != 1 else ''}:", err=True)
    for warning in warnings:
        where = f"{warning.file}:{warning.line}" if warning.line else warning.file
        path = f" {warning.path}:" if warning.path else ""
        hint = f" ({warning.hint})" if warning.hint else ""
        click.echo(f"  {where}:{path} warning: {warning.message}{hint}", err=True)
