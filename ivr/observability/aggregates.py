"""The numbers of ``ivr report``, added up by the database (GROUP BY), not in Python.

``ivr.observability.report`` defines every figure on one call at a time; the queries here compute
the same figures with window functions and GROUP BY in SQLAlchemy Core, the same statements on
SQLite and PostgreSQL. Python receives a few rows per campus, node, desk, ending and hour, so a
report's time grows with the days and nodes it covers, not with the calls in them.

A call belongs to the Lima day of its first step, as in ``SqlCallRecorder.calls``. Every figure
comes from one statement: the range's steps are sorted by call once (``range_steps``), and each
section is a GROUP BY over them, the sections joined with UNION ALL.

A call is *in progress* when Twilio has not reported it finished and its last step is more
recent than ``IN_PROGRESS_WINDOW`` (the session store's lifetime: later, the IVR has forgotten
it). It is counted apart, not as "gave up".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Engine,
    Integer,
    Select,
    Text,
    and_,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import CTE, FunctionElement, Over

from ivr.clock import to_lima
from ivr.observability.report import (
    FLOW_END_EVENTS,
    IN_PROGRESS_WINDOW,
    LONGEST_CALL,
    QUEUE_RESULTS,
    SELF_SERVICE_FAILURE,
    SELF_SERVICE_SUCCESS,
    TRANSFER_EVENTS,
    Report,
    Tally,
    day_bounds,
    queue_result,
)
from ivr.storage.desks import DeskStore
from ivr.storage.schema import Instant, call_statuses, call_steps
from ivr.storage.sessions import FINISHED

CONNECTED_EVENTS = ("transfer_done", "queue_answered")
TRANSFER_RESULTS = ("transfer_done", "transfer_failed", *QUEUE_RESULTS)
SELF_SERVICE_RESULTS = (*sorted(SELF_SERVICE_SUCCESS), *sorted(SELF_SERVICE_FAILURE))


# How a call ended, the first that applies (ivr.observability.report.summarise_call), as a
# number per step: the greatest over the call's steps says which applies. The same for
# self-service: verified, else failed, else entered.
def _ending_code(event: ColumnElement[str]) -> ColumnElement[int]:
    return case(
        (event.in_(TRANSFER_EVENTS), 4),
        (event.in_(SELF_SERVICE_SUCCESS), 3),
        (event == "after_hours", 2),
        (event.in_(FLOW_END_EVENTS), 1),
        else_=0,
    )


def _self_service_code(event: ColumnElement[str]) -> ColumnElement[int]:
    return case(
        (event.in_(SELF_SERVICE_SUCCESS), 3),
        (event.in_(SELF_SERVICE_FAILURE), 2),
        (event.like("selfservice%"), 1),
        else_=0,
    )


def range_steps(start: datetime, end: datetime) -> CTE:
    """The steps of the calls whose first step is in [start, end), numbered within each call.

    ``n`` numbers a call's steps, ``previous_node`` is the node of the step before,
    ``next_id`` is None on a call's last step, where the running maxima (``ended``,
    ``after_hours``, ``self_service``) hold for the whole call: the per-call figures need no
    second sort. A statement that uses this CTE more than once has the database compute it
    once. The rows sorted are kept narrow: a call's campus and a step's detail are read back
    where needed.
    """
    event = call_steps.c.event

    # every window has the same partition and order: one sort serves them all (a frame of
    # rows, not the default range, spares the database looking for rows at the same instant)
    def over(function: FunctionElement[Any]) -> Over[Any]:
        return function.over(
            partition_by=call_steps.c.call_sid,
            order_by=(call_steps.c.at, call_steps.c.id),
            rows=(None, 0),
        )

    numbered = (
        select(
            call_steps.c.id,
            call_steps.c.call_sid,
            call_steps.c.at,
            call_steps.c.node,
            call_steps.c.event,
            over(func.row_number()).label("n"),
            over(func.first_value(call_steps.c.at, type_=Instant())).label("first_at"),
            over(func.lag(call_steps.c.node)).label("previous_node"),
            over(func.lead(call_steps.c.id)).label("next_id"),
            over(func.max(_ending_code(event))).label("ended"),
            over(func.max(case((event == "after_hours", 1), else_=0))).label("after_hours"),
            over(func.max(_self_service_code(event))).label("self_service"),
        )
        # to LONGEST_CALL past the range: every step of a call that began in it
        .where(call_steps.c.at >= start, call_steps.c.at < end + LONGEST_CALL)
        .subquery("numbered")
    )
    earlier = call_steps.alias("earlier")
    began_before = exists().where(earlier.c.call_sid == numbered.c.call_sid, earlier.c.at < start)
    return (
        select(numbered)
        .where(
            numbered.c.first_at >= start,
            numbered.c.first_at < end,
            # only a call seen first within a day of the start may have begun before it
            or_(numbered.c.first_at >= start + LONGEST_CALL, ~began_before),
        )
        .cte("range_steps")
    )


def per_call(steps: CTE, now: datetime | None) -> CTE:
    """One row per call: campus, first step, last node, how it ended, self-service."""
    calls = (
        select(
            steps.c.call_sid,
            steps.c.first_at,
            steps.c.at.label("last_at"),
            steps.c.event.label("last_event"),
            steps.c.node.label("last_node"),
            steps.c.ended,
            steps.c.after_hours,
            steps.c.self_service,
        )
        .where(steps.c.next_id.is_(None))
        .subquery("calls")
    )
    # Twilio's last status for the call, and the last duration it sent (looked up by call)
    latest = (call_statuses.c.at.desc(), call_statuses.c.id.desc())
    mine = call_statuses.c.call_sid == calls.c.call_sid
    call_status = (
        select(call_statuses.c.call_status).where(mine).order_by(*latest).limit(1)
    ).scalar_subquery()
    duration = (
        select(call_statuses.c.duration_s)
        .where(mine, call_statuses.c.duration_s.is_not(None))
        .order_by(*latest)
        .limit(1)
    ).scalar_subquery()
    in_progress: ColumnElement[bool] = literal(False)
    if now is not None:
        in_progress = and_(
            or_(call_status.is_(None), call_status.not_in(FINISHED)),
            calls.c.last_at > now - IN_PROGRESS_WINDOW,
        )
    # the order of ivr.observability.report.summarise_call
    ending = case(
        (calls.c.ended == 4, "transferred"),
        (calls.c.ended == 3, "self_service"),
        (calls.c.ended == 2, "after_hours"),
        (calls.c.ended == 1, "flow_ended"),
        (in_progress, "in_progress"),
        (calls.c.last_event == "message", "informed"),
        else_="gave_up",
    )
    self_service = case(
        (calls.c.self_service == 3, "success"),
        (calls.c.self_service == 2, "failure"),
        (calls.c.self_service == 1, "no_result"),
        else_=None,
    )
    first = call_steps.alias("first_step")
    campus = (
        select(first.c.campus)
        .where(first.c.call_sid == calls.c.call_sid)
        .order_by(first.c.at, first.c.id)
        .limit(1)
        .scalar_subquery()
    )
    return select(
        calls.c.call_sid,
        campus.label("campus"),
        calls.c.first_at,
        calls.c.last_node,
        calls.c.after_hours,
        ending.label("ending"),
        self_service.label("self_service"),
        duration.label("duration_s"),
    ).cte("per_call")


# -- the report ----------------------------------------------------------------------------------
def _row(kind: str, texts: Sequence[Any], numbers: Sequence[Any]) -> list[ColumnElement[Any]]:
    """A row of the one result: kind, four texts, five integers (NULL where unused)."""
    return [
        literal(kind, Text).label("kind"),
        *(cast(t, Text) for t in (*texts, *[None] * (4 - len(texts)))),
        *(cast(n, BigInteger) for n in (*numbers, *[None] * (5 - len(numbers)))),
    ]


def _statement(start: datetime, end: datetime, now: datetime | None) -> CompoundSelect[Any]:
    """Every figure of a range, as rows of (kind, texts, numbers), in one statement."""
    steps = range_steps(start, end)
    calls = per_call(steps, now)
    gave_up_at = case((calls.c.ending == "gave_up", calls.c.last_node))
    per_call_rows = select(
        *_row(
            "call",
            (calls.c.campus, calls.c.ending, calls.c.self_service, gave_up_at),
            (
                func.count(),
                func.sum(calls.c.after_hours),
                func.count(calls.c.duration_s),
                func.coalesce(func.sum(calls.c.duration_s), 0),
            ),
        )
    ).group_by(calls.c.campus, calls.c.ending, calls.c.self_service, gave_up_at)
    # UTC hours of the stored naive UTC instants; Python turns each into a Lima hour
    hour = [extract(f, calls.c.first_at).cast(Integer) for f in ("year", "month", "day", "hour")]
    hour_rows = select(*_row("hour", (), (func.count(), *hour))).group_by(*hour)
    arrived = or_(steps.c.previous_node.is_(None), steps.c.previous_node != steps.c.node)
    visit_rows = (
        select(
            *_row("visit", (steps.c.node,), (func.count(), func.count(steps.c.call_sid.distinct())))
        )
        .where(steps.c.node != "", arrived)
        .group_by(steps.c.node)
    )
    counted = ("after_hours", "transfer", *QUEUE_RESULTS, *SELF_SERVICE_RESULTS)
    full = call_steps.alias("counted_step")
    node = case((steps.c.event == "after_hours", steps.c.node), else_="")
    detail = case((steps.c.event.in_(("transfer", *QUEUE_RESULTS)), full.c.detail), else_="")
    event_rows = (
        select(*_row("event", (steps.c.event, node, detail), (func.count(),)))
        .join_from(steps, full, full.c.id == steps.c.id)
        .where(steps.c.event.in_(counted))
        .group_by(steps.c.event, node, detail)
    )
    return union_all(per_call_rows, hour_rows, visit_rows, event_rows, _transfer_rows(steps))


def _transfer_rows(steps: CTE) -> Select[Any]:
    """Transfers per queue, each matched with the result Twilio reported after it, if any."""
    order = (steps.c.at, steps.c.id)
    moves = steps.c.event.in_(TRANSFER_EVENTS)
    full = call_steps.alias("transfer_step")
    seq = (
        select(
            steps.c.node,
            steps.c.event,
            full.c.detail,
            func.lag(steps.c.event)
            .over(partition_by=steps.c.call_sid, order_by=order)
            .label("before"),
            func.lead(steps.c.event)
            .over(partition_by=steps.c.call_sid, order_by=order)
            .label("after"),
        )
        .join_from(steps, full, full.c.id == steps.c.id)
        .where(moves)
        .subquery("seq")
    )
    begun = seq.c.event == "transfer"
    # a result whose start was not recorded counts under its node, as a transfer of its own
    orphan = and_(not_(begun), or_(seq.c.before.is_(None), seq.c.before != "transfer"))
    queue = case(
        (and_(begun, seq.c.detail != ""), seq.c.detail),
        (begun, "unknown"),
        else_=seq.c.node,
    )
    result = case((begun, seq.c.after), else_=seq.c.event)
    connected = case((result.in_(CONNECTED_EVENTS), 1), else_=0)
    failed = case(
        (and_(result.in_(TRANSFER_RESULTS), not_(result.in_(CONNECTED_EVENTS))), 1), else_=0
    )
    return (
        select(*_row("transfer", (queue,), (func.count(), func.sum(connected), func.sum(failed))))
        .where(or_(begun, orphan))
        .group_by(queue)
    )


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
    with engine.connect() as conn:
        rows = conn.execute(_statement(start, end, now)).all()
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
        elif a == "after_hours":
            tally.after_hours_at[b] += n
        elif a == "transfer":
            if c and c != "dial":
                tally.offered[c] += n
        elif a in QUEUE_RESULTS:
            found = queue_result(a, c)
            assert found is not None
            tally.queue_results.append((found, n))
        else:
            tally.self_service_events[a] += n
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
