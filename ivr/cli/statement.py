"""``ivr statement CODE``: what a student owes, as a table or JSON, from the running ledger.

The default date is today in Lima by the runtime's clock, the one the webhooks use.
"""

from __future__ import annotations

import json
import logging
from datetime import date

import click
from flask.cli import with_appcontext

from ivr.cli.ledger import loaded_billing
from ivr.cli.params import CALENDAR_DATE
from ivr.core.codes import digits_of, mask_code
from ivr.core.fees.policy import UnknownTermError, statement
from ivr.core.fees.statement import Statement, statement_to_json
from ivr.core.spoken import money_text
from ivr.runtime import current_runtime

log = logging.getLogger("ivr.storage.ledger")


@click.command("statement")
@click.argument("code")
@click.option(
    "--as-of",
    "as_of",
    type=CALENDAR_DATE,
    help="Statement date (default: today in Lima).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (amounts as decimal strings).")
@with_appcontext
def statement_command(code: str, as_of: date | None, as_json: bool) -> None:
    """Print what a student owes: CODE with or without its letter (N00123456 or 00123456)."""
    masked = mask_code(code)
    if digits_of(code) is None:
        raise click.ClickException(f"{masked} is not a student code")
    runtime = current_runtime()
    account = runtime.ledger.load_account(code)
    if account is None:
        raise click.ClickException(f"no student {masked} in the ledger")
    day = as_of or runtime.now().date()
    log.info("statement printed for %s as of %s", masked, day.isoformat())
    try:
        result = statement(account, loaded_billing(), day)
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
