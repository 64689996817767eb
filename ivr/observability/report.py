"""What callers did over a range of days, from the call records (``ivr report`` prints it).

Definitions (each section of the report follows one):

- A call belongs to the Lima day of its first step; ``--from``/``--to`` are Lima dates, inclusive.
- Campus: the names of the campuses of the number dialled ("Los Olivos y Chorrillos" for a shared
  line), or ``unknown``.
- Node visits: arrivals at a node, i.e. a call's first step and every step at another node than
  the step before. Re-prompts (``invalid``, ``no_input``, ``repeat``), self-service sub-steps and
  the end of a transfer stay at the same node and are not visits. ``calls`` counts each call once.
- How calls end: given "now", a call still in progress (``ivr.storage.calls.in_progress``, the
  definition every page uses) has not ended: it is ``in_progress``, counted apart and shown only
  when there is one. Any other call, the first that applies:
  ``transferred`` (a transfer to a desk began), ``self_service`` (a caller was verified and heard
  their account), ``after_hours`` (a transfer was refused because the line was closed),
  ``flow_ended`` (the IVR hung up, or gave up after too many failed tries or an error),
  ``informed`` (the last thing heard was an information message), ``gave_up`` (the caller hung up
  while being asked something).
- Where callers give up: the last node of the ``gave_up`` calls.
- Transfers per queue: the queue of each ``transfer`` step, and whether Twilio then reported the
  desk connected. A ``transfer_done``/``transfer_failed`` whose start was not recorded counts
  under its node's id.
- Self-service success rate: verified calls over calls that reached a result (verified, or
  rejected/locked/failed/unavailable without a later success). Calls that were in self-service
  but hung up before any result are shown apart, as ``no_result``.
- Average duration: over the calls whose status callback carried a ``CallDuration``.
- Queues, per desk (Twilio queue): ``offered`` callers put in it (``transfer`` steps naming
  it), and how each left it, from the <Enqueue> action's ``QueueResult``: ``answered``
  (bridged), ``abandoned`` (hung up while waiting), ``left`` with its reason (callback, sms,
  closing, max_wait), ``failed`` (error, system-error, queue-full); the abandon rate is
  abandoned over offered; average and longest wait are over the results with ``QueueTime``.

Events read here (``ivr.core.events.CallEvent``, each sorted by ``meaning``): ``transfer`` with
the queue (or ``dial``) as detail, then its result (``transfer_done`` / ``transfer_failed``, or
how the caller left the desk's queue); ``after_hours``; the flow's ends (``hangup``, ``failed``,
``error``); ``message``; self-service: any of its events means the caller was in it,
``selfservice_verified`` is a success, ``selfservice_rejected``, ``_locked``, ``_failed``,
``_unavailable``, ``_paused`` and ``unconfigured`` are failures.

CSV (``--csv FILE``): one row per ``section,key,value``, the numbers of the printed report.
``--calls-csv FILE``: one row per call (CallSid, start in Lima, campus, path, ending ...).
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TextIO

from ivr.clock import LIMA, to_lima
from ivr.core.events import (
    CONNECTED,
    FLOW_END_EVENTS,
    SELF_SERVICE_EVENTS,
    SELF_SERVICE_FAILURE,
    SELF_SERVICE_SUCCESS,
    TRANSFER_EVENTS,
    TRANSFER_RESULTS,
    CallEvent,
)
from ivr.core.figures import DeskFigures, DeskTable, QueueOutcome, outcome
from ivr.storage.calls import CallRecord
from ivr.storage.calls import in_progress as call_in_progress

# A queue result's detail (ivr.core.queue.dialogue) is "<desk> <seconds>", or "<desk> <reason>
# <seconds>" (left: callback, sms, closing, max_wait; failed: Twilio's QueueResult); seconds is
# Twilio's QueueTime, or "-".
ENDINGS = ("transferred", "self_service", "after_hours", "flow_ended", "informed", "gave_up")


# -- one call ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallSummary:
    """What a call amounted to."""

    call: CallRecord
    ending: str  # one of ENDINGS
    queues: tuple[str, ...]  # transfers begun, in order
    connected: tuple[bool | None, ...]  # per transfer: reached a desk, did not, or unknown
    after_hours: bool
    self_service: str | None  # "success", "failure", "no_result" or None (never entered)

    @property
    def last_node(self) -> str:
        return self.call.steps[-1].node


def path(call: CallRecord) -> tuple[str, ...]:
    """Return the nodes a call arrived at, in order (a node again only after another one)."""
    # a step without a node is not a visit, but the step after it arrives somewhere
    return tuple(
        step.node
        for before, step in zip((None, *call.steps), call.steps, strict=False)
        if step.node and (before is None or before.node != step.node)
    )


def self_service_result(event: CallEvent) -> bool | None:
    """Return True for a verified caller, False for a failed check, None for any other step."""
    if event in SELF_SERVICE_SUCCESS:
        return True
    if event in SELF_SERVICE_FAILURE:
        return False
    return None


def in_progress(call: CallRecord, now: datetime | None) -> bool:
    """Whether a call is still going on at ``now`` (never, without a "now")."""
    return now is not None and call_in_progress(call, now)


def summarise_call(call: CallRecord, now: datetime | None = None) -> CallSummary:
    """Classify one call: its transfers, after-hours, self-service and how it ended."""
    queues: list[str] = []
    connected: list[bool | None] = []
    entered_self_service = False
    results: list[bool] = []
    open_transfer = False
    for step in call.steps:
        if step.event == CallEvent.TRANSFER:
            queues.append(step.detail or "unknown")
            connected.append(None)
            open_transfer = True
        elif step.event in TRANSFER_RESULTS:
            if not open_transfer:  # its start was not recorded: count it under its node
                queues.append(step.node)
                connected.append(None)
            connected[-1] = step.event in CONNECTED
            open_transfer = False
        result = self_service_result(step.event)
        if result is not None:
            results.append(result)
        entered_self_service |= step.event in SELF_SERVICE_EVENTS
    events = {step.event for step in call.steps}
    self_service = None
    if entered_self_service:
        self_service = "success" if any(results) else "failure" if results else "no_result"
    after_hours = CallEvent.AFTER_HOURS in events
    if in_progress(call, now):
        ending = "in_progress"
    elif events & TRANSFER_EVENTS:
        ending = "transferred"
    elif self_service == "success":
        ending = "self_service"
    elif after_hours:
        ending = "after_hours"
    elif events & FLOW_END_EVENTS:
        ending = "flow_ended"
    elif call.steps[-1].event == CallEvent.MESSAGE:
        ending = "informed"
    else:
        ending = "gave_up"
    return CallSummary(call, ending, tuple(queues), tuple(connected), after_hours, self_service)


# -- many calls ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueueTransfers:
    queue: str
    transfers: int
    connected: int
    not_connected: int


# One caller out of a desk's queue, read back from a call record step (defined once, in core).
QueueResult = QueueOutcome


def queue_result(event: CallEvent, detail: str) -> QueueResult | None:
    """Read a queue result step; None for any other step."""
    return outcome(event, detail)


@dataclass(frozen=True, slots=True)
class QueueFigures:
    """What callers of one desk's queue did (ivr report, "Queues")."""

    desk: str
    offered: int  # callers put in the queue
    answered: int
    abandoned: int  # hung up while waiting
    left: tuple[tuple[str, int], ...]  # left with a reason: callback, sms, closing, max_wait
    failed: int
    redirected: int
    timed: int  # results with Twilio's QueueTime
    total_wait_s: int
    longest_wait_s: int

    @property
    def left_total(self) -> int:
        return sum(n for _, n in self.left)

    @property
    def average_wait_s(self) -> float | None:
        return self.total_wait_s / self.timed if self.timed else None

    @property
    def abandon_rate(self) -> float | None:
        return self.abandoned / self.offered if self.offered else None


def queue_figures_from(
    offered: Counter[str], results: Iterable[tuple[QueueResult, int]]
) -> tuple[QueueFigures, ...]:
    """Add up, per desk, the callers offered and (result, how many times it happened)."""
    per_desk: dict[str, list[tuple[QueueResult, int]]] = {}
    for found, times in results:
        per_desk.setdefault(found.desk, []).append((found, times))
    figures = []
    for desk in sorted(set(offered) | set(per_desk)):
        mine = per_desk.get(desk, [])
        kinds: Counter[str] = Counter()
        left: Counter[str] = Counter()
        for r, times in mine:
            kinds[r.result] += times
            if r.result == "left":
                left[r.reason or "unknown"] += times
        waits = [(r.seconds, times) for r, times in mine if r.seconds is not None]
        figures.append(
            QueueFigures(
                desk=desk,
                offered=max(offered[desk], sum(times for _, times in mine)),
                answered=kinds["answered"],
                abandoned=kinds["abandoned"],
                left=ranked(left),
                failed=kinds["failed"],
                redirected=kinds["redirected"],
                timed=sum(times for _, times in waits),
                total_wait_s=sum(seconds * times for seconds, times in waits),
                longest_wait_s=max((seconds for seconds, _ in waits), default=0),
            )
        )
    return tuple(figures)


@dataclass(frozen=True, slots=True)
class Report:
    """The numbers of ``ivr report`` for a range of Lima days."""

    first_day: date
    last_day: date
    calls: int
    per_campus: tuple[tuple[str, int], ...]
    node_visits: tuple[tuple[str, int, int], ...]  # node, visits, calls
    endings: tuple[tuple[str, int], ...]
    gave_up_at: tuple[tuple[str, int], ...]
    after_hours: int
    after_hours_at: tuple[tuple[str, int], ...]  # the transfer node that was closed
    transfers: tuple[QueueTransfers, ...]
    self_service: tuple[tuple[str, int], ...]  # calls: success, failure, no_result
    self_service_events: tuple[tuple[str, int], ...]  # result steps by event
    with_duration: int
    total_duration_s: int
    queues: tuple[QueueFigures, ...] = ()
    in_progress: int = 0  # calls still going on (not in ``endings``)
    # desks answered by the service: per desk, callbacks requested, placed, reached, unreached
    callbacks: tuple[tuple[str, int, int, int, int], ...] = ()
    # the figures of the field per desk and half hour (ivr.core.figures): filled by the caller
    desk_table: DeskTable = field(default_factory=DeskTable)

    @property
    def average_duration_s(self) -> float | None:
        return self.total_duration_s / self.with_duration if self.with_duration else None

    @property
    def self_service_rate(self) -> float | None:
        counts = dict(self.self_service)
        decided = counts["success"] + counts["failure"]
        return counts["success"] / decided if decided else None


def ranked(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    """Most first, then by name: stable output for the same data."""
    return tuple(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


@dataclass
class Tally:
    """The counts a report is made of, as a range's calls are added up (here or in SQL)."""

    calls: int = 0
    campuses: Counter[str] = field(default_factory=Counter)
    visits: Counter[str] = field(default_factory=Counter)  # arrivals at each node
    visiting_calls: Counter[str] = field(default_factory=Counter)  # calls arriving at each node
    endings: Counter[str] = field(default_factory=Counter)
    gave_up: Counter[str] = field(default_factory=Counter)  # the last node of gave_up calls
    after_hours: int = 0
    after_hours_at: Counter[str] = field(default_factory=Counter)
    transfers: dict[str, list[int]] = field(default_factory=dict)  # [begun, connected, not]
    self_service: Counter[str] = field(default_factory=Counter)  # success, failure, no_result
    self_service_events: Counter[str] = field(default_factory=Counter)
    with_duration: int = 0
    total_duration_s: int = 0
    offered: Counter[str] = field(default_factory=Counter)  # callers put in each desk's queue
    queue_results: list[tuple[QueueResult, int]] = field(default_factory=list)

    def transfer(self, queue: str, times: int, connected: int, not_connected: int) -> None:
        counts = self.transfers.setdefault(queue, [0, 0, 0])
        counts[0] += times
        counts[1] += connected
        counts[2] += not_connected

    def report(self, first_day: date, last_day: date) -> Report:
        return Report(
            first_day=first_day,
            last_day=last_day,
            calls=self.calls,
            per_campus=ranked(self.campuses),
            node_visits=tuple(
                (node, count, self.visiting_calls[node]) for node, count in ranked(self.visits)
            ),
            endings=tuple((ending, self.endings[ending]) for ending in ENDINGS),
            gave_up_at=ranked(self.gave_up),
            after_hours=self.after_hours,
            after_hours_at=ranked(self.after_hours_at),
            transfers=tuple(
                QueueTransfers(queue, *self.transfers[queue])
                for queue, _ in ranked(Counter({q: c[0] for q, c in self.transfers.items()}))
            ),
            self_service=tuple(
                (key, self.self_service[key]) for key in ("success", "failure", "no_result")
            ),
            self_service_events=ranked(self.self_service_events),
            with_duration=self.with_duration,
            total_duration_s=self.total_duration_s,
            queues=queue_figures_from(self.offered, self.queue_results),
            in_progress=self.endings["in_progress"],
        )


def summarise(
    calls: Iterable[CallRecord], first_day: date, last_day: date, now: datetime | None = None
) -> Report:
    """Add up the calls of a range of days (``now`` tells calls in progress apart)."""
    tally = Tally()
    for call in calls:
        summary = summarise_call(call, now)
        tally.calls += 1
        tally.campuses[call.campus] += 1
        arrivals = path(call)
        tally.visits.update(arrivals)
        tally.visiting_calls.update(set(arrivals))
        for step in call.steps:
            if step.event == CallEvent.AFTER_HOURS:
                tally.after_hours_at[step.node] += 1
            elif self_service_result(step.event) is not None:
                tally.self_service_events[step.event] += 1
            elif step.event == CallEvent.TRANSFER and step.detail and step.detail != "dial":
                tally.offered[step.detail] += 1
            found = queue_result(step.event, step.detail)
            if found is not None:
                tally.queue_results.append((found, 1))
        tally.endings[summary.ending] += 1
        if summary.ending == "gave_up":
            tally.gave_up[summary.last_node] += 1
        tally.after_hours += summary.after_hours
        for queue, connected in zip(summary.queues, summary.connected, strict=True):
            tally.transfer(queue, 1, connected is True, connected is False)
        if summary.self_service:
            tally.self_service[summary.self_service] += 1
        if call.duration_s is not None:
            tally.with_duration += 1
            tally.total_duration_s += call.duration_s
    return tally.report(first_day, last_day)


def day_bounds(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """Return [start, end) in Lima time for a range of Lima days, both inclusive."""
    start = datetime.combine(first_day, time(), tzinfo=LIMA)
    end = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=LIMA)
    return start, end


# -- rendering -----------------------------------------------------------------------------------
def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _table(title: str, headers: tuple[str, ...], rows: Iterable[tuple[object, ...]]) -> list[str]:
    """A titled table: the first column left-aligned, the others right-aligned."""
    body = [tuple(str(cell) for cell in row) for row in rows]
    if not body:
        return [title, "  (none)", ""]
    table = [headers, *body]
    widths = [max(len(row[i]) for row in table) for i in range(len(headers))]
    lines = [title]
    for row in table:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
    return [*lines, ""]


def render(report: Report) -> str:
    """The report as a readable text table."""
    calls = report.calls
    days = (
        f"on {report.first_day.isoformat()}"
        if report.first_day == report.last_day
        else f"from {report.first_day.isoformat()} to {report.last_day.isoformat()}"
    )
    average = report.average_duration_s
    lines = [
        f"Calls {days} (America/Lima): {calls}",
        "Average duration: "
        + (f"{average:.1f} s over {report.with_duration} calls" if average is not None else "-"),
        "",
    ]
    lines += _table(
        "Calls per campus",
        ("campus", "calls", "share"),
        ((campus, n, _percent(n, calls)) for campus, n in report.per_campus),
    )
    lines += _table("Node visits", ("node", "visits", "calls"), report.node_visits)
    lines += _table(
        "How calls end",
        ("ending", "calls", "share"),
        (
            (ending, n, _percent(n, calls))
            for ending, n in (
                *report.endings,
                *((("in_progress", report.in_progress),) if report.in_progress else ()),
            )
        ),
    )
    gave_up = dict(report.endings)["gave_up"]
    lines += _table(
        f"Where callers give up ({gave_up} calls hung up while being asked)",
        ("last node", "calls", "share"),
        ((node, n, _percent(n, gave_up)) for node, n in report.gave_up_at),
    )
    lines += _table(
        f"After hours: {report.after_hours} calls ({_percent(report.after_hours, calls)})",
        ("closed transfer", "times"),
        report.after_hours_at,
    )
    lines += _table(
        "Transfers per queue",
        ("queue", "transfers", "connected", "not connected"),
        ((t.queue, t.transfers, t.connected, t.not_connected) for t in report.transfers),
    )
    lines += _table(
        "Queues: callers waiting for a desk",
        ("desk", "offered", "answered", "abandoned", "left", "failed", "abandon rate",
         "average wait", "longest wait"),
        (
            (
                q.desk, q.offered, q.answered, q.abandoned, q.left_total, q.failed,
                _percent(q.abandoned, q.offered),
                "-" if q.average_wait_s is None else f"{q.average_wait_s:.0f} s",
                f"{q.longest_wait_s} s" if q.timed else "-",
            )
            for q in report.queues
        ),
    )  # fmt: skip
    lines += _table(
        "Left the queue, by reason",
        ("desk", "reason", "callers"),
        ((q.desk, reason, n) for q in report.queues for reason, n in q.left),
    )
    if report.callbacks:
        lines += _table(
            "Callbacks",
            ("desk", "requested", "placed", "reached", "unreached"),
            report.callbacks,
        )
    lines += desk_lines(report.desk_table)
    counts = dict(report.self_service)
    rate = report.self_service_rate
    lines += _table(
        "Self-service: "
        + (f"{100 * rate:.1f}% success" if rate is not None else "no results")
        + f" ({counts['success']} calls verified, {counts['failure']} failed,"
        + f" {counts['no_result']} hung up before a result)",
        ("result", "times"),
        report.self_service_events,
    )
    return "\n".join(lines[:-1]) + "\n"


DESK_HEADERS = (
    "offered", "answered", "abandoned", "short abandons", "left with callback",
    "avg speed of answer", "service level", "callbacks requested", "placed", "reached",
    "within estimate",
)  # fmt: skip


def desk_cells(f: DeskFigures) -> tuple[object, ...]:
    """One desk's figures as the report's cells (the definitions: ``ivr.core.figures``)."""
    asa, level = f.average_answer_s, f.service_level
    return (
        f.offered, f.answered, f.abandoned, f.short_abandoned, f.left_callback,
        "-" if asa is None else f"{asa:.0f} s",
        "-" if level is None else f"{100 * level:.1f}%",
        f.callbacks_requested, f.callbacks_placed, f.callbacks_reached,
        "-" if f.estimate_hits is None else f"{100 * f.estimate_hits:.1f}%",
    )  # fmt: skip


def desk_lines(table: DeskTable) -> list[str]:
    """The desk figures, per desk and per desk and half hour (Lima)."""
    if not table.desks:
        return []
    lines = _table(
        "Desks: the figures of the field (docs/operators.md)",
        ("desk", *DESK_HEADERS),
        ((desk, *desk_cells(f)) for desk, f in table.desks.items()),
    )
    return lines + _table(
        "Desks per half hour",
        ("desk", "half hour", *DESK_HEADERS),
        (
            (desk, at.strftime("%Y-%m-%d %H:%M"), *desk_cells(f))
            for (desk, at), f in table.half_hours.items()
        ),
    )


def desk_rows(table: DeskTable) -> Iterator[tuple[str, str, str]]:
    """The desk figures as CSV rows: per desk, then per desk and half hour (``desk@HH:MM``)."""
    keyed = [*table.desks.items()]
    keyed += [
        (f"{desk}@{at.strftime('%Y-%m-%dT%H:%M')}", f) for (desk, at), f in table.half_hours.items()
    ]
    for key, f in keyed:
        asa, level = f.average_answer_s, f.service_level
        yield ("desk_offered", key, str(f.offered))
        yield ("desk_answered", key, str(f.answered))
        yield ("desk_abandoned", key, str(f.abandoned))
        yield ("desk_short_abandoned", key, str(f.short_abandoned))
        yield ("desk_left_callback", key, str(f.left_callback))
        yield ("desk_average_answer_s", key, "" if asa is None else f"{asa:.1f}")
        yield ("desk_service_level", key, "" if level is None else f"{level:.3f}")
        yield ("desk_callbacks_requested", key, str(f.callbacks_requested))
        yield ("desk_callbacks_placed", key, str(f.callbacks_placed))
        yield ("desk_callbacks_reached", key, str(f.callbacks_reached))
        hits = f.estimate_hits
        yield ("desk_within_estimate", key, "" if hits is None else f"{hits:.3f}")


def summary_rows(report: Report) -> Iterator[tuple[str, str, str]]:
    """The report as (section, key, value) rows, for ``--csv``."""
    yield ("range", "from", report.first_day.isoformat())
    yield ("range", "to", report.last_day.isoformat())
    yield ("calls", "total", str(report.calls))
    yield ("calls", "with_duration", str(report.with_duration))
    average = report.average_duration_s
    yield ("calls", "average_duration_s", f"{average:.1f}" if average is not None else "")
    for campus, n in report.per_campus:
        yield ("campus", campus, str(n))
    for node, visits, calls in report.node_visits:
        yield ("node_visits", node, str(visits))
        yield ("node_calls", node, str(calls))
    for ending, n in report.endings:
        yield ("ending", ending, str(n))
    yield ("ending", "in_progress", str(report.in_progress))
    for node, n in report.gave_up_at:
        yield ("gave_up_at", node, str(n))
    yield ("after_hours", "calls", str(report.after_hours))
    for node, n in report.after_hours_at:
        yield ("after_hours_at", node, str(n))
    for t in report.transfers:
        yield ("transfers", t.queue, str(t.transfers))
        yield ("transfers_connected", t.queue, str(t.connected))
        yield ("transfers_not_connected", t.queue, str(t.not_connected))
    for q in report.queues:
        yield ("queue_offered", q.desk, str(q.offered))
        yield ("queue_answered", q.desk, str(q.answered))
        yield ("queue_abandoned", q.desk, str(q.abandoned))
        yield ("queue_left", q.desk, str(q.left_total))
        for reason, n in q.left:
            yield (f"queue_left_{reason}", q.desk, str(n))
        yield ("queue_failed", q.desk, str(q.failed))
        rate = q.abandon_rate
        yield ("queue_abandon_rate", q.desk, f"{rate:.3f}" if rate is not None else "")
        average = q.average_wait_s
        yield ("queue_average_wait_s", q.desk, f"{average:.1f}" if average is not None else "")
        yield ("queue_longest_wait_s", q.desk, str(q.longest_wait_s) if q.timed else "")
    yield from desk_rows(report.desk_table)
    for event, n in report.self_service_events:
        yield ("selfservice_event", event, str(n))
    for key, n in report.self_service:
        yield ("selfservice", key, str(n))
    rate = report.self_service_rate
    yield ("selfservice", "success_rate", f"{rate:.3f}" if rate is not None else "")


def write_summary_csv(report: Report, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(("section", "key", "value"))
    writer.writerows(summary_rows(report))


CALL_COLUMNS = (
    "call_sid",
    "started_at",
    "campus",
    "steps",
    "path",
    "last_node",
    "ending",
    "queues",
    "after_hours",
    "selfservice",
    "call_status",
    "duration_s",
)


def write_calls_csv(calls: Iterable[CallRecord], out: TextIO, now: datetime | None = None) -> None:
    """One row per call; ``path`` is the nodes visited, joined by ``>``."""
    writer = csv.writer(out)
    writer.writerow(CALL_COLUMNS)
    for call in calls:
        summary = summarise_call(call, now)
        writer.writerow(
            (
                call.call_sid,
                to_lima(call.started_at).isoformat(timespec="seconds"),
                call.campus,
                len(call.steps),
                ">".join(path(call)),
                summary.last_node,
                summary.ending,
                " ".join(summary.queues),
                "yes" if summary.after_hours else "no",
                summary.self_service or "",
                call.call_status or "",
                "" if call.duration_s is None else call.duration_s,
            )
        )
