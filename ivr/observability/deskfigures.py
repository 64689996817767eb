"""The desk figures (``ivr.core.figures``) of a range of Lima days, from the stores.

The call records give each caller out of a desk's queue, the callbacks store the callbacks;
``ivr report``, its CSV and the console's pages all read the figures from ``desk_table``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from ivr.clock import to_lima
from ivr.core.events import CallEvent
from ivr.core.figures import DeskTable, QueueOutcome, outcome, tally
from ivr.core.queue.estimate import told_code
from ivr.core.queue.wait import QueueSettings
from ivr.storage.calls import CallRecord
from ivr.storage.desks import DeskStore


def outcomes(calls: Iterable[CallRecord]) -> Iterator[QueueOutcome]:
    """Every caller out of a desk's queue in these calls, at the Lima instant they left."""
    for call in calls:
        told: str | None = None  # the range told at the call's first wait answer that had one
        for step in call.steps:
            if step.event == CallEvent.QUEUE_WAIT and told is None:
                told = told_code(step.detail)
            found = outcome(step.event, step.detail, to_lima(step.at))
            if found is not None:
                yield replace(found, told=told)
                told = None


def desk_table(
    calls: Iterable[CallRecord],
    store: DeskStore | None,
    start: datetime,
    end: datetime,
    queues: QueueSettings,
) -> DeskTable:
    """The desk figures of the calls and of the callbacks requested in ``[start, end)``."""
    facts = store.callback_facts(start, end) if store is not None else []
    return tally(
        outcomes(calls),
        facts,
        queues.service_levels(),
        default_level=queues.defaults.service_level_seconds,
    )
