"""Call records: each call's path through the tree, kept off the webhook's critical path.

A webhook calls ``step`` (and the status callback ``status``); the row goes into a bounded
in-memory buffer and a background thread writes buffered rows to the shared database about once
a second, through the call tables' store (``ivr.storage.calls.CallStore``). Every host writes
its steps into the same tables, keyed by CallSid, so ``ivr report`` on any host sees each call
whole, whichever hosts answered its steps. A request never waits for the database: when the
writer falls behind, the oldest rows are dropped and counted instead.

Under gunicorn the app may be created in the master and forked into workers. The writer thread
is therefore started lazily by the first row a process records, and a forked child starts from
an empty buffer and new locks (``os.register_at_fork``, with an ``os.getpid()`` check as a
second line): rows buffered in the parent stay the parent's to write.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections import deque
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, cast, runtime_checkable

from sqlalchemy import Engine

from ivr.core.events import CallEvent
from ivr.observability.privacy import scrub_detail, scrub_said
from ivr.storage.calls import (
    UNKNOWN_CAMPUS,
    CallRecord,
    CallStore,
    StatusRow,
    StepRecorder,
    StepRow,
)
from ivr.storage.database import (
    STORE_ERRORS,
    WAIT_SECONDS,
    answer_within,
    describe,
    make_engine,
    prepare,
    sqlite_url,
)

log = logging.getLogger("ivr.calls")

MAX_DETAIL = 100  # speech text trimmed to 100 characters; no detail needs more
MAX_NAME = 64  # node ids are at most 64 characters (ivr.web.webhook.NODE_ID)


@runtime_checkable
class CallRecorder(StepRecorder, Protocol):
    """Where the webhooks report each step of a call and how it ended. Never raises."""

    def status(
        self, call_sid: str, at: datetime, call_status: str, duration_s: int | None
    ) -> None: ...

    def flush(self) -> int: ...

    def close(self) -> None: ...


@runtime_checkable
class CallHistory(Protocol):
    """What ``ivr report`` reads."""

    def calls(self, start: datetime, end: datetime) -> Iterator[CallRecord]:
        """Yield the calls whose first step is in [start, end), in time order, with every step."""
        ...


class NullCallRecorder:
    """Records nothing (benchmarks, or a deployment that keeps no call records)."""

    def step(
        self,
        call_sid: str,
        at: datetime,
        campus: str | None,
        node: str,
        event: CallEvent,
        detail: str,
        *,
        said: str = "",
        request: str = "",
    ) -> None:
        return None

    def status(self, call_sid: str, at: datetime, call_status: str, duration_s: int | None) -> None:
        return None

    def flush(self) -> int:
        return 0

    def close(self) -> None:
        return None

    def calls(self, start: datetime, end: datetime) -> Iterator[CallRecord]:
        return iter(())


# -- the database recorder -----------------------------------------------------------------------
_Row = tuple[str, StepRow | StatusRow]  # ("step" | "status", row)


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: every instant must carry its timezone")
    return moment


_live: weakref.WeakSet[SqlCallRecorder] = weakref.WeakSet()


def close_all() -> None:
    """Write what every live recorder of this process still buffers (atexit, gunicorn hooks)."""
    for recorder in list(_live):
        recorder.close()


atexit.register(close_all)


class SqlCallRecorder:
    """Call records in the shared database, written by a background thread."""

    # Per process: replaced in a forked child by _reset().
    _pid: int
    _wake: threading.Condition  # guards _buffer and _closed; wakes the writer
    _write_lock: threading.Lock  # one flush at a time, so rows reach the file in order
    _buffer: deque[_Row]
    _writer: threading.Thread | None
    _failing: bool

    def __init__(
        self,
        engine: Engine,
        *,
        flush_seconds: float = 1.0,
        batch_rows: int = 500,
        max_buffered: int = 20_000,
    ) -> None:
        """Use ``engine`` (its schema up to date), but start no thread yet."""
        self.engine = engine
        self.store = CallStore(engine)
        self.flush_seconds = flush_seconds
        self.batch_rows = batch_rows
        self.max_buffered = max_buffered
        self.dropped = 0  # rows lost: buffer full, recorded after close, or malformed
        self._reset()
        self._closed = False
        _live.add(self)

    # -- webhook side: never blocks on I/O, never raises ----------------------------------------
    def step(
        self,
        call_sid: str,
        at: datetime,
        campus: str | None,
        node: str,
        event: CallEvent,
        detail: str,
        *,
        said: str = "",
        request: str = "",
    ) -> None:
        """Buffer one step of a call: masked, trimmed, timestamped in UTC.

        ``request`` names the webhook it answered: the same request retried (on another host,
        say) is recorded once.
        """
        try:
            row: StepRow = (
                call_sid[:MAX_NAME],
                _aware(at),
                (campus or UNKNOWN_CAMPUS)[:MAX_DETAIL],
                node[:MAX_NAME],
                event[:MAX_NAME],
                scrub_detail(detail)[:MAX_DETAIL],
                scrub_said(said)[:MAX_DETAIL],
                request[:MAX_NAME] or None,
            )
        except Exception:
            log.exception("call=%s a call record step was malformed; dropped", call_sid[:MAX_NAME])
            self.dropped += 1
            return
        self._put(("step", row))

    def status(self, call_sid: str, at: datetime, call_status: str, duration_s: int | None) -> None:
        """Buffer Twilio's status callback for a call (its duration, when it sent one)."""
        try:
            row: StatusRow = (
                call_sid[:MAX_NAME],
                _aware(at),
                call_status[:32],
                duration_s if duration_s is None or duration_s >= 0 else None,
            )
        except Exception:
            log.exception("call=%s a call status was malformed; dropped", call_sid[:MAX_NAME])
            self.dropped += 1
            return
        self._put(("status", row))

    def _put(self, row: _Row) -> None:
        if self._pid != os.getpid():  # forked without register_at_fork running: start afresh
            self._reset_in_child()
        with self._wake:
            lost = self._closed or len(self._buffer) == self.max_buffered
            self.dropped += lost
            if not self._closed:
                self._buffer.append(row)  # deque(maxlen): a full buffer drops its oldest row
                if self._writer is None:
                    self._start_writer()
                if len(self._buffer) >= self.batch_rows:
                    self._wake.notify()
        if lost:
            self._count_dropped(1)

    # -- writer side --------------------------------------------------------------------------
    def flush(self) -> int:
        """Write every buffered row now; return how many were written."""
        with self._write_lock:
            with self._wake:
                rows = list(self._buffer)
                self._buffer.clear()
            if not rows:
                return 0
            try:
                self._write(rows)
            except STORE_ERRORS as error:
                self._put_back(rows)
                if not self._failing:
                    log.warning("call records not written yet (%s); will retry", describe(error))
                self._failing = True
                return 0
            if self._failing:
                log.info("call records are being written again")
            self._failing = False
            return len(rows)

    def close(self) -> None:
        """Stop the writer and write what is left (called at exit)."""
        with self._wake:
            if self._closed:
                return
            self._closed = True
            self._wake.notify()
            writer = self._writer
        if writer is not None and writer is not threading.current_thread():
            writer.join(timeout=5)
        self.flush()
        _live.discard(self)

    def _start_writer(self) -> None:
        self._writer = threading.Thread(target=self._run, name="ivr-call-records", daemon=True)
        self._writer.start()

    def _run(self) -> None:
        me = threading.current_thread()
        while True:
            wake = self._wake  # wait on the very condition held, even if a reset replaces it
            with wake:
                wake.wait_for(
                    lambda: self._closed or len(self._buffer) >= self.batch_rows,
                    timeout=self.flush_seconds,
                )
                stop = self._closed or self._writer is not me  # closed, or replaced by a reset
            if stop:
                return  # close() writes the rest
            try:
                self.flush()
            except Exception:  # keep the thread alive whatever happens
                log.exception("the call record writer failed; will retry")

    def _write(self, rows: Sequence[_Row]) -> None:
        steps = [cast(StepRow, row) for kind, row in rows if kind == "step"]
        statuses = [cast(StatusRow, row) for kind, row in rows if kind == "status"]
        # one transaction per batch; a lock held elsewhere delays it a while, never for good
        with answer_within(WAIT_SECONDS):
            self.store.write(steps, statuses)

    def _put_back(self, rows: list[_Row]) -> None:
        """Return unwritten rows to the front of the buffer, dropping the oldest beyond its size."""
        with self._wake:
            pending = rows + list(self._buffer)
            excess = max(0, len(pending) - self.max_buffered)
            self._buffer = deque(pending[excess:], maxlen=self.max_buffered)
            self.dropped += excess
        if excess:
            self._count_dropped(excess)

    def _count_dropped(self, rows: int) -> None:
        from ivr.observability import metrics  # late: keep prometheus_client out of the CLI

        metrics.count_dropped_records(rows)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._wake = threading.Condition(threading.Lock())
        self._write_lock = threading.Lock()
        self._buffer = deque(maxlen=self.max_buffered)
        self._writer = None
        self._failing = False

    def _reset_in_child(self) -> None:
        """In a forked child: forget the parent's buffer, thread and locks."""
        self._reset()

    # -- reading ------------------------------------------------------------------------------
    def calls(self, start: datetime, end: datetime) -> Iterator[CallRecord]:
        """Yield the calls whose first step is in [start, end), in order of that step."""
        return self.store.calls(start, end)


class SqliteCallRecorder(SqlCallRecorder):
    """Call records in an SQLite file of their own (``simulate-calls``, ``report --records``)."""

    def __init__(self, path: Path, *, flush_seconds: float = 1.0) -> None:
        self.path = Path(path)
        engine = make_engine(sqlite_url(self.path), create=True)
        prepare(engine, create=True)  # a file of its own: made, or brought up to date
        super().__init__(engine, flush_seconds=flush_seconds)


def _reset_all_in_child() -> None:
    for recorder in list(_live):
        recorder._reset_in_child()


# Runs in a forked child before any other thread can: no lock or buffer of the parent survives.
os.register_at_fork(after_in_child=_reset_all_in_child)
