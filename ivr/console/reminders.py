"""Recordatorios: the due-date reminders by SMS, day by day: sent, skipped and why, opt-outs.

Read-only, for viewers and operators, from the reminders' log in the shared database
(``ivr.storage.reminders``). Numbers and codes never appear: only counts.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template, request

from ivr.console.blueprint import blueprint
from ivr.console.reports import MAX_DAYS, day_range
from ivr.console.views import Answer
from ivr.core.reminders import VERDICT_WORDS
from ivr.runtime import current_runtime
from ivr.storage.reminders import ReminderStore

DEFAULT_DAYS = 14  # shown when no range is asked for: the last two weeks


@blueprint.route("/reminders", methods=["GET"])
def reminders() -> Answer:
    rt = current_runtime()
    today = rt.now().date()
    args = request.args.to_dict()
    if not args.get("desde", "").strip() and not args.get("hasta", "").strip():
        args = {"desde": (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()}
        args["hasta"] = today.isoformat()
    asked = day_range(args, today)
    settings = rt.config.reminders
    page = {"asked": asked, "max_days": MAX_DAYS, "enabled": settings.enabled}
    if asked.errors:
        return render_template("console/reminders.html", days=None, **page), 400
    assert asked.first and asked.last
    tallies = ReminderStore(rt.engine).tallies(asked.first, asked.last)
    days = [
        {
            "day": tally.day,
            "sent": tally.sent,
            "failed": tally.failed + tally.claimed,
            "skipped": sum(tally.skipped.values()),
            "why": ", ".join(
                f"{count} {VERDICT_WORDS.get(reason, reason)}"
                for reason, count in sorted(tally.skipped.items())
            ),
            "opted_out": tally.opted_out,
        }
        for tally in reversed(tallies)
    ]
    return render_template("console/reminders.html", days=days, **page)
