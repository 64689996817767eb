"""``ivr reminders preview|send|optout|optin``: the due-date reminders by SMS.

``preview --date`` says what would be sent that day and why, and what is skipped and why
(nothing is sent or written); ``send`` sends what is due at this moment (the runtime's clock);
``optout``/``optin`` keep a number off or put it back. Numbers are shown masked.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

import click
from flask.cli import with_appcontext

from ivr.actions.reminders import opt_in, opt_out, plan_day, send_due
from ivr.cli.acting import operator, refusals
from ivr.cli.params import CALENDAR_DATE
from ivr.core.codes import mask_code
from ivr.core.fees.money import format_amount
from ivr.core.reminders import VERDICT_WORDS, mask_mobile
from ivr.core.spoken import money_text
from ivr.runtime import Runtime, current_runtime
from ivr.storage.database import STORE_ERRORS, describe
from ivr.storage.reminders import ReminderStore


@click.group("reminders")
def reminders_group() -> None:
    """Due-date reminders by SMS (billing/reminders.yaml)."""


@reminders_group.command("preview")
@click.option("--date", "day", type=CALENDAR_DATE, help="The Lima day (default: today).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def preview_command(day: date | None, as_json: bool) -> None:
    """Show what would be sent on a day and why, and what is skipped and why; sends nothing."""
    runtime = current_runtime()
    day = day or runtime.now().date()
    try:
        with refusals():
            plan = plan_day(runtime, day)
    except STORE_ERRORS as error:
        raise click.ClickException(f"cannot read the ledger: {describe(error)}") from None
    rows = [
        {
            "student": mask_code(p.decision.reminder.code),
            "number": mask_mobile(p.number),
            "term": p.decision.reminder.term,
            "cuota": p.decision.reminder.cuota,
            "kind": p.decision.reminder.kind,
            "due": p.decision.reminder.due.isoformat(),
            "amount": format_amount(p.decision.reminder.amount),
            "verdict": p.decision.verdict,
            "why": p.decision.why,
            "text": p.text,
        }
        for p in plan.planned
    ]
    enabled = runtime.config.reminders.enabled
    if as_json:
        body = {"date": day.isoformat(), "enabled": enabled, "closed": plan.closed}
        body["reminders"] = rows
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
        return
    sending = len(plan.to_send)
    state = "" if enabled else " (reminders are off: billing/reminders.yaml enabled: false)"
    click.echo(f"Reminders for {day.isoformat()}{state}")
    if plan.closed:
        click.echo(f"No text may be sent that day ({plan.closed}): those due wait.")
    click.echo(f"{sending} to send, {len(plan.planned) - sending} skipped")
    for p in plan.planned:
        r = p.decision.reminder
        click.echo(
            f"  {p.decision.verdict:<10} {mask_code(r.code)} {mask_mobile(p.number)} "
            f"{r.term} cuota {r.cuota} {r.kind:<8} due {r.due.isoformat()} "
            f"{money_text(r.amount)}: {VERDICT_WORDS[p.decision.verdict]}"
        )
        if p.text:
            click.echo(f"             «{p.text}»")


@reminders_group.command("send")
@with_appcontext
def send_command() -> None:
    """Send the reminders due now (inside Monday-Friday 07:00-20:00 Lima only)."""
    runtime = current_runtime()
    try:
        with refusals():
            result = send_due(runtime, operator())
    except STORE_ERRORS as error:
        raise click.ClickException(f"the database failed: {describe(error)}") from None
    if result.held:
        click.echo(f"Nothing sent: {result.held}.")
        return
    dropped = ", ".join(f"{n} {why}" for why, n in sorted(result.dropped.items())) or "none"
    click.echo(
        f"{result.sent} sent, {result.failed} failed, {result.waiting} waiting, "
        f"{result.taken} sent by another run; dropped: {dropped}."
    )


@reminders_group.command("optout")
@click.argument("number")
@with_appcontext
def optout_command(number: str) -> None:
    """Stop the reminders to NUMBER (a Peruvian mobile)."""
    runtime = current_runtime()
    with refusals(number="NUMBER"):
        added = opt_out(runtime, operator(), number)
    shown = mask_mobile(number.strip())
    click.echo(f"{shown} gets no more reminders." if added else f"{shown} had opted out already.")


@reminders_group.command("optin")
@click.argument("number")
@with_appcontext
def optin_command(number: str) -> None:
    """Let NUMBER get reminders again (it asked to, in writing)."""
    runtime = current_runtime()
    with refusals(number="NUMBER"):
        opt_in(runtime, operator(), number)
    click.echo(f"{mask_mobile(number.strip())} gets reminders again.")


def tallies_text(runtime: Runtime, first: date, last: date) -> str:
    """Return ``ivr report``'s section: the reminders sent, failed, skipped and opt-outs."""
    tallies = ReminderStore(runtime.engine).tallies(first, last)
    if not tallies and not runtime.config.reminders.enabled:
        return ""
    skipped: Counter[str] = Counter()
    for tally in tallies:
        skipped.update(tally.skipped)
    why = ", ".join(f"{n} {reason}" for reason, n in sorted(skipped.items()))
    return (
        "\nReminders by SMS\n"
        f"  sent {sum(t.sent for t in tallies)} · failed "
        f"{sum(t.failed + t.claimed for t in tallies)} · skipped {sum(skipped.values())}"
        f"{f' ({why})' if why else ''} · opted out {sum(t.opted_out for t in tallies)}\n"
    )
