"""`bench/run.py --database postgresql` measures the app on PostgreSQL beside SQLite again.

A shared database needs IVR_SECRET_KEY (the app refuses to start without it) and the ledger's
verifiers keyed with it: the benchmark used to stop before measuring anything.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT
from tests.pgcluster import ClusterUnavailable, server_bindir


@pytest.mark.slow
def test_the_postgresql_benchmark_measures_self_service_on_both() -> None:
    try:
        server_bindir()
    except ClusterUnavailable as missing:
        pytest.skip(str(missing))
    done = subprocess.run(
        [sys.executable, "bench/run.py", "--database", "postgresql", "--quick",
         "--only", "self-service", "--students", "200", "--connections", "4"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    compared = [line for line in done.stdout.splitlines() if line.startswith("self-service: DNI")]
    # once in the main table, once in the SQLite | PostgreSQL comparison, with its verdict
    assert any("sq/pg cpu>=0.8" in line for line in compared), done.stdout[-3000:]
