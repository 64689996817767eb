"""Profile the app's own work for one webhook, in process, without gunicorn or a network.

    .venv/bin/python bench/inprocess.py                       # menu: main, key 2
    .venv/bin/python bench/inprocess.py --step greeting --top 30
    .venv/bin/python bench/inprocess.py --step bare           # the bare endpoint, for scale

It builds the app on a copy of the shipped operator files (an empty ledger, call records on),
signs one realistic webhook as Twilio would (the 28 fields of bench/calls.py) and calls the
WSGI app with it again and again: first timed alone (microseconds per request of the app's
work, what gunicorn adds is not in it), then under cProfile, whose table says where that time
goes. bench/run.py measures the whole server; this says what inside the app costs what.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/inprocess.py` puts bench/ first, not the project
    sys.path.insert(0, str(ROOT))

from bench.calls import TOKEN, Signer, call_params, call_sid, caller_number, keys, speech  # noqa: E402

HOST = "127.0.0.1:8000"
ROUNDS = 5
STEPS: dict[str, tuple[str, dict[str, str]]] = {
    "greeting": ("/voice", {"CallStatus": "ringing"}),
    "main-key": ("/voice/menu/principal?s=1", keys("2")),
    "main-speech": ("/voice/menu/principal?s=1", speech("estudiantes")),
    "students-key": ("/voice/menu/estudiantes?s=2&t=principal", keys("1")),
    "bare": ("/voice", {"CallStatus": "ringing"}),
}

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def environ_factory(path: str, params: dict[str, str]) -> Callable[[], dict[str, Any]]:
    """Return a maker of fresh WSGI environs for one signed POST, as gunicorn builds them."""
    signer = Signer(8000)
    body = urlencode(params).encode()
    script, _, query = path.partition("?")
    base = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": script,
        "QUERY_STRING": query,
        "RAW_URI": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": HOST,
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_TWILIO_SIGNATURE": signer.signature(path, params),
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }

    def make() -> dict[str, Any]:
        return {**base, "wsgi.input": io.BytesIO(body)}

    return make


def call(app: WsgiApp, make: Callable[[], dict[str, Any]]) -> int:
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> None:
        status.append(line)

    b"".join(app(make(), start_response))
    return int(status[0][:3])


def build_app(step: str, folder: Path) -> WsgiApp:
    if step == "bare":
        from bench.bare import app as bare

        return bare.wsgi_app
    from bench.run import copy_config
    from ivr import create_app
    from ivr.storage.database import make_engine, sqlite_url, upgrade

    copy_config(folder / "config")
    engine = make_engine(sqlite_url(folder / "var" / "ivr.sqlite3"), create=True)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    app = create_app(
        {
            "IVR_CONFIG_DIR": str(folder / "config"),
            "IVR_DATA_DIR": str(folder / "var"),
            "TWILIO_AUTH_TOKEN": TOKEN,
            "IVR_PUBLIC_URL": "",
            "IVR_TRUSTED_PROXIES": "",
        }
    )
    return app.wsgi_app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", choices=sorted(STEPS), default="main-key")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--top", type=int, default=25, help="rows of the profile to print")
    parser.add_argument("--sort", default="tottime", help="pstats sort key (tottime, cumtime)")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="ivr-profile-"))
    try:
        app = build_app(args.step, folder)
        path, caller_input = STEPS[args.step]
        params = {**call_params(call_sid(1), caller_number(1)), **caller_input}
        makers = [environ_factory(path, {**params, "CallSid": call_sid(n)}) for n in range(64)]
        for make in makers:  # warm the caches every request of a run would find warm
            if (status := call(app, make)) != 200:
                print(f"profile: {args.step} answered {status}")
                return 1
        n = args.requests
        rounds = []
        for _ in range(ROUNDS):  # the least of a few rounds: other processes only add to it
            started = time.process_time()
            for i in range(n // ROUNDS):
                call(app, makers[i % len(makers)])
            rounds.append((time.process_time() - started) / (n // ROUNDS))
        print(
            f"{args.step}: {min(rounds) * 1e6:.0f} us of CPU per request in the app (the least "
            f"of {ROUNDS} rounds of {n // ROUNDS}; median {statistics.median(rounds) * 1e6:.0f})"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        for i in range(n):
            call(app, makers[i % len(makers)])
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
        print(out.getvalue())
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
