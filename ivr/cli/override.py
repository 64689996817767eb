"""``ivr override set|clear|show``: close every line now, for an emergency, without YAML.

The store and "now" are the running app's (``current_runtime()``), so the webhooks and these
commands see one override on one clock; setting and clearing are the actions of
``ivr.actions.override``, audited as the console's are.
"""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from ivr.actions.override import clear_override, set_override
from ivr.cli.acting import operator, refusals
from ivr.cli.params import LIMA_INSTANT
from ivr.core.schedule.listing import describe_override
from ivr.runtime import current_runtime


@click.group("override")
def override_group() -> None:
    """Close every line now with a message (an emergency), without editing the YAML."""


@override_group.command("set")
@click.option("--message", required=True, help="What callers hear, in Spanish.")
@click.option(
    "--until",
    type=LIMA_INSTANT,
    help="Lima time at which the lines reopen by themselves (default: until cleared).",
)
@with_appcontext
def override_set(message: str, until: datetime | None) -> None:
    """Close every line from now on, until --until or until 'ivr override clear'."""
    runtime = current_runtime()
    with refusals(message="'--message'", until="'--until'"):
        override = set_override(runtime, operator(), message, until)
    click.echo(describe_override(override, runtime.now()))


@override_group.command("clear")
@with_appcontext
def override_clear() -> None:
    """Remove the emergency override: the schedules decide again."""
    with refusals():
        cleared = clear_override(current_runtime(), operator())
    if cleared is not None:
        click.echo("Emergency override cleared: the schedules decide again.")
    else:
        click.echo("There was no emergency override.")


@override_group.command("show")
@with_appcontext
def override_show() -> None:
    """Say whether an emergency override closes the lines now."""
    runtime = current_runtime()
    click.echo(describe_override(runtime.override_store.get(), runtime.now()))
