"""``ivr override set|clear|show``: close every line now, for an emergency, without YAML.

The store and "now" are the running app's (``current_runtime()``), so the webhooks and these
commands see one override on one clock.
"""

from __future__ import annotations

import logging
from datetime import datetime

import click
from flask.cli import with_appcontext

from ivr.cli.params import LIMA_INSTANT
from ivr.core.schedule.listing import describe_override
from ivr.runtime import current_runtime

log = logging.getLogger(__name__)


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
    now = runtime.now()
    if until is not None and until <= now:
        raise click.BadParameter(
            f"{until:%Y-%m-%d %H:%M} is not in the future (it is now {now:%Y-%m-%d %H:%M} in Lima)",
            param_hint="'--until'",
        )
    try:
        override = runtime.override_store.set(message, until, now)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--message'") from exc
    log.warning(
        "emergency override set: every line closed until %s",
        override.until.isoformat() if override.until else "cleared",
    )
    click.echo(describe_override(override, now))


@override_group.command("clear")
@with_appcontext
def override_clear() -> None:
    """Remove the emergency override: the schedules decide again."""
    if current_runtime().override_store.clear():
        log.warning("emergency override cleared")
        click.echo("Emergency override cleared: the schedules decide again.")
    else:
        click.echo("There was no emergency override.")


@override_group.command("show")
@with_appcontext
def override_show() -> None:
    """Say whether an emergency override closes the lines now."""
    runtime = current_runtime()
    click.echo(describe_override(runtime.override_store.get(), runtime.now()))
