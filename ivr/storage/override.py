"""The emergency override's file store: the one module of ``ivr.core.schedule`` that does I/O.

The override is set and cleared from the CLI while the server runs as several gunicorn workers,
so it lives in a small JSON file that every process reads, not in YAML and not in memory:

- writes go to a temporary file in the same folder and then ``os.replace`` it, so a reader sees
  the old file or the new one, never half of one (POSIX rename is atomic);
- reads are cheap enough for every request: one ``stat``, and the file is parsed again only
  when its modification time, size or inode changed;
- a corrupt or unreadable file is logged once and read as "no override": a bad file must not
  take the phone lines down.

The store never reads the clock: pass ``now`` to hide an expired override.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from datetime import datetime
from pathlib import Path

from ivr.clock import to_lima
from ivr.core.say import SAY_LIMIT
from ivr.core.schedule.model import Override

__all__ = ["Override", "OverrideStore"]

log = logging.getLogger(__name__)

_FORMAT = 1  # bump when the JSON shape changes

_Signature = tuple[int, int, int]


class OverrideStore:
    """Read and write the emergency override kept in one JSON file at ``path``."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        # (file signature, parsed override); one tuple so a reader thread never sees half.
        self._cache: tuple[_Signature | None, Override | None] | None = None

    def get(self, now: datetime | None = None) -> Override | None:
        """Return the stored override; with ``now``, None when it has expired by then."""
        override = self._read()
        if override is not None and now is not None and not _unexpired(override, now):
            return None
        return override

    def set(self, message: str, until: datetime | None, set_at: datetime) -> Override:
        """Store an override that closes every line from ``set_at`` until ``until`` or cleared."""
        text = message.strip()
        if not text:
            raise ValueError("the message must not be empty")
        size = len(text.encode("utf-8"))
        if size > SAY_LIMIT:
            raise ValueError(
                f"the message is {size} bytes long; one <Say> speaks at most {SAY_LIMIT}"
            )
        start = to_lima(set_at)
        end = to_lima(until) if until is not None else None
        if end is not None and end <= start:
            raise ValueError("'until' must be later than the time the override is set")
        override = Override(message=text, set_at=start, until=end)
        payload = {
            "format": _FORMAT,
            "message": override.message,
            "set_at": override.set_at.isoformat(),
            "until": override.until.isoformat() if override.until is not None else None,
        }
        self._write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
        return override

    def clear(self) -> bool:
        """Remove the override; return whether there was one to remove."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        self._cache = None
        return True

    # -- internals ------------------------------------------------------------------------

    def _read(self) -> Override | None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("cannot read the emergency override file %s: %s", self.path, exc)
            return None
        signature = (info.st_mtime_ns, info.st_size, info.st_ino)
        cached = self._cache
        if cached is not None and cached[0] == signature:
            return cached[1]
        override = self._parse()
        self._cache = (signature, override)
        return override

    def _parse(self) -> Override | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
            message = data["message"]
            if not isinstance(message, str) or not message.strip():
                raise ValueError("no message")
            set_at = to_lima(datetime.fromisoformat(data["set_at"]))
            until_text = data.get("until")
            until = to_lima(datetime.fromisoformat(until_text)) if until_text else None
        except FileNotFoundError:
            return None  # cleared between stat() and read
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # A corrupt file is logged and read as no override, never a crash.
            log.error(
                "ignoring the emergency override file %s: it is not valid (%s); "
                "run 'ivr override clear' or set it again",
                self.path,
                exc,
            )
            return None
        return Override(message=message.strip(), set_at=set_at, until=until)

    def _write(self, text: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            # Readable by the server's workers even when an operator's account runs the CLI.
            os.chmod(temp, 0o644)
            os.replace(temp, self.path)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        self._cache = None


def _unexpired(override: Override, now: datetime) -> bool:
    return override.until is None or to_lima(now) < override.until
