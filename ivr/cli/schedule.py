"""Operator commands: ``ivr override set|clear|show`` and ``ivr schedule``.

The web layer registers ``override_group`` and ``schedule_command`` into the ``ivr`` group.
They find the configuration, the override store and the clock in
``current_app.extensions["ivr"]`` (attributes ``config.schedules``, ``override_store``,
``clock``), so tests and the running app share one wiring and "now" has one source.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr.clock import LIMA, to_lima
from ivr.core.schedule.listing import describe_override, render_schedule
from ivr.core.schedule.model import DEFAULT_LINE, Schedules, parse_moment
from ivr.storage.override import OverrideStore

log = logging.getLogger(__name__)


@click.group("override")
def override_group() -> None:
    """Close every line now with a message (an emergency), without editing the YAML."""


@override_group.command("set")
@click.option("--message", required=True, help="What callers hear, in Spanish.")
@click.option(
    "--until",
    "until_text",
    metavar='"YYYY-MM-DD HH:MM"',
    help="Lima time at which the lines reopen by themselves (default: until cleared).",
)
@with_appcontext
def override_set(message: str, until_text: str | None) -> None:
    """Close every line from now on, until --until or until 'ivr override clear'."""
    store, now = _store(), _now()
    until = _parse_moment(until_text, "--until") if until_text is not None else None
    if until is not None and until <= now:
        raise click.BadParameter(
            f"{until_text} is not in the future (it is now {now:%Y-%m-%d %H:%M} in Lima)",
            param_hint="'--until'",
        )
    try:
        override = store.set(message, until, now)
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
    if _store().clear():
        log.warning("emergency override cleared")
        click.echo("Emergency override cleared: the schedules decide again.")
    else:
        click.echo("There was no emergency override.")


@override_group.command("show")
@with_appcontext
def override_show() -> None:
    """Say whether an emergency override closes the lines now."""
    click.echo(describe_override(_store().get(), _now()))


@click.command("schedule")
@click.option(
    "--from", "from_text", metavar="YYYY-MM-DD", help="First day (default: today in Lima)."
)
@click.option("--days", type=click.IntRange(1, 366), default=14, show_default=True)
@click.option("--line", default=DEFAULT_LINE, show_default=True, help="Which line.")
@with_appcontext
def schedule_command(from_text: str | None, days: int, line: str) -> None:
    """List the open and closed windows and the message swaps ahead, in Lima time."""
    schedules: Schedules = current_app.extensions["ivr"].config.schedules
    now = _now()
    if line not in schedules.line_names:
        raise click.BadParameter(
            f"unknown line '{line}'; the lines are: {', '.join(schedules.line_names)}",
            param_hint="'--line'",
        )
    first = now.date() if from_text is None else _parse_day(from_text)
    start = datetime.combine(first, time(0), tzinfo=LIMA)
    override = _store().get(now)
    if override is not None and override.until is not None and override.until <= start:
        override = None
    click.echo(render_schedule(schedules, start, days, line=line, override=override), nl=False)


# -- helpers ---------------------------------------------------------------------------------


def _store() -> OverrideStore:
    store: OverrideStore = current_app.extensions["ivr"].override_store
    return store


def _now() -> datetime:
    # ivr.clock: the one seam for "now"; the app (or a test) injects it.
    return to_lima(current_app.extensions["ivr"].clock())


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise click.BadParameter(
            f"'{text}' is not a date; write it as YYYY-MM-DD, e.g. 2026-12-01",
            param_hint="'--from'",
        ) from None


def _parse_moment(text: str, option: str) -> datetime:
    moment = parse_moment(text)
    if moment is None:
        raise click.BadParameter(
            f"'{text}' is not a date and time; write it as \"YYYY-MM-DD HH:MM\" (Lima time)",
            param_hint=f"'{option}'",
        )
    return moment
