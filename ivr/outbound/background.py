"""A few threads of this process that talk to Twilio, so that no webhook waits for its API.

Twilio's REST API may take seconds (issue 21: 8 s): a text sent inside the webhook would make
the caller wait, or hear a failure that did not happen. The webhook records the text and hands
the sending here; the result is recorded and logged when Twilio answers. Threads do not survive
``fork()``: each process (a gunicorn worker) makes its own pool at its first use.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

log = logging.getLogger("ivr.outbound")

WORKERS = 4  # texts in flight at once per process; more wait their turn


class Background:
    """Run short jobs (a text to send) in this process's pool of threads."""

    def __init__(self, workers: int = WORKERS) -> None:
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> Future[None]:
        """Run ``job`` in the background; raise RuntimeError when shutting down."""
        return self._executor().submit(_logged, job)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None or self._pid != os.getpid():
                self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="ivr-outbound")
                self._pid = os.getpid()
            return self._pool

    def shutdown(self, *, wait: bool = True) -> None:
        """Finish (``wait``) or drop the jobs under way, and stop the threads."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None and self._pid == os.getpid():
            pool.shutdown(wait=wait)


def _logged(job: Callable[[], None]) -> None:
    try:
        job()
    except Exception:  # a background job has no caller to tell: the log is where it goes
        log.exception("a background outbound job failed")
