"""The wait told from history (ivr.core.queue.estimate): ranges, thin history, a replayed week."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from ivr.clock import LIMA
from ivr.core.events import CallEvent
from ivr.core.figures import tally
from ivr.core.queue.estimate import (
    MIN_HISTORY,
    estimate,
    estimate_text,
    history_windows,
    runs_past,
    told_code,
)
from ivr.observability.deskfigures import outcomes
from ivr.observability.report import desk_lines
from ivr.storage.calls import CallRecord, Step


def test_thin_history_says_nothing() -> None:
    assert estimate([60] * (MIN_HISTORY - 1)) is None
    told = estimate([60] * MIN_HISTORY)
    assert told is not None
    assert estimate_text(told) == "El tiempo de espera estimado es de menos de cinco minutos."


def test_the_narrowest_range_that_holds_the_middle_of_the_history() -> None:
    def code(waits: list[int]) -> str | None:
        told = estimate(waits)
        return told.code if told else None

    assert code(list(range(10, 290, 10))) == "lt5"  # 28 waits, all under five minutes
    assert code(list(range(310, 590, 10))) == "5-10"
    assert code(list(range(620, 900, 10))) == "gt10"
    assert code(list(range(10, 590, 20))) == "lt10"
    assert code(list(range(310, 900, 20))) == "gt5"
    assert code(list(range(10, 1200, 40))) is None  # spread over every range: none is honest
    # an outlier past the 95th percentile does not widen the range (19 + 1 of 20 at the tail)
    assert code([100] * 39 + [2000]) == "lt5"


def test_the_history_is_the_same_half_hour_of_the_last_four_weeks() -> None:
    now = datetime(2026, 11, 21, 13, 50, tzinfo=LIMA)  # a Saturday
    windows = history_windows(now)
    assert windows[0] == (
        datetime(2026, 11, 14, 13, 30, tzinfo=LIMA),
        datetime(2026, 11, 14, 14, 0, tzinfo=LIMA),
    )
    assert windows[-1][0] == datetime(2026, 10, 24, 13, 30, tzinfo=LIMA)
    assert len(windows) == 4


def test_the_guard_runs_past_closing_on_the_usual_wait() -> None:
    now = datetime(2026, 11, 21, 13, 50, tzinfo=LIMA)
    closes = datetime(2026, 11, 21, 14, 0, tzinfo=LIMA)
    assert runs_past([700] * 25, now, closes)  # usually answered after 11 min 40 s
    assert not runs_past([300] * 25, now, closes)  # 5 minutes: before closing
    assert not runs_past([700] * 10, now, closes)  # too thin to say
    assert not runs_past([700] * 25, now, None)  # open around the clock


def test_the_range_is_read_back_from_the_wait_step() -> None:
    assert told_code("position 3 estimate 5-10") == "5-10"
    assert told_code("position 3") is None
    assert told_code("position - estimate bogus") is None


# -- a replayed week -----------------------------------------------------------------------------
MONDAY = datetime(2026, 11, 2, tzinfo=LIMA)


def _slot_mean(start: datetime) -> float:
    """The known distribution: quick mornings, slow afternoons."""
    return 150.0 if start.hour < 13 else 420.0


def _draw(rng: random.Random, start: datetime) -> int:
    mean = _slot_mean(start)
    return max(1, round(rng.gauss(mean, mean / 6)))


def test_a_replayed_week_is_answered_within_the_range_told_at_least_80_percent() -> None:
    rng = random.Random(20)
    calls: list[CallRecord] = []
    told_any = 0
    for day in range(6):  # Monday to Saturday, 9:00 to 17:00
        for half in range(16):
            slot = MONDAY + timedelta(days=day, hours=9, minutes=30 * half)
            history = [_draw(rng, slot) for _ in range(4 * 8)]  # 4 weeks, 8 answered per slot
            told = estimate(history)
            for n in range(6):
                enter = (slot + timedelta(minutes=4 * n)).astimezone(UTC)
                wait = _draw(rng, slot)
                detail = "position 1" + (f" estimate {told.code}" if told else "")
                told_any += told is not None
                calls.append(
                    CallRecord(
                        f"CA{day}{half:02}{n}",
                        "Breña",
                        (
                            Step(enter, "help-desk", CallEvent.QUEUE_WAIT, detail),
                            Step(
                                enter + timedelta(seconds=wait),
                                "help-desk",
                                CallEvent.QUEUE_ANSWERED,
                                f"helpdesk {wait}",
                            ),
                        ),
                    )
                )
    assert told_any == len(calls)  # 32 waits per slot: every caller was told a range
    desk = tally(outcomes(calls)).desks["helpdesk"]
    assert desk.told_answered == 6 * 16 * 6
    assert desk.estimate_hits is not None and desk.estimate_hits >= 0.8
    hits = f"{100 * desk.estimate_hits:.1f}%"
    assert any(
        line.startswith("  helpdesk") and line.endswith(hits)
        for line in desk_lines(tally(outcomes(calls)))
    )
