"""Structured logs: JSON lines or plain text, each line of a call carrying its CallSid.

Timestamps are UTC in ISO 8601 with milliseconds and a ``Z`` (``2026-11-18T15:00:00.123Z``):
the convention of log collectors, and unambiguous whatever the server's TZ. Lima time belongs to
what callers hear and to ``ivr report``, not to log lines.

A JSON line holds ``ts``, ``level``, ``logger``, ``message``, ``call_sid`` (only inside a
request that carries one: ``flask.g.call_sid``, set by the voice blueprint) and ``exc_info``
(the formatted traceback, only with an exception). Every line passes the redaction filter first
(``ivr.observability.privacy.redact``): the net under the rule that no log line holds a
student code, DNI or balance.

No value can start a line of its own: every value interpolated into a message is escaped
(``escape``: line breaks, other control characters and bidirectional overrides become ``\n``,
``\x00``, ``\u2028`` ...). Only our own texts (a message template, a traceback) span lines: a
JSON line encodes them, and a plain-text record indents every line after its first, so a line
that starts at column 0 always starts a record.
"""

from __future__ import annotations

import json as jsonlib
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import IO

from flask import g, has_app_context

from ivr.observability.privacy import redact

_OURS = "_ivr_observability"  # marks the handler configure_logging installed

# What could end a line, or hide or reorder text on a terminal: C0 and C1 controls (with DEL),
# the Unicode line and paragraph separators, and the bidirectional embeddings and isolates.
_UNSAFE_CHARS = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_UNSAFE = re.compile(_UNSAFE_CHARS)
_UNSAFE_BUT_NEWLINE = re.compile(r"(?!\n)" + _UNSAFE_CHARS)
_NAMED = {"\n": r"\n", "\r": r"\r", "\t": r"\t"}
CONTINUATION = "    "  # starts every line of a plain-text record after its first


def _escaped(match: re.Match[str]) -> str:
    char = match[0]
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape(value: str) -> str:
    """Return ``value`` on one line: line breaks and other control characters as escapes."""
    return _UNSAFE.sub(_escaped, value) if _UNSAFE.search(value) else value


def _escape_lines(text: str) -> str:
    """Escape what is unsafe in our own multi-line text (a traceback), keeping its line breaks."""
    return _UNSAFE_BUT_NEWLINE.sub(_escaped, text)


def _escape_arg(value: object) -> object:
    """Escape a value given to a log call: numbers pass (for ``%d``), an exception keeps its
    lines, like a traceback (ConfigError lists one problem a line), anything else is one line.
    """
    if value is None or isinstance(value, int | float):
        return value
    if isinstance(value, BaseException):
        return _escape_lines(str(value))
    return escape(value if isinstance(value, str) else str(value))


class CallSidFilter(logging.Filter):
    """Attach the request's CallSid (``record.call_sid``, '' outside a call) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        sid = ""
        if has_app_context():  # flask.g lives in the app context pushed for each request
            sid = escape(str(g.get("call_sid", "") or ""))
        record.call_sid = sid
        return True


class RedactionFilter(logging.Filter):
    """Escape every value of a record, then mask student codes, DNIs and amounts in its text."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, Mapping):
            record.args = {key: _escape_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_escape_arg(value) for value in record.args)
        message = record.getMessage()
        clean = redact(_escape_lines(message))
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(_escape_lines(record.exc_text))
        if record.stack_info:
            record.stack_info = redact(_escape_lines(record.stack_info))
        return True


def utc_timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, call_sid?, exc_info?."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, str] = {
            "ts": utc_timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        sid = getattr(record, "call_sid", "")
        if sid:
            line["call_sid"] = sid
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc_info"] = record.exc_text
        if record.stack_info:
            line["stack_info"] = record.stack_info
        return jsonlib.dumps(line, ensure_ascii=False)


class PlainFormatter(logging.Formatter):
    """``2026-11-18T15:00:00.123Z INFO ivr.voice [CA...] message`` (the SID only in a call).

    Lines after a record's first (a multi-line message, a traceback) are indented.
    """

    def format(self, record: logging.LogRecord) -> str:
        sid = getattr(record, "call_sid", "")
        text = f"{utc_timestamp(record)} {record.levelname} {record.name}"
        text += f" [{sid}] " if sid else " "
        text += record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            text += "\n" + record.exc_text
        if record.stack_info:
            text += "\n" + record.stack_info
        return text.replace("\n", "\n" + CONTINUATION)


def configure_logging(
    json: bool, level: str | int = "INFO", stream: IO[str] | None = None
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) as JSON lines or plain text.

    Calling it again replaces the handler it installed before, and leaves others alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _OURS, False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.StreamHandler(stream or sys.stderr)
    setattr(handler, _OURS, True)
    # Filters on the handler, not a logger: they then see records propagated from every logger.
    handler.addFilter(CallSidFilter())
    handler.addFilter(RedactionFilter())
    handler.setFormatter(JsonFormatter() if json else PlainFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler
