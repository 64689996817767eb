"""``ivr schedule``: the open and closed windows and the message swaps ahead, in Lima time.

The schedules, the override and "now" are the running app's (``current_runtime()``).
"""

from __future__ import annotations

from datetime import date, datetime, time

import click
from flask.cli import with_appcontext

from ivr.cli.params import CALENDAR_DATE
from ivr.clock import LIMA
from ivr.core.schedule.listing import render_schedule
from ivr.core.schedule.model import DEFAULT_LINE
from ivr.runtime import current_runtime


@click.command("schedule")
@click.option("--from", "first", type=CALENDAR_DATE, help="First day (default: today in Lima).")
@click.option("--days", type=click.IntRange(1, 366), default=14, show_default=True)
@click.option("--line", default=DEFAULT_LINE, show_default=True, help="Which line.")
@with_appcontext
def schedule_command(first: date | None, days: int, line: str) -> None:
    """List the open and closed windows and the message swaps ahead, in Lima time."""
    runtime = current_runtime()
    schedules = runtime.schedules
    now = runtime.now()
    if line not in schedules.line_names:
        raise click.BadParameter(
            f"unknown line '{line}'; the lines are: {', '.join(schedules.line_names)}",
            param_hint="'--line'",
        )
    start = datetime.combine(first or now.date(), time(0), tzinfo=LIMA)
    override = runtime.override_store.get(now)
    if override is not None and override.until is not None and override.until <= start:
        override = None
    click.echo(render_schedule(schedules, start, days, line=line, override=override), nl=False)
