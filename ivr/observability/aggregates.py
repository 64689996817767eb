"""The numbers of ``ivr report``, added up by the database (GROUP BY), not in Python.

``ivr.observability.report`` defines every figure on one call at a time; the call store's one
statement (``ivr.storage.calls.CallStore.figure_rows``) computes the same figures with window
functions and GROUP BY, and this module turns its few rows per campus, node, desk, ending and
hour into the same ``Report``: a report's time grows with the days and nodes it covers, not with
the calls in them.

A call belongs to the Lima day of its first step, as in ``CallStore.calls``. A call in progress
(``ivr.storage.calls.in_progress``) is counted apart, not as "gave up".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from ivr.clock import to_lima
from ivr.core.events import QUEUE_RESULTS, CallEvent, parse
from ivr.observability.report import Report, Tally, day_bounds, queue_result
from ivr.storage.calls import CallStore
from ivr.storage.desks import DeskStore


@dataclass(frozen=True, slots=True)
class Figures:
    """What the database added up for a range of Lima days."""

    report: Report
    per_hour: tuple[tuple[datetime, int], ...]  # (Lima hour, calls that began in it), in order


def figures(engine: Engine, first_day: date, last_day: date, now: datetime | None) -> Figures:
    """The report of a range of Lima days and its calls per hour, added up by the database.

    ``now`` tells calls in progress apart; None counts every call as finished (as
    ``summarise`` does without it).
    """
    start, end = day_bounds(first_day, last_day)
    rows = CallStore(engine).figure_rows(start, end, now)
    tally = Tally()
    hours = []
    for kind, a, b, c, d, n, x, y, z, w in rows:
        n = int(n)
        if kind == "call":
            tally.calls += n
            tally.after_hours += int(x)
            tally.with_duration += int(y)
            tally.total_duration_s += int(z)
            tally.campuses[a] += n
            tally.endings[b] += n
            if c is not None:
                tally.self_service[c] += n
            if d is not None:
                tally.gave_up[d] += n
        elif kind == "hour":
            hours.append((to_lima(datetime(int(x), int(y), int(z), int(w), tzinfo=UTC)), n))
        elif kind == "visit":
            tally.visits[a] = n
            tally.visiting_calls[a] = int(x)
        elif kind == "transfer":
            tally.transfer(a, n, int(x), int(y))
        elif (event := parse(a)) == CallEvent.AFTER_HOURS:
            tally.after_hours_at[b] += n
        elif event == CallEvent.TRANSFER:
            if c and c != "dial":
                tally.offered[c] += n
        elif event in QUEUE_RESULTS:
            found = queue_result(event, c)
            assert found is not None
            tally.queue_results.append((found, n))
        else:
            tally.self_service_events[event] += n
    report = tally.report(first_day, last_day)
    report = replace(report, callbacks=desk_callbacks(DeskStore(engine), start, end))
    return Figures(report, tuple(sorted(hours)))


def desk_callbacks(
    store: DeskStore, start: datetime, end: datetime
) -> tuple[tuple[str, int, int, int, int], ...]:
    """Per desk, the callbacks requested in ``[start, end)``: placed, reached, unreached."""
    found = store.figures(start, end)
    return tuple(
        (desk, f.requested, f.placed, f.reached, f.unreached) for desk, f in sorted(found.items())
    )


def sql_report(engine: Engine, first_day: date, last_day: date, now: datetime | None) -> Report:
    """The report of a range of Lima days, added up by the database."""
    return figures(engine, first_day, last_day, now).report
