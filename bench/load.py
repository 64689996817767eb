"""A closed-loop HTTP/1.1 load generator for loopback benchmarks, in plain Python.

Each client process drives its share of the connections with one ``selectors`` loop: a
connection sends a pre-built request, waits for the whole answer, records the latency and sends
the next one (closed loop: as many requests in flight as connections). Requests are complete
byte strings built and signed beforehand, so the client's cost per request is a ``send`` and a
``recv`` or two. On a 2-core machine the client still competes with the server for the CPU, so
its CPU time is measured and reported rather than guessed.

Connection ``i`` replays its own sequence of requests (``sequences[i % len(sequences)]``) in
order, again and again: a call walk whose steps must follow each other (a code, then the DNI)
keeps its order on its connection. Each request carries a label, and results are per label.

The server may keep the connection alive (gthread) or close it after each answer (sync): a
``Connection: close`` answer makes the client reconnect, and the connect counts in the latency,
as it does for a proxy talking to a sync worker.

Every run is bounded: it stops after ``warmup + duration`` seconds, or a hard deadline after
that, whichever comes first.
"""

from __future__ import annotations

import contextlib
import heapq
import multiprocessing as mp
import os
import resource
import selectors
import socket
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

REQUEST_TIMEOUT = 15.0  # Twilio's own limit: an answer later than this is an error
Sequences = Sequence[Sequence[tuple[str, bytes]]]  # per connection: (label, raw request) in order


@dataclass
class Measured:
    """What one label's requests did inside the window (warm-up excluded)."""

    duration: float
    latencies_ns: array[int] = field(default_factory=lambda: array("q"))
    statuses: Counter[int] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return len(self.latencies_ns) / self.duration if self.duration else 0.0

    @property
    def not_ok(self) -> int:
        return sum(n for code, n in self.statuses.items() if code != 200)

    def percentile_ms(self, q: float) -> float:
        """Return the q-th percentile latency in ms (nearest rank)."""
        if not self.latencies_ns:
            return float("nan")
        ordered = sorted(self.latencies_ns)
        rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100), at least 1
        return ordered[int(rank) - 1] / 1e6


@dataclass
class LoadResult:
    duration: float
    labels: dict[str, Measured]
    errors: Counter[str]  # connection failures, early closes, timeouts (not HTTP statuses)
    client_cpu: float  # CPU seconds the client processes used inside the window
    connects: int
    client_cpu_total: float = 0.0  # CPU seconds of the client processes, warm-up included
    completed: int = 0  # whole answers received, warm-up and the window's tail included

    @property
    def total_rate(self) -> float:
        return sum(len(m.latencies_ns) for m in self.labels.values()) / self.duration


class _Conn:
    __slots__ = ("buf", "closing", "due", "head_end", "label", "need", "position", "sent_at",
                 "sequence", "sock", "status")  # fmt: skip

    def __init__(self, sequence: Sequence[tuple[str, bytes]]) -> None:
        self.sock: socket.socket | None = None
        self.sequence = sequence
        self.position = 0
        self.label = ""
        self.buf = bytearray()
        self.head_end = -1
        self.need = -1
        self.status = 0
        self.closing = False
        self.sent_at = 0
        self.due = 0


def _client(
    port: int,
    sequences: list[Sequence[tuple[str, bytes]]],
    warmup: float,
    duration: float,
    interval: float,
    start: Any,
    out: Connection,
) -> None:
    """Drive one connection per sequence until the window closes; send the results to ``out``.

    With ``interval`` > 0 each connection sends on a fixed schedule, one request every
    ``interval`` seconds (open loop, paced), instead of as soon as the last answer arrived.
    """
    sel = selectors.DefaultSelector()
    waiting: list[tuple[int, int, _Conn]] = []  # (due, tie-breaker, conn): paced sends
    step_ns = int(interval * 1e9)
    latencies: dict[str, array[int]] = {}
    statuses: dict[str, Counter[int]] = {}
    errors: Counter[str] = Counter()
    connects = 0
    completed = 0
    conns = [_Conn(sequence) for sequence in sequences]

    def drop(conn: _Conn) -> None:
        if conn.sock is not None:
            with contextlib.suppress(KeyError):  # it failed before it was registered
                sel.unregister(conn.sock)
            conn.sock.close()
            conn.sock = None

    def send(conn: _Conn) -> None:
        nonlocal connects
        conn.sent_at = time.perf_counter_ns()
        fresh = conn.sock is None
        if conn.sock is None:
            # plain connect: create_connection's name lookup would cost more than the request
            conn.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conn.sock.connect(("127.0.0.1", port))
            connects += 1
        else:
            conn.sock.setblocking(True)  # requests are small: one blocking sendall is cheapest
        label, data = conn.sequence[conn.position % len(conn.sequence)]
        conn.position += 1
        conn.label = label
        conn.buf.clear()
        conn.head_end = conn.need = -1
        conn.closing = False
        conn.sock.sendall(data)
        conn.sock.setblocking(False)
        if fresh:
            sel.register(conn.sock, selectors.EVENT_READ, conn)

    start.wait()
    window_start = time.perf_counter_ns() + int(warmup * 1e9)
    window_end = window_start + int(duration * 1e9)
    hard_end = window_end + int(REQUEST_TIMEOUT * 1e9)
    cpu_start: float | None = None

    def advance(conn: _Conn, now: int) -> int:
        """Send the connection's next request; return 1 when the connection is done instead."""
        if now >= window_end:
            drop(conn)
            return 1
        if step_ns:
            conn.due += step_ns
            if conn.due > now:  # on schedule: wait for its turn
                heapq.heappush(waiting, (conn.due, id(conn), conn))
                return 0
        try:
            send(conn)
        except OSError as error:
            errors[f"send: {type(error).__name__}"] += 1
            drop(conn)
            return 1
        return 0

    active = len(conns)
    began = time.perf_counter_ns()
    for i, conn in enumerate(conns):
        conn.due = began + step_ns * i // len(conns) - step_ns  # spread the first sends
        active -= advance(conn, began)
    while active:
        now = time.perf_counter_ns()
        while waiting and waiting[0][0] <= now:
            conn = heapq.heappop(waiting)[2]
            if now >= window_end:
                drop(conn)
                active -= 1
                continue
            try:
                send(conn)
            except OSError as error:
                errors[f"send: {type(error).__name__}"] += 1
                drop(conn)
                active -= 1
        wait = 0.25 if not waiting else max(0.0, min(0.25, (waiting[0][0] - now) / 1e9))
        if cpu_start is None and now >= window_start:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            cpu_start = usage.ru_utime + usage.ru_stime
        if now >= hard_end:
            errors["timeout"] += active
            break
        for key, _ in sel.select(timeout=wait):
            conn = key.data
            assert conn.sock is not None
            try:
                chunk = conn.sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError as error:
                errors[f"recv: {type(error).__name__}"] += 1
                chunk = b""
            if not chunk:  # the server closed before a whole answer
                errors["closed before answering"] += 1
                drop(conn)
                active -= advance(conn, time.perf_counter_ns())
                continue
            conn.buf += chunk
            if conn.head_end < 0:
                end = conn.buf.find(b"\r\n\r\n")
                if end < 0:
                    continue
                conn.head_end = end + 4
                head = bytes(conn.buf[:end]).lower()
                conn.status = int(head[9:12])
                at = head.find(b"\r\ncontent-length:")
                length = int(head[at + 17 : head.find(b"\r\n", at + 2)]) if at >= 0 else 0
                conn.need = conn.head_end + length
                conn.closing = b"\r\nconnection: close" in head or head.startswith(b"http/1.0")
            if len(conn.buf) < conn.need:
                continue
            finished = time.perf_counter_ns()
            completed += 1
            if window_start <= conn.sent_at and finished <= window_end:
                latencies.setdefault(conn.label, array("q")).append(finished - conn.sent_at)
                statuses.setdefault(conn.label, Counter())[conn.status] += 1
            if conn.closing:
                drop(conn)
            active -= advance(conn, finished)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime - (cpu_start if cpu_start is not None else 0.0)
    for conn in conns:
        drop(conn)
    packed = {label: values.tobytes() for label, values in latencies.items()}
    total = usage.ru_utime + usage.ru_stime
    out.send(
        (
            packed,
            {k: dict(v) for k, v in statuses.items()},
            dict(errors),
            cpu,
            total,
            connects,
            completed,
        )
    )
    out.close()


def run(
    port: int,
    sequences: Sequences,
    *,
    connections: int,
    warmup: float,
    duration: float,
    processes: int = 1,
    rate: float = 0.0,
) -> LoadResult:
    """Drive ``connections`` connections, shared among ``processes`` client processes.

    ``rate`` > 0 paces them: ``rate`` requests/s in all, evenly spread over the connections.
    """
    interval = connections / rate if rate > 0 else 0.0
    processes = max(1, min(processes, connections))
    ctx = mp.get_context("fork")
    start = ctx.Barrier(processes)
    readers: list[Connection] = []
    children = []
    for i in range(processes):
        mine = [sequences[c % len(sequences)] for c in range(i, connections, processes)]
        reader, writer = ctx.Pipe(duplex=False)
        child = ctx.Process(
            target=_client,
            args=(port, mine, warmup, duration, interval, start, writer),
            daemon=True,
        )
        child.start()
        writer.close()
        readers.append(reader)
        children.append(child)
    result = LoadResult(duration, {}, Counter(), 0.0, 0)
    deadline = time.monotonic() + warmup + duration + REQUEST_TIMEOUT + 30
    for reader, child in zip(readers, children, strict=True):
        if not reader.poll(max(0.1, deadline - time.monotonic())):
            child.kill()
            result.errors["client process hung"] += 1
            continue
        packed, statuses, errors, cpu, total, connects, completed = reader.recv()
        for label, raw in packed.items():
            values: array[int] = array("q")
            values.frombytes(raw)
            measured = result.labels.setdefault(label, Measured(duration))
            measured.latencies_ns.extend(values)
        for label, counts in statuses.items():
            result.labels.setdefault(label, Measured(duration)).statuses.update(counts)
        result.errors.update(errors)
        result.client_cpu += cpu
        result.client_cpu_total += total
        result.connects += connects
        result.completed += completed
    for child in children:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
    return result


def machine_busy_seconds() -> float:
    """Return the CPU seconds all cores have spent not idle since boot (from /proc/stat)."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    busy = sum(fields[:8]) - idle  # user nice system idle iowait irq softirq steal
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: Sequence[int], *, reaped_of: int | None = None) -> float:
    """Return the CPU seconds (user + system) the processes have used so far.

    ``reaped_of``: add the CPU of that process's children that exited and were waited for
    (a gunicorn master's: a worker recycled after ``max_requests`` keeps counting).
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])  # utime, stime (stat fields 14 and 15)
    if reaped_of is not None:
        fields = _stat(reaped_of)
        if fields:
            total += int(fields[13]) + int(fields[14])  # cutime, cstime (fields 16 and 17)
    return total / tick


def _stat(pid: int) -> list[bytes]:
    """Return the fields of /proc/PID/stat after the command name (empty if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[1].split()
    except OSError:
        return []
