"""The operator files' schedules with the closures and special hours stored from the console.

Pure: the runtime reads the stored ``Adjustment`` values (``ivr.storage.closures``) and hands
them here with the loaded ``Schedules``; the evaluation then answers from the result as from
the YAML alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ivr.core.schedule.model import Adjustment, Closure, Schedules, SpecialHours


def adjusted(schedules: Schedules, adjustments: Sequence[Adjustment]) -> Schedules:
    """Return ``schedules`` with each stored closure and special hours added to its lines.

    A stored entry comes before the YAML's of the same day: it is the operators' latest word
    (the actions refuse a day the YAML already closes or gives hours, but the YAML may be
    edited after). An entry for a line the files no longer have is left out.
    """
    if not adjustments:
        return schedules
    lines = []
    for line in schedules.lines:
        mine = [a for a in adjustments if a.applies_to(line.name)]
        closures = tuple(
            Closure(day, a.label, a.message) for a in mine if a.closes for day in a.days()
        )
        special = tuple(
            SpecialHours(a.first, a.hours, a.label, a.message) for a in mine if not a.closes
        )
        if closures or special:
            line = replace(
                line,
                closures=closures + line.closures,
                special_hours=special + line.special_hours,
            )
        lines.append(line)
    return replace(schedules, lines=tuple(lines))
