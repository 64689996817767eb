"""The app served by real gunicorn on loopback, set up the way an operator would."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from bench.server import Server
from tests.helpers import ROOT, TOKEN, copy_config


def server_env(folder: Path) -> dict[str, str]:
    """A production-like environment for a server on the shipped files copied into ``folder``."""
    config = copy_config(folder / "config")
    (folder / "prometheus").mkdir()
    return {
        "IVR_CONFIG_DIR": str(config),
        "IVR_DATA_DIR": str(folder / "var"),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus"),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "IVR_CLI": "",
        "IVR_SKIP_SIGNATURE": "",
        "IVR_TRUSTED_PROXIES": "",
        "IVR_MAX_BODY_BYTES": "",  # the default, 64 kB
    }


def ivr_command(
    env: Mapping[str, str], *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """Run ``flask --app app ivr ARGS`` in the repository, as an operator would, with ``env``."""
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "ivr", *args],
        cwd=ROOT, env={**os.environ, **env, "IVR_CLI": "1"}, input=stdin,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@contextmanager
def serving(
    name: str, env: Mapping[str, str], folder: Path, *, workers: int = 2
) -> Iterator[tuple[Server, str]]:
    """Serve ``app:app`` under gunicorn; yield the server and its base URL (what Twilio signs)."""
    server = Server(name, "app:app", dict(env), folder)
    base = f"http://127.0.0.1:{server.port}"
    server.env["IVR_PUBLIC_URL"] = base
    server.start(workers=workers)
    try:
        yield server, base
    finally:
        server.stop()
