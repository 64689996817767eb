"""``ivr report``: calls per campus and node, where callers give up, after hours, self-service.

The numbers and their definitions are ``ivr.observability.report``'s; this prints them for a
range of Lima days from the running app's call records (or another records file).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.cli.params import CALENDAR_DATE
from ivr.cli.reminders import tallies_text
from ivr.observability.aggregates import desk_callbacks, sql_report
from ivr.observability.calls import CallHistory, SqlCallRecorder, SqliteCallRecorder
from ivr.observability.deskfigures import desk_table
from ivr.observability.report import (
    day_bounds,
    render,
    summarise,
    write_calls_csv,
    write_summary_csv,
)
from ivr.runtime import current_runtime
from ivr.storage.database import STORE_ERRORS, describe


@click.command("report")
@click.option("--from", "first", type=CALENDAR_DATE, help="First Lima day.")
@click.option("--to", "last", type=CALENDAR_DATE, help="Last Lima day.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write the numbers as section,key,value rows.",
)
@click.option(
    "--calls-csv",
    "calls_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write one row per call.",
)
@click.option(
    "--records",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Read another call records file (e.g. one written by simulate-calls).",
)
@with_appcontext
def report_command(
    first: date | None,
    last: date | None,
    csv_file: Path | None,
    calls_file: Path | None,
    records: Path | None,
) -> None:
    """Show calls per campus and node, where callers give up, after-hours and self-service.

    Days are Lima days, both inclusive: --to defaults to today, --from to --to.
    """
    runtime = current_runtime()
    history: object = SqliteCallRecorder(records) if records else runtime.calls
    if not isinstance(history, CallHistory):
        raise click.ClickException("this deployment keeps no call records")
    last = last or runtime.now().date()
    first = first or last
    if first > last:
        raise click.BadParameter(f"{first} is after --to {last}", param_hint="--from")
    start, end = day_bounds(first, last)
    now = runtime.now()
    try:
        if isinstance(history, SqlCallRecorder):  # added up by the database, not call by call
            report = sql_report(history.engine, first, last, now)
        else:  # another records file: the callbacks are still the shared database's
            report = summarise(history.calls(start, end), first, last, now)
            report = replace(report, callbacks=desk_callbacks(runtime.desks, start, end))
        table = desk_table(
            history.calls(start, end), runtime.desks, start, end, runtime.config.queues
        )
    except STORE_ERRORS as error:
        raise click.ClickException(f"cannot read the call records: {describe(error)}") from None
    report = replace(report, desk_table=table)
    click.echo(render(report), nl=False)
    try:
        click.echo(tallies_text(runtime, first, last), nl=False)
    except STORE_ERRORS as error:
        raise click.ClickException(f"cannot read the reminders: {describe(error)}") from None
    if csv_file:
        with csv_file.open("w", newline="", encoding="utf-8") as out:
            write_summary_csv(report, out)
        click.echo(f"Wrote {csv_file}")
    if calls_file:
        with calls_file.open("w", newline="", encoding="utf-8") as out:
            write_calls_csv(history.calls(start, end), out, now)
        click.echo(f"Wrote {calls_file}")
