"""Command-line tools for the ledger: import exports, load the demo, print a statement.

Registered by the application under its ``ivr`` group: ``flask --app app ivr ledger import
FILES...``, ``ivr ledger demo``, ``ivr statement CODE``. They reach the ledger and the billing
configuration through ``current_app.extensions["ivr"]`` (``.ledger``, ``.config.billing``).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from ivr import clock
from ivr.core.codes import digits_of, mask_code
from ivr.core.fees.model import Billing
from ivr.core.fees.policy import UnknownTermError, statement
from ivr.core.fees.statement import Statement, statement_to_json
from ivr.core.spoken import money_text
from ivr.storage.ledger import demo
from ivr.storage.ledger.base import EXPORT_KINDS, ExportKind, Ledger
from ivr.storage.ledger.importer import count_rows, import_parsed, kind_order, read_export

log = logging.getLogger("ivr.storage.ledger")

ledger_group = click.Group("ledger", help="Import billing exports into the ledger, or load a demo.")


def _runtime() -> Any:
    return current_app.extensions["ivr"]


def _ledger() -> Ledger:
    ledger: Ledger = _runtime().ledger
    return ledger


def _billing() -> Billing:
    billing: Billing | None = _runtime().config.billing
    if billing is None:
        raise click.ClickException("billing/terms.yaml and billing/prices.yaml are not loaded")
    return billing


def _as_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date written YYYY-MM-DD") from None


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
    ledger = _ledger()
    terms = [t.code for t in _billing().terms]
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
    ledger = _ledger()
    if reset:
        ledger.reset()
    try:
        data = demo.build(students, seed, billing=_billing())
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


@click.command("statement")
@click.argument("code")
@click.option(
    "--as-of",
    "as_of",
    callback=_as_date,
    metavar="YYYY-MM-DD",
    help="Statement date (default: today in Lima).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (amounts as decimal strings).")
@with_appcontext
def statement_command(code: str, as_of: date | None, as_json: bool) -> None:
    """Print what a student owes: CODE with or without its letter (N00123456 or 00123456)."""
    masked = mask_code(code)
    if digits_of(code) is None:
        raise click.ClickException(f"{masked} is not a student code")
    account = _ledger().load_account(code)
    if account is None:
        raise click.ClickException(f"no student {masked} in the ledger")
    day = as_of or clock.now().date()
    log.info("statement printed for %s as of %s", masked, day.isoformat())
    try:
        result = statement(account, _billing(), day)
    except UnknownTermError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(statement_to_json(result), indent=2, ensure_ascii=False))
    else:
        click.echo(render_table(result))


def render_table(result: Statement) -> str:
    """Return the statement as a plain-text table for a terminal."""
    header = ("term", "concept", "cuota", "due", "amount", "paid", "late fee", "outstanding",
              "status", "days")  # fmt: skip
    rows = [
        (
            o.term,
            o.concept,
            "" if o.cuota is None else str(o.cuota),
            o.due.isoformat(),
            money_text(o.amount),
            money_text(o.paid),
            money_text(o.late_fee),
            money_text(o.outstanding),
            o.status,
            str(o.days_overdue) if o.days_overdue else "",
        )
        for o in result.obligations
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = {2, 4, 5, 6, 7, 9}

    def line(cells: tuple[str, ...]) -> str:
        return "  ".join(
            c.rjust(w) if i in numeric else c.ljust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [f"Statement for {mask_code(result.code)} as of {result.as_of.isoformat()}", ""]
    out += [line(header), line(tuple("-" * w for w in widths))]
    out += [line(r) for r in rows]
    out.append("")
    out.append(
        f"Balance {money_text(result.balance)} · overdue {money_text(result.overdue)} · "
        f"late fees {money_text(result.late_fees)}"
        + (f" · credit {money_text(result.credit)}" if result.credit else "")
    )
    nd = result.next_due
    if nd is None:
        out.append("Next due: nothing")
    else:
        what = f"cuota {nd.cuota}" if nd.cuota is not None else nd.concept
        out.append(
            f"Next due: {what} ({nd.term}) on {nd.date.isoformat()}, {money_text(nd.amount)}"
        )

    def yes(flag: bool) -> str:
        return "yes" if flag else "no"

    out.append(
        f"Reportable (5.1.3): {yes(result.reportable)} · certificates blocked (5.1.4): "
        f"{yes(result.certificates_blocked)} · can enrol (5.3.1): {yes(result.can_enroll)}"
    )
    quote = result.early_payment_quote
    if quote is not None and result.early_payment_status == "granted":
        out.append(
            f"Early payment (5.2.2 d): granted; pay {money_text(quote.amount)} for the "
            f"{quote.term} cuotas by {quote.deadline.isoformat()} or the regular tariff returns"
        )
    elif quote is not None:
        out.append(
            f"Early payment (5.2.2): if requested by {quote.deadline.isoformat()} and granted, "
            f"pay {money_text(quote.amount)} for the {quote.term} cuotas, saving "
            f"{money_text(quote.discount)}"
        )
    else:
        out.append(f"Early payment (5.2.2): {result.early_payment_status.replace('_', ' ')}")
    return "\n".join(out)
