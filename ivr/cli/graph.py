"""``ivr graph``: the menu tree as a picture an operator can open, or as indented text."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.cli.params import LIMA_INSTANT
from ivr.console.menumap import render_html, render_svg, render_text
from ivr.core.schedule.snapshot import take_snapshot, when
from ivr.runtime import current_runtime

FORMATS = ("html", "svg", "text")
_SUFFIXES = {".svg": "svg", ".txt": "text", ".text": "text"}


@click.command("graph")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file (the format follows .html, .svg or .txt unless --format says).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="html: a page to open in a browser; svg: the picture alone; text (default on screen).",
)
@click.option(
    "--at",
    type=LIMA_INSTANT,
    help="Show the lines and message swaps at this Lima time (default: now).",
)
@with_appcontext
def graph_command(output: Path | None, fmt: str | None, at: datetime | None) -> None:
    """Draw every menu, key, target and transfer, and which messages are active now."""
    runtime = current_runtime()
    moment = at or runtime.now()
    chosen = fmt or (_SUFFIXES.get(output.suffix.lower(), "html") if output else "text")
    config = runtime.config
    snapshot = take_snapshot(runtime.schedules, moment, runtime.override_store.get(moment))
    tree = config.menus
    if chosen == "html":
        body = render_html(tree, snapshot, fingerprint=config.fingerprint)
    elif chosen == "svg":
        body = render_svg(tree, snapshot)
    else:
        body = render_text(tree, snapshot)
    if output is None:
        click.echo(body, nl=False)
        return
    try:
        output.write_text(body, encoding="utf-8")
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error.strerror}") from None
    click.echo(
        f"Wrote the menu tree ({len(tree.nodes)} nodes, {chosen}) at {when(moment)} to {output}"
    )
