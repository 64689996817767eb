"""Lima time: every instant the core handles is an aware datetime in America/Lima.

The core never reads a clock; ``ivr.clock.now`` is the one seam that does, and hands its
instant in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")

Clock = Callable[[], datetime]


def to_lima(moment: datetime) -> datetime:
    """Return an aware datetime converted to Lima time; refuse naive datetimes."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant must carry its timezone")
    return moment.astimezone(LIMA)
