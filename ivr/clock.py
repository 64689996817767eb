"""The one clock seam: every "now" in the application comes from here, in Lima time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

LIMA = ZoneInfo("America/Lima")

Clock = Callable[[], datetime]


def now() -> datetime:
    """Return the current instant as an aware datetime in America/Lima."""
    return datetime.now(LIMA)


def to_lima(moment: datetime) -> datetime:
    """Return an aware datetime converted to Lima time; refuse naive datetimes."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every instant must carry its timezone")
    return moment.astimezone(LIMA)
