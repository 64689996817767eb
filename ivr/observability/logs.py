"""Structured logs: JSON lines or plain text, each line of a call carrying its CallSid.

Timestamps are UTC in ISO 8601 with milliseconds and a ``Z`` (``2026-11-18T15:00:00.123Z``):
the convention of log collectors, and unambiguous whatever the server's TZ. Lima time belongs to
what callers hear and to ``ivr report``, not to log lines.

A JSON line holds ``ts``, ``level``, ``logger``, ``message``, ``call_sid`` (only inside a
request that carries one: ``flask.g.call_sid``, set by the voice blueprint) and ``exc_info``
(the formatted traceback, only with an exception). Every line passes the redaction filter first
(``ivr.observability.privacy.redact``): the net under the rule that no log line holds a
student code, DNI or balance.
"""

from __future__ import annotations

import json as jsonlib
import logging
import sys
from datetime import UTC, datetime
from typing import IO

from flask import g, has_app_context

from ivr.observability.privacy import redact

_OURS = "_ivr_observability"  # marks the handler configure_logging installed


class CallSidFilter(logging.Filter):
    """Attach the request's CallSid (``record.call_sid``, '' outside a call) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        sid = ""
        if has_app_context():  # flask.g lives in the app context pushed for each request
            sid = str(g.get("call_sid", "") or "")
        record.call_sid = sid
        return True


class RedactionFilter(logging.Filter):
    """Mask student codes, DNIs and amounts in the message and the traceback of every record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message or record.args:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
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
    """``2026-11-18T15:00:00.123Z INFO ivr.voice [CA...] message`` (the SID only in a call)."""

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
        return text


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
