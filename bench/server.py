"""A gunicorn server for the benchmark: started with deploy/gunicorn.conf.py on a free port."""

from __future__ import annotations

import contextlib
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONF = ROOT / "deploy" / "gunicorn.conf.py"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def conf_values(env: dict[str, str]) -> dict[str, object]:
    """Return the settings deploy/gunicorn.conf.py gives with ``env`` added to the environment."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return runpy.run_path(str(CONF))
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Server:
    """One gunicorn master serving ``target`` with deploy/gunicorn.conf.py, and its workers."""

    name: str
    target: str  # the WSGI app, "module:attribute"
    env: dict[str, str]
    logs: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    boot_seconds: float = 0.0

    @property
    def access_log(self) -> Path:
        return self.logs / f"{self.name}-access.log"

    def start(self, workers: int, timeout: float = 60.0) -> None:
        """Start gunicorn; return once ``workers`` workers run and the port answers."""
        env = {
            **os.environ,
            **self.env,
            "IVR_BIND": f"127.0.0.1:{self.port}",
            "IVR_ACCESS_LOG": str(self.access_log),
            "IVR_ERROR_LOG": str(self.logs / f"{self.name}-error.log"),
        }
        command = [sys.executable, "-m", "gunicorn", "-c", str(CONF), self.target]
        started = time.monotonic()
        with (self.logs / f"{self.name}-output.log").open("wb") as output:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
            )
        while time.monotonic() - started < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited at start-up; see {self.logs}")
            if len(self.workers()) >= workers and self._answers():
                self.boot_seconds = time.monotonic() - started
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.name}: not serving after {timeout:.0f} s; see {self.logs}")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                return sock.recv(16).startswith(b"HTTP/1.")
        except OSError:
            return False

    def workers(self) -> list[int]:
        """Return the pids of the master's children (its workers)."""
        if self.process is None:
            return []
        master = str(self.process.pid).encode()
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    ppid = stat.read().rsplit(b")", 1)[1].split()[1]
            except (OSError, IndexError):
                continue
            if ppid == master:
                found.append(int(entry))
        return sorted(found)

    def pids(self) -> list[int]:
        return self.workers() + ([self.process.pid] if self.process else [])

    def cpu_seconds(self) -> float:
        """Return the CPU seconds the master and its workers have used, ended workers included.

        Read from /proc: the live workers' own time, plus the master's and that of the workers
        it has reaped (recycled after ``max_requests``), so a delta over a row is exact.
        """
        from bench.load import cpu_seconds

        if self.process is None:
            return 0.0
        return cpu_seconds(self.pids(), reaped_of=self.process.pid)

    def stop(self) -> None:
        """Stop gracefully (SIGTERM: gunicorn lets the workers finish), then for good."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def memory_mb(pid: int) -> tuple[float, float]:
    """Return (RSS, PSS) of a process in MB; PSS shares the preloaded pages out fairly."""
    rss = pss = 0.0
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) / 1024
    with contextlib.suppress(OSError), open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            if line.startswith("Pss:"):
                pss = int(line.split()[1]) / 1024
    return rss, pss
