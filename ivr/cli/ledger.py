"""``ivr ledger import FILES...`` and ``ivr ledger demo``: load the ledger.

They reach the ledger and the billing configuration through the running app's runtime
(``current_runtime().ledger``, ``.config.billing``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.core.fees.model import Billing
from ivr.runtime import current_runtime
from ivr.storage.ledger import demo
from ivr.storage.ledger.base import EXPORT_KINDS, ExportKind
from ivr.storage.ledger.importer import count_rows, import_parsed, kind_order, read_export


@click.group("ledger")
def ledger_group() -> None:
    """Import billing exports into the ledger, or load a demo."""


def loaded_billing() -> Billing:
    """Return the running app's prices and terms, or stop the command saying they are missing."""
    billing = current_runtime().config.billing
    if billing is None:
        raise click.ClickException("billing/terms.yaml and billing/prices.yaml are not loaded")
    return billing


@ledger_group.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--kind",
    type=click.Choice(EXPORT_KINDS),
    help="What the files hold, when their header does not say (students, enrolments, payments).",
)
@with_appcontext
def import_command(files: tuple[Path, ...], kind: ExportKind | None) -> None:
    """Import CSV exports (students, enrolments, payments); a bad row rejects its whole file.

    Files are read whole and checked first; each goes in as one transaction, students before
    enrolments before payments. Importing the same export again changes nothing.
    """
    current_runtime(creating=True).create_database()
    ledger = current_runtime().ledger
    terms = [t.code for t in loaded_billing().terms]
    parsed = []
    for path in files:
        with click.progressbar(
            length=count_rows(path), label=f"Reading {path}", file=sys.stderr
        ) as bar:
            parsed.append(
                read_export(path, kind, known_terms=terms, shown_as=str(path), progress=bar.update)
            )
    failed = 0
    for export in sorted(parsed, key=lambda p: kind_order(p.kind)):
        if export.problems:
            for message in export.messages():
                click.echo(message, err=True)
            click.echo(
                f"{export.file}: rejected, nothing imported ({_count(export.problems)})",
                err=True,
            )
            failed += 1
            continue
        label = f"Importing {export.file}"
        with click.progressbar(length=len(export.records), label=label, file=sys.stderr) as bar:
            result = import_parsed(ledger, export, bar.update)
        if not result.ok:
            for problem in sorted(result.problems):
                click.echo(problem.located(export.file), err=True)
            click.echo(
                f"{export.file}: rejected, nothing imported ({_count(result.problems)})",
                err=True,
            )
            failed += 1
            continue
        click.echo(
            f"{export.file}: {result.rows} {result.kind}: {result.added} added, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
    if failed:
        raise click.exceptions.Exit(1)


def _count(problems: tuple[object, ...]) -> str:
    return "1 problem" if len(problems) == 1 else f"{len(problems)} problems"


@ledger_group.command("demo")
@click.option("--students", default=300, show_default=True, help="How many students in all.")
@click.option("--seed", default=demo.DEMO_SEED, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Empty the ledger first (every student goes).")
@with_appcontext
def demo_command(students: int, seed: int, reset: bool) -> None:
    """Load the synthetic demo students (the same ones every time for the same seed)."""
    current_runtime(creating=True).create_database()
    ledger = current_runtime().ledger
    if reset:
        ledger.reset()
    try:
        data = demo.build(students, seed, billing=loaded_billing())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with click.progressbar(length=data.rows, label="Demo ledger", file=sys.stderr) as bar:
        result = demo.write(ledger, data, bar.update)
    click.echo(
        f"Demo ledger: {result.students} students, {result.enrolments} enrolments, "
        f"{result.payments} payments."
    )
    for student in demo.DEMO_STUDENTS:
        click.echo(f"  try {student.code} (DNI ending {student.dni_last4}): {student.story}")
