"""What a wallboard shows of the desks now: the Prometheus gauges, read at scrape time.

Callers waiting and the longest wait per desk, agents per desk and state, and calls in progress
(``ivr.storage.calls.in_progress``, the one definition every page uses), read from the shared
database when ``/metrics`` is scraped, so every worker and host tells the same; cached for
``TTL`` so that a wallboard scraping every few seconds costs one read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import Engine

from ivr.clock import to_lima
from ivr.core.desks import AGENT_STATES
from ivr.core.events import QUEUE_RESULTS, CallEvent
from ivr.storage.calls import CallStore, Step
from ivr.storage.desks import DeskStore

TTL = timedelta(seconds=5)


def waiting_for(steps: Sequence[Step]) -> tuple[str | None, datetime | None]:
    """The desk whose queue the call is in (entered and not yet left), and since when (Lima)."""
    desk: str | None = None
    since: datetime | None = None
    for step in steps:
        if step.event == CallEvent.TRANSFER and step.detail and step.detail != "dial":
            desk, since = step.detail, to_lima(step.at)
        elif step.event in QUEUE_RESULTS or step.event == CallEvent.TRANSFER_DONE:
            desk, since = None, None
    return desk, since


@dataclass(frozen=True, slots=True)
class Live:
    """The desks now."""

    in_progress: int
    waiting: Mapping[str, int]
    longest_s: Mapping[str, int]
    agents: Mapping[tuple[str, str], int]  # (desk, state): agents


def read(engine: Engine, now: datetime) -> Live:
    """Read the desks now from the call records and the desks store."""
    calls = CallStore(engine).in_progress(now)
    waiting: dict[str, int] = {}
    longest: dict[str, int] = {}
    for call in calls:
        desk, since = waiting_for(call.steps)
        if desk is not None and since is not None:
            waiting[desk] = waiting.get(desk, 0) + 1
            waited = max(0, int((now - since).total_seconds()))
            longest[desk] = max(longest.get(desk, 0), waited)
    agents: dict[tuple[str, str], int] = {}
    for agent in DeskStore(engine).agents():
        for desk in agent.desks:
            agents[(desk, agent.state.value)] = agents.get((desk, agent.state.value), 0) + 1
    return Live(len(calls), waiting, longest, agents)


class LiveCollector:
    """The gauges, from ``read`` at most once per ``TTL`` of ``clock``."""

    def __init__(self, source: Callable[[], Live], clock: Callable[[], datetime]) -> None:
        self.source = source
        self.clock = clock
        self.reads = 0
        self._lock = threading.Lock()
        self._cached: tuple[datetime, Live] | None = None

    def live(self) -> Live:
        now = self.clock()
        with self._lock:
            if self._cached is None or now - self._cached[0] >= TTL:
                self._cached = (now, self.source())
                self.reads += 1
            return self._cached[1]

    def collect(self) -> Iterator[Metric]:
        live = self.live()
        calls = GaugeMetricFamily("ivr_calls_in_progress", "Calls in the IVR now.")
        calls.add_metric([], live.in_progress)
        waiting = GaugeMetricFamily(
            "ivr_queue_callers_waiting", "Callers waiting in a desk's queue now.", labels=["desk"]
        )
        longest = GaugeMetricFamily(
            "ivr_queue_longest_wait_seconds",
            "How long the first caller waiting for a desk has waited.",
            labels=["desk"],
        )
        for desk in sorted(live.waiting):
            waiting.add_metric([desk], live.waiting[desk])
            longest.add_metric([desk], live.longest_s.get(desk, 0))
        agents = GaugeMetricFamily(
            "ivr_desk_agents", "A desk's agents by state now.", labels=["desk", "state"]
        )
        for desk in sorted({desk for desk, _ in live.agents}):
            for state in AGENT_STATES:
                agents.add_metric([desk, state], live.agents.get((desk, state), 0))
        yield from (calls, waiting, longest, agents)

    def exposition(self) -> bytes:
        """The gauges in Prometheus text format (a registry of their own, per scrape)."""
        registry = CollectorRegistry(auto_describe=False)
        registry.register(self)
        return generate_latest(registry)
