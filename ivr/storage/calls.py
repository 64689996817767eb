"""The call records' tables (``call_steps``, ``call_statuses``): every write and query of them.

Webhooks add a step per answer and Twilio's status callback a status (``ivr.observability.calls``
buffers them and writes them here in batches); ``ivr report``, the console's «Llamadas» and
«Ahora» read them back through ``CallStore``. No other module builds SQL on these tables.

A call is *in progress* at ``now`` (one definition, for every page and report):
Twilio has not reported it finished, its last step is at most ``IN_PROGRESS_WINDOW`` old, and
that step is not one after which the IVR has nothing more to do with the call
(``ivr.core.events.meaning(...).ends_call``: a hang-up, a desk that answered, a caller who
abandoned the queue ...). ``in_progress`` says it of one call, ``_in_progress`` in SQL; the
tests hold them to the same answers.

The report's figures are added up by the database (``figure_rows``): the range's steps are
sorted by call once (``_range_steps``), each section is a GROUP BY over them, the sections joined
with UNION ALL, the same statement on SQLite and PostgreSQL; Python receives a few rows per
campus, node, desk, ending and hour. ``ivr.observability.report`` defines every figure on one
call at a time; ``ivr.observability.aggregates`` turns these rows into the same report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any, NamedTuple, Protocol

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
    insert,
    literal,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import CTE, FunctionElement, Over

from ivr.core.events import (
    CONNECTED,
    ENDS_CALL,
    FLOW_END_EVENTS,
    QUEUE_RESULTS,
    SELF_SERVICE_EVENTS,
    SELF_SERVICE_FAILURE,
    SELF_SERVICE_SUCCESS,
    TRANSFER_EVENTS,
    TRANSFER_RESULTS,
    CallEvent,
    meaning,
    parse,
)
from ivr.core.figures import outcome
from ivr.storage.schema import Instant, call_statuses, call_steps
from ivr.storage.sessions import FINISHED

UNKNOWN_CAMPUS = "unknown"  # the campus of a call to a number no campus answers on
# A call with no step for this long is no longer in the IVR, whatever Twilio said (its status
# callback may be off): longer than the longest hold between two announcements of a waiting
# caller (300 s), who therefore always has a recent step.
IN_PROGRESS_WINDOW = timedelta(minutes=6)
# Twilio ends any call within 24 hours: a call has no step later than that after its first.
LONGEST_CALL = timedelta(hours=24)


class StepRecorder(Protocol):
    """Where a call's steps are reported (``ivr.observability.calls.CallRecorder``)."""

    def step(
        self,
        call_sid: str,
        at: datetime,
        campus: str | None,
        node: str,
        event: CallEvent,
        detail: str,
        *,
        said: str = "",
        request: str = "",
    ) -> None: ...


# -- records -------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Step:
    """One webhook's answer in a call: where the caller went and why."""

    at: datetime  # aware, UTC
    node: str
    event: CallEvent
    detail: str = ""
    said: str = ""


@dataclass(frozen=True, slots=True)
class CallRecord:
    """A call as recorded: its campus, its steps in order and how Twilio says it ended."""

    call_sid: str
    campus: str
    steps: tuple[Step, ...]
    call_status: str | None = None  # Twilio's last status; a finished one, once sent, is kept
    duration_s: int | None = None

    @property
    def started_at(self) -> datetime:
        return self.steps[0].at


def _stored(events: Iterable[str]) -> tuple[str, ...]:
    """The values the records hold for these events, as plain strings, in a stable order."""
    return tuple(sorted(str(event) for event in events))


def in_progress(call: CallRecord, now: datetime) -> bool:
    """Whether ``call`` is still going on at ``now`` (the module's definition)."""
    last = call.steps[-1]
    return (
        call.call_status not in FINISHED
        and last.at >= now - IN_PROGRESS_WINDOW
        and not meaning(parse(last.event)).ends_call
    )


def _in_progress(
    call_status: ColumnElement[Any], last_at: ColumnElement[Any], last_event: ColumnElement[Any],
    now: datetime,
) -> ColumnElement[bool]:  # fmt: skip
    """``in_progress`` in SQL, on a call's status, last step's instant and last event."""
    return and_(
        or_(call_status.is_(None), call_status.not_in(FINISHED)),
        last_at >= now - IN_PROGRESS_WINDOW,
        last_event.not_in(_stored(ENDS_CALL)),
    )


# call_sid, at, campus, node, event, detail, said, request
StepRow = tuple[str, datetime, str, str, str, str, str, str | None]
StatusRow = tuple[str, datetime, str, int | None]  # call_sid, at, call_status, duration_s
_STEP_COLUMNS = ("call_sid", "at", "campus", "node", "event", "detail", "said", "request")
_STATUS_COLUMNS = ("call_sid", "at", "call_status", "duration_s")


class FigureRow(NamedTuple):
    """A row of ``figure_rows``: a kind, four texts and five integers (see ``_statement``).

    Which texts and integers a row has depends on its kind; the others are None.
    """

    kind: str  # call, hour, visit, event, transfer
    a: Any
    b: Any
    c: Any
    d: Any
    n: int
    x: Any
    y: Any
    z: Any
    w: Any


# Twilio's status for a call: a finished one once sent, else the last one (callbacks may arrive
# out of order; nothing undoes the end of a call).
def _status_order() -> tuple[ColumnElement[Any], ...]:
    finished = case((call_statuses.c.call_status.in_(FINISHED), 1), else_=0)
    return (finished.desc(), call_statuses.c.at.desc(), call_statuses.c.id.desc())


class CallStore:
    """The call records in the shared database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- writing ----------------------------------------------------------------------------------
    def write(self, steps: Sequence[StepRow], statuses: Sequence[StatusRow]) -> None:
        """Write steps and statuses in one transaction; a step's request already written is not.

        Raises the store's errors (``STORE_ERRORS``): the caller keeps the rows to try again.
        """
        step_rows = [dict(zip(_STEP_COLUMNS, row, strict=True)) for row in steps]
        status_rows = [dict(zip(_STATUS_COLUMNS, row, strict=True)) for row in statuses]
        with self.engine.begin() as conn:
            if step_rows:
                dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
                once = dialect.insert(call_steps).on_conflict_do_nothing(index_elements=["request"])
                conn.execute(once, step_rows)
            if status_rows:
                conn.execute(insert(call_statuses), status_rows)

    # -- calls, whole ---------------------------------------------------------------------------
    def calls(self, start: datetime, end: datetime) -> Iterator[CallRecord]:
        """Yield the calls whose first step is in [start, end), in order of that step."""
        first = (
            select(call_steps.c.call_sid, func.min(call_steps.c.at).label("first_at"))
            .group_by(call_steps.c.call_sid)
            .having(and_(func.min(call_steps.c.at) >= start, func.min(call_steps.c.at) < end))
            .cte("chosen")
        )
        statuses = (
            select(
                call_statuses.c.call_sid, call_statuses.c.call_status, call_statuses.c.duration_s
            )
            .join(first, first.c.call_sid == call_statuses.c.call_sid)
            .order_by(call_statuses.c.at, call_statuses.c.id)
        )
        steps = (
            select(*(call_steps.c[name] for name in _STEP_COLUMNS[:-1]))
            .join(first, first.c.call_sid == call_steps.c.call_sid)
            .order_by(first.c.first_at, call_steps.c.call_sid, call_steps.c.at, call_steps.c.id)
        )
        with self.engine.connect() as conn:
            ended = _ended(conn.execute(statuses))
            yield from _records(conn.execute(steps), ended)

    def in_progress(self, now: datetime) -> list[CallRecord]:
        """The calls in progress at ``now``, with their steps of the last day (never what was said).

        In order of their first step.
        """
        recent = (
            select(call_steps.c.call_sid)
            .where(call_steps.c.at >= now - IN_PROGRESS_WINDOW)
            .distinct()
        )
        steps = (
            select(*(call_steps.c[name] for name in _STEP_COLUMNS[:-2]))
            .add_columns(literal("").label("said"))
            .where(call_steps.c.call_sid.in_(recent), call_steps.c.at >= now - LONGEST_CALL)
            .order_by(call_steps.c.call_sid, call_steps.c.at, call_steps.c.id)
        )
        statuses = (
            select(*(call_statuses.c[name] for name in ("call_sid", "call_status", "duration_s")))
            .where(call_statuses.c.call_sid.in_(recent))
            .order_by(call_statuses.c.at, call_statuses.c.id)
        )
        with self.engine.connect() as conn:
            ended = _ended(conn.execute(statuses))
            calls = list(_records(conn.execute(steps), ended))
        going_on = (call for call in calls if in_progress(call, now))
        return sorted(going_on, key=lambda call: call.started_at)

    def answered_waits(self, windows: Sequence[tuple[datetime, datetime]]) -> dict[str, list[int]]:
        """Per desk, the waits of the callers answered within any of ``windows``."""
        if not windows:
            return {}
        within = or_(*(and_(call_steps.c.at >= a, call_steps.c.at < b) for a, b in windows))
        query = select(call_steps.c.detail).where(
            call_steps.c.event == str(CallEvent.QUEUE_ANSWERED), within
        )
        found: dict[str, list[int]] = {}
        with self.engine.connect() as conn:
            for (detail,) in conn.execute(query):
                answered = outcome(CallEvent.QUEUE_ANSWERED, detail or "")
                if answered is not None and answered.seconds is not None:
                    found.setdefault(answered.desk, []).append(answered.seconds)
        return found

    # -- figures, added up by the database --------------------------------------------------------
    def figure_rows(self, start: datetime, end: datetime, now: datetime | None) -> list[FigureRow]:
        """Every figure of the calls that began in [start, end), as rows of one statement.

        ``now`` tells calls in progress apart; None counts every call as finished.
        """
        with self.engine.connect() as conn:
            return [FigureRow(*row) for row in conn.execute(_statement(start, end, now))]


def _ended(rows: Any) -> dict[str, tuple[str, int | None]]:
    """Each call's status (``_status_order``) and the last duration Twilio sent."""
    ended: dict[str, tuple[str, int | None]] = {}
    for sid, call_status, duration in rows:
        before, kept = ended.get(sid, ("", None))
        if before in FINISHED and call_status not in FINISHED:
            call_status = before  # a late "ringing" does not reopen a finished call
        ended[sid] = (call_status, duration if duration is not None else kept)
    return ended


def _records(rows: Any, ended: Mapping[str, tuple[str, int | None]]) -> Iterator[CallRecord]:
    """Group step rows (call_sid, at, campus, node, event, detail, said), sorted by call."""
    for sid, group in groupby(rows, key=lambda row: str(row[0])):
        items = list(group)
        call_status, duration = ended.get(sid, (None, None))
        yield CallRecord(
            call_sid=sid,
            campus=items[0][2],
            steps=tuple(
                Step(at, node, parse(event), detail, said)
                for _, at, _, node, event, detail, said in items
            ),
            call_status=call_status,
            duration_s=duration,
        )


# -- the statement of the figures ----------------------------------------------------------------
# How a call ended, the first that applies (ivr.observability.report.summarise_call), as a
# number per step: the greatest over the call's steps says which applies. The same for
# self-service: verified, else failed, else entered.
def _ending_code(event: ColumnElement[str]) -> ColumnElement[int]:
    return case(
        (event.in_(_stored(TRANSFER_EVENTS)), 4),
        (event.in_(_stored(SELF_SERVICE_SUCCESS)), 3),
        (event == CallEvent.AFTER_HOURS.value, 2),
        (event.in_(_stored(FLOW_END_EVENTS)), 1),
        else_=0,
    )


def _self_service_code(event: ColumnElement[str]) -> ColumnElement[int]:
    return case(
        (event.in_(_stored(SELF_SERVICE_SUCCESS)), 3),
        (event.in_(_stored(SELF_SERVICE_FAILURE)), 2),
        (event.in_(_stored(SELF_SERVICE_EVENTS)), 1),
        else_=0,
    )


def _range_steps(start: datetime, end: datetime) -> CTE:
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

    after_hours = case((event == CallEvent.AFTER_HOURS.value, 1), else_=0)
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
            over(func.max(after_hours)).label("after_hours"),
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


def _per_call(steps: CTE, now: datetime | None) -> CTE:
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
    # Twilio's status for the call, and the last duration it sent (looked up by call)
    mine = call_statuses.c.call_sid == calls.c.call_sid
    call_status = (
        select(call_statuses.c.call_status).where(mine).order_by(*_status_order()).limit(1)
    ).scalar_subquery()
    duration = (
        select(call_statuses.c.duration_s)
        .where(mine, call_statuses.c.duration_s.is_not(None))
        .order_by(call_statuses.c.at.desc(), call_statuses.c.id.desc())
        .limit(1)
    ).scalar_subquery()
    going_on: ColumnElement[bool] = literal(False)
    if now is not None:
        going_on = _in_progress(call_status, calls.c.last_at, calls.c.last_event, now)
    # the order of ivr.observability.report.summarise_call
    ending = case(
        (going_on, "in_progress"),
        (calls.c.ended == 4, "transferred"),
        (calls.c.ended == 3, "self_service"),
        (calls.c.ended == 2, "after_hours"),
        (calls.c.ended == 1, "flow_ended"),
        (calls.c.last_event == CallEvent.MESSAGE.value, "informed"),
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


def _row(kind: str, texts: Sequence[Any], numbers: Sequence[Any]) -> list[ColumnElement[Any]]:
    """A row of the one result: kind, four texts, five integers (NULL where unused)."""
    return [
        literal(kind, Text).label("kind"),
        *(cast(t, Text) for t in (*texts, *[None] * (4 - len(texts)))),
        *(cast(n, BigInteger) for n in (*numbers, *[None] * (5 - len(numbers)))),
    ]


def _statement(start: datetime, end: datetime, now: datetime | None) -> CompoundSelect[Any]:
    """Every figure of a range, as rows of (kind, texts, numbers), in one statement.

    Rows: ``call`` (campus, ending, self-service, node gave up at; calls, after hours, calls
    with a duration, their seconds), ``hour`` (calls; UTC year, month, day, hour), ``visit``
    (node; visits, calls), ``event`` (event, after-hours node, transfer or queue detail;
    times), ``transfer`` (queue; begun, connected, not connected).
    """
    steps = _range_steps(start, end)
    calls = _per_call(steps, now)
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
    with_detail = _stored({CallEvent.TRANSFER, *QUEUE_RESULTS})
    counted = _stored(
        {CallEvent.AFTER_HOURS, *with_detail, *SELF_SERVICE_SUCCESS, *SELF_SERVICE_FAILURE}
    )
    full = call_steps.alias("counted_step")
    node = case((steps.c.event == CallEvent.AFTER_HOURS.value, steps.c.node), else_="")
    detail = case((steps.c.event.in_(with_detail), full.c.detail), else_="")
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
        .where(steps.c.event.in_(_stored(TRANSFER_EVENTS)))
        .subquery("seq")
    )
    transfer = CallEvent.TRANSFER.value
    begun = seq.c.event == transfer
    # a result whose start was not recorded counts under its node, as a transfer of its own
    orphan = and_(not_(begun), or_(seq.c.before.is_(None), seq.c.before != transfer))
    queue = case(
        (and_(begun, seq.c.detail != ""), seq.c.detail),
        (begun, "unknown"),
        else_=seq.c.node,
    )
    result = case((begun, seq.c.after), else_=seq.c.event)
    connected = case((result.in_(_stored(CONNECTED)), 1), else_=0)
    failed = case((result.in_(_stored(TRANSFER_RESULTS - CONNECTED)), 1), else_=0)
    return (
        select(*_row("transfer", (queue,), (func.count(), func.sum(connected), func.sum(failed))))
        .where(or_(begun, orphan))
        .group_by(queue)
    )
