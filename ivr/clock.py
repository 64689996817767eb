"""The one clock seam: every "now" in the application comes from here, in Lima time."""

from __future__ import annotations

from datetime import datetime

from ivr.core.lima import LIMA, Clock, to_lima

__all__ = ["LIMA", "Clock", "now", "to_lima"]


def now() -> datetime:
    """Return the current instant as an aware datetime in America/Lima."""
    return datetime.now(LIMA)
