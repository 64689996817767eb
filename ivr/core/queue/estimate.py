"""The wait a caller is told: a range from the desk's history, never an exact minute.

The history is the answered waits (Twilio's ``QueueTime`` of the callers put through) of the
same desk, weekday and half hour over the last ``WEEKS`` weeks. With fewer than ``MIN_HISTORY``
of them nothing is said but the caller's place. Otherwise the caller hears the narrowest of the
ranges below that holds the middle 90% of those waits (from the 5th to the 95th percentile):
so about nine callers in ten are answered within what they were told when the desk behaves as
it did. When the waits spread over all of them (some under five minutes, some over ten), no
range is honest and none is said.

Pure: the storage adapter hands in the waits; nothing here reads a clock or a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WEEKS = 4  # weeks of history
MIN_HISTORY = 20  # answered waits needed before a range is said
LOW, HIGH = 0.05, 0.95  # the share of the history a range must hold: from LOW to HIGH


@dataclass(frozen=True, slots=True)
class WaitRange:
    """A range of waits as said to callers, and its code in the call records."""

    code: str
    low_s: int
    high_s: int | None  # None: no upper bound
    words: str

    def holds(self, seconds: int) -> bool:
        """Whether a wait of ``seconds`` falls within the range told."""
        return seconds >= self.low_s and (self.high_s is None or seconds < self.high_s)


FIVE, TEN = 300, 600
# Narrowest first: the first that holds the history's middle is said.
RANGES = (
    WaitRange("lt5", 0, FIVE, "menos de cinco minutos"),
    WaitRange("5-10", FIVE, TEN, "entre cinco y diez minutos"),
    WaitRange("gt10", TEN, None, "más de diez minutos"),
    WaitRange("lt10", 0, TEN, "menos de diez minutos"),
    WaitRange("gt5", FIVE, None, "más de cinco minutos"),
)
BY_CODE = {r.code: r for r in RANGES}


def _quantile(ordered: Sequence[int], share: float) -> int:
    """The nearest-rank quantile of sorted values."""
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def estimate(waits: Sequence[int]) -> WaitRange | None:
    """Return the range to tell a caller from the desk's answered waits; None: say none."""
    if len(waits) < MIN_HISTORY:
        return None
    ordered = sorted(waits)
    low, high = _quantile(ordered, LOW), _quantile(ordered, HIGH)
    for candidate in RANGES:
        if candidate.holds(low) and candidate.holds(high):
            return candidate
    return None


def estimate_text(told: WaitRange) -> str:
    """Say the range: "El tiempo de espera estimado es de menos de cinco minutos." """
    return f"El tiempo de espera estimado es de {told.words}."


def history_windows(now: datetime, weeks: int = WEEKS) -> list[tuple[datetime, datetime]]:
    """The same weekday's half hour as ``now``'s, in each of the last ``weeks`` weeks."""
    start = now.replace(minute=now.minute - now.minute % 30, second=0, microsecond=0)
    return [
        (start - timedelta(weeks=k), start - timedelta(weeks=k) + timedelta(minutes=30))
        for k in range(1, weeks + 1)
    ]


def runs_past(waits: Sequence[int], now: datetime, closes: datetime | None) -> bool:
    """Whether the desk's usual wait (the history's median) ends after the desk closes; never
    said on a history too thin for an estimate."""
    if closes is None or len(waits) < MIN_HISTORY:
        return False
    return now + timedelta(seconds=_quantile(sorted(waits), 0.5)) >= closes


def told_code(detail: str) -> str | None:
    """Read the range told back from a wait step's detail ("position 3 estimate lt5")."""
    parts = detail.split()
    if "estimate" in parts[:-1]:
        code = parts[parts.index("estimate") + 1]
        return code if code in BY_CODE else None
    return None
