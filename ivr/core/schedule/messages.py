"""Which message swaps are active at an instant: a pure function of time.

Nothing is "switched on" in memory: every request asks ``active_messages(schedules, now)``, so a
process that started mid-window, slept, or is one of several gunicorn workers gives the same
answer at the same instant. The scheduler only logs the swaps at ``boundaries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ivr.core.lima import to_lima
from ivr.core.schedule.evaluation import line_state
from ivr.core.schedule.model import MessageSwap, Override, Schedules, Slot


@dataclass(frozen=True, slots=True)
class ActiveMessages:
    """The texts active per slot, in the order of messages.yaml (first = highest priority).

    For ``greeting`` and ``after_hours`` a caller hears only the first; ``announcement`` texts
    are all played, in order. ``names`` lists every active message, for logs and tools.
    """

    greeting: tuple[str, ...] = ()
    announcement: tuple[str, ...] = ()
    after_hours: tuple[str, ...] = ()
    names: tuple[str, ...] = ()

    def texts(self, slot: Slot) -> tuple[str, ...]:
        """Return the active texts of ``slot``, highest priority first."""
        texts: tuple[str, ...] = getattr(self, slot)
        return texts

    def first(self, slot: Slot) -> str | None:
        """Return the text that replaces ``slot``, or None to keep the default wording."""
        texts = self.texts(slot)
        return texts[0] if texts else None


def active_messages(
    schedules: Schedules, now: datetime, *, override: Override | None = None
) -> ActiveMessages:
    """Return the message swaps active at ``now`` (aware, any timezone), per slot."""
    moment = to_lima(now)
    active = [swap for swap in schedules.messages if is_active(schedules, swap, moment, override)]
    return ActiveMessages(
        greeting=tuple(s.text for s in active if s.slot == "greeting"),
        announcement=tuple(s.text for s in active if s.slot == "announcement"),
        after_hours=tuple(s.text for s in active if s.slot == "after_hours"),
        names=tuple(s.name for s in active),
    )


def is_active(
    schedules: Schedules, swap: MessageSwap, now: datetime, override: Override | None
) -> bool:
    """Return whether every condition of ``swap`` holds at ``now``."""
    moment = to_lima(now)
    # messages.yaml: 'from' is the first active minute, 'until' the first inactive one.
    if swap.starts is not None and moment < swap.starts:
        return False
    if swap.ends is not None and moment >= swap.ends:
        return False
    if swap.weekdays is not None and moment.weekday() not in swap.weekdays:
        return False
    if swap.times is not None and moment.time() not in swap.times:
        return False
    if swap.when is not None:
        is_open = line_state(schedules.line(swap.line), moment, override)[0]
        if is_open != (swap.when == "open"):
            return False
    return True
