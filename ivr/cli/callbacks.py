"""``ivr callbacks list|done``: the callback requests callers left while waiting for a desk.

The desk's lead lists the pending requests (oldest first), calls them back, and marks each one
done. The numbers are shown whole here, to the operator who must dial them; logs and call
records never hold them whole. Marking one is the action ``ivr.actions.callbacks.mark_callback``,
audited as the console's is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.actions.callbacks import mark_callback
from ivr.cli.acting import operator, refusals
from ivr.clock import to_lima
from ivr.runtime import current_runtime
from ivr.storage.callbacks import CALLBACK_STATUSES, Callback, CallbackStore
from ivr.storage.database import STORE_ERRORS, describe

COLUMNS = ("id", "requested_at", "desk", "campus", "number", "status", "attempts")


def _row(callback: Callback) -> tuple[str, ...]:
    return (
        str(callback.id),
        to_lima(callback.requested_at).strftime("%Y-%m-%d %H:%M"),
        callback.desk,
        callback.campus,
        callback.number,
        callback.status,
        str(callback.attempts),
    )


@click.group("callbacks")
def callbacks_group() -> None:
    """Callback requests left by callers waiting for a desk."""


@callbacks_group.command("list")
@click.option("--desk", help="Only this desk (its Twilio queue name, e.g. helpdesk).")
@click.option(
    "--status",
    type=click.Choice(CALLBACK_STATUSES),
    default="pending",
    show_default=True,
    help="Only requests in this state.",
)
@click.option("--all", "every", is_flag=True, help="Every request, whatever its state.")
@click.option(
    "--csv",
    "csv_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write them to this CSV file.",
)
@with_appcontext
def list_command(desk: str | None, status: str, every: bool, csv_file: Path | None) -> None:
    """List callback requests, oldest first (pending ones unless --status or --all)."""
    store: CallbackStore = current_runtime().callbacks
    try:
        found = store.list(desk=desk, status=None if every else status)
    except STORE_ERRORS as error:
        raise click.ClickException(f"cannot read the callbacks: {describe(error)}") from None
    rows = [_row(callback) for callback in found]
    if not rows:
        click.echo("No callback requests" + (f" for {desk}" if desk else "") + ".")
    else:
        widths = [max(len(r[i]) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
        for row in [COLUMNS, *rows]:
            click.echo(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )
    if csv_file:
        with csv_file.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(COLUMNS)
            writer.writerows(rows)
        click.echo(f"Wrote {len(rows)} requests to {csv_file}")


@callbacks_group.command("done")
@click.argument("callback_id", type=int)
@click.option(
    "--status",
    type=click.Choice(["done", "called", "abandoned", "pending"]),
    default="done",
    show_default=True,
    help="called: tried, to try again; abandoned: given up.",
)
@with_appcontext
def done_command(callback_id: int, status: str) -> None:
    """Mark a callback request as done (or another state)."""
    try:
        with refusals(status="'--status'"):
            mark_callback(current_runtime(), operator(), callback_id, status)
    except STORE_ERRORS as error:
        raise click.ClickException(f"cannot update the callback: {describe(error)}") from None
    click.echo(f"Callback {callback_id}: {status}.")
