"""The desk figures (``ivr.core.figures``) of a range of Lima days, from the stores.

The call records give each caller out of a desk's queue, the callbacks store the callbacks;
``ivr report``, its CSV and the console's pages all read the figures from ``desk_table``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from ivr.clock import to_lima
from ivr.core.figures import DeskTable, QueueOutcome, outcome, tally
from ivr.core.queue.wait import QueueSettings
from ivr.storage.calls import CallRecord
from ivr.storage.desks import DeskStore


def outcomes(calls: Iterable[CallRecord]) -> Iterator[QueueOutcome]:
    """Every caller out of a desk's queue in these calls, at the Lima instant they left."""
    for call in calls:
        for step in call.steps:
            found = outcome(step.event, step.detail, to_lima(step.at))
            if found is not None:
                yield found


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
