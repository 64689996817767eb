"""The option types the commands share: a Lima instant and a calendar date.

Each parses one way and rejects a bad value with one message that says how to write it, so
``--at``, ``--until``, ``--as-of``, ``--from``, ``--to`` and ``--day`` all read alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from ivr.clock import to_lima
from ivr.core.schedule.model import parse_moment


class LimaInstant(click.ParamType[datetime, Any]):
    """A moment in Lima time: 'YYYY-MM-DD HH:MM' (or with a T between date and time)."""

    name = "instant"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return '"YYYY-MM-DD HH:MM"'

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):  # a default given as a datetime
            return to_lima(value)
        moment = parse_moment(str(value))
        if moment is None:
            self.fail(
                f"'{value}' is not a date and time: write it as \"YYYY-MM-DD HH:MM\" (Lima time)",
                param,
                ctx,
            )
        return moment


class CalendarDate(click.ParamType[date, Any]):
    """A day: 'YYYY-MM-DD' (any ISO 8601 date, and a month or day of one digit)."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date) and not isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
        try:
            # '2026-1-5': the one-digit form ``--day`` accepted through click.DateTime.
            return datetime.strptime(text, "%Y-%m-%d").date()  # noqa: DTZ007 - a date, no zone
        except ValueError:
            self.fail(f"'{value}' is not a date: write it as YYYY-MM-DD", param, ctx)


LIMA_INSTANT = LimaInstant()
CALENDAR_DATE = CalendarDate()
