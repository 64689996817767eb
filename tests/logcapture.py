"""The logs as an operator reads them: configure_logging's real handler, written to a string."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from ivr.observability.logs import configure_logging


@contextmanager
def captured_logs(json: bool, level: str = "DEBUG") -> Iterator[io.StringIO]:
    """Send every record through the handler the app installs; restore the root logger after."""
    root = logging.getLogger()
    saved_level, saved_handlers = root.level, list(root.handlers)
    out = io.StringIO()
    handler = configure_logging(json=json, level=level, stream=out)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        handler.close()
        for other in saved_handlers:
            if other not in root.handlers:
                root.addHandler(other)
        root.setLevel(saved_level)
