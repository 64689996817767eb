"""``ivr closures add|hours|list|remove``: close a line, or give it other hours, without YAML.

The entries are stored in the shared database and heard on every host within a second, beside
the closures and special hours of ``schedules/*.yaml``; adding and removing are the actions of
``ivr.actions.closures``, checked as ``ivr check`` checks the files and audited as the
console's are. ``ivr schedule`` shows them.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ivr.actions.closures import add_closure, add_special_hours, describe_entry, remove_closure
from ivr.cli.acting import operator, refusals
from ivr.runtime import current_runtime
from ivr.storage.closures import ClosureStore

_LINE = click.option(
    "--line", default="", help="Which line (a file in schedules/); default: every line."
)
_LABEL = "A short name shown in the tools; callers hear it when there is no message."


@click.group("closures")
def closures_group() -> None:
    """Closures and special hours added without editing schedules/*.yaml."""


@closures_group.command("add")
@_LINE
@click.option("--from", "first", required=True, help="First day closed, YYYY-MM-DD (Lima).")
@click.option("--until", "last", default="", help="Last day closed (default: the first day).")
@click.option("--message", required=True, help="Why it is closed, as callers hear it (usted).")
@click.option("--label", default="", help=_LABEL)
@with_appcontext
def closures_add(line: str, first: str, last: str, message: str, label: str) -> None:
    """Close a line (or every line) all day, from --from to --until."""
    options = {"line": "'--line'", "first": "'--from'", "last": "'--until'"}
    with refusals(**options, message="'--message'", label="'--label'"):
        entry = add_closure(
            current_runtime(),
            operator(),
            line=line,
            first=first,
            last=last,
            label=label,
            message=message,
        )
    click.echo(f"Added #{entry.id}: {describe_entry(entry)}")


@closures_group.command("hours")
@_LINE
@click.option("--date", "day", required=True, help="The day, YYYY-MM-DD (Lima).")
@click.option("--from", "opens", required=True, help="Opening time, HH:MM (Lima).")
@click.option("--until", "closes", required=True, help="Closing time, HH:MM (the first closed).")
@click.option("--label", required=True, help=_LABEL)
@click.option("--message", default="", help="What callers hear outside these hours that day.")
@with_appcontext
def closures_hours(line: str, day: str, opens: str, closes: str, label: str, message: str) -> None:
    """Give a line (or every line) these hours on one day instead of the weekly ones."""
    with refusals(
        line="'--line'",
        day="'--date'",
        opens="'--from'",
        closes="'--until'",
        label="'--label'",
        message="'--message'",
    ):
        entry = add_special_hours(
            current_runtime(),
            operator(),
            line=line,
            day=day,
            opens=opens,
            closes=closes,
            label=label,
            message=message,
        )
    click.echo(f"Added #{entry.id}: {describe_entry(entry)}")


@closures_group.command("list")
@click.option("--all", "every", is_flag=True, help="Also those whose days have passed.")
@with_appcontext
def closures_list(every: bool) -> None:
    """List the stored closures and special hours, by first day."""
    runtime = current_runtime()
    today = runtime.now().date()
    entries = [
        entry for entry in ClosureStore(runtime.engine, ttl=0).all() if every or entry.last >= today
    ]
    if not entries:
        click.echo("No closures or special hours stored.")
    for entry in entries:
        click.echo(f"#{entry.id} {describe_entry(entry)} (by {entry.added_by})")


@closures_group.command("remove")
@click.argument("entry_id", type=click.IntRange(min=1), metavar="ID")
@with_appcontext
def closures_remove(entry_id: int) -> None:
    """Remove a stored closure or special hours (its ID from 'ivr closures list')."""
    with refusals():
        entry = remove_closure(current_runtime(), operator(), entry_id)
    click.echo(f"Removed #{entry.id}: {describe_entry(entry)}")
