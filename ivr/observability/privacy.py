"""Defensive masks for student codes, DNIs and money in free text (call records, log lines).

The flow and the self-service layer never hand over a full student code, DNI or balance
(docs/domain.md, "Caller identity and privacy": codes are masked to their last three
characters).
These functions are the net under that rule, not the rule itself, so they err on the side of
hiding too much. Twilio SIDs (``CA`` + 32 hex digits) are identifiers, not personal data, and are
left alone so that a CallSid survives in a message.
"""

from __future__ import annotations

import re

MASK = "***"

# Twilio SIDs: two capital letters, 32 lowercase hex digits (CallSid "CA...", AccountSid "AC...").
_SID = r"\b[A-Z]{2}[0-9a-f]{32}\b"
# Soles as people and templates write them: "S/ 1,234.50", "S/.15", "PEN 80.00".
_MONEY = r"(?:\bS/\.?|\bPEN)\s?\d[\d,]*(?:\.\d+)?"
# ivr.core.codes.CODE: a letter prefix (one to three letters) and the digits, as in N00123456.
_CODE = r"\b[A-Za-z]{1,3}\d{5,}"

# Call records: any run of 5 or more digits, allowing one space, dot or dash between digits
# (speech recognition writes "0012 3456"): 5 digits, because no menu choice, amount in soles
# or step count a record keeps is that long, while a code or a DNI always is.
_RECORD = re.compile(
    rf"(?P<sid>{_SID})|(?P<money>{_MONEY})|(?P<code>{_CODE})|(?P<run>\d(?:[ .\-]?\d){{4,}})"
)
# What a caller keyed or said: a menu choice is one key, so any run of 4 or more digits is
# something else (a code, a DNI, its last four digits) and is hidden entirely.
_SAID = re.compile(
    rf"(?P<sid>{_SID})|(?P<money>{_MONEY})|(?P<code>\b[A-Za-z]{{1,3}}\d{{4,}})"
    rf"|(?P<run>\d(?:[ .\-]?\d){{3,}})"
)
# Log lines carry dates, ports and counts, so only code-shaped runs are masked: a letter prefix
# and 5+ digits, or 8+ bare digits (a DNI has 8; the digits of a code as keyed have 8 or more).
_LOG = re.compile(rf"(?P<sid>{_SID})|(?P<money>{_MONEY})|(?P<code>{_CODE})|(?P<run>\d{{8,}})")


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def _mask(match: re.Match[str]) -> str:
    """Keep SIDs; hide money; keep the last three characters of a code or a long number.

    A bare run of exactly 8 digits is DNI-shaped and is hidden entirely: a DNI's last four
    digits are the self-service second factor, so even three of them must not be shown.
    """
    if match["sid"]:
        return match["sid"]
    if match["money"]:
        return "S/ " + MASK
    if match["code"]:
        return MASK + match["code"][-3:]
    digits = _digits(match["run"])
    return MASK if len(digits) == 8 else MASK + digits[-3:]


def _hide(match: re.Match[str]) -> str:
    return match["sid"] or MASK


def scrub_detail(text: str) -> str:
    """Mask codes, DNIs, long numbers and amounts in a call record's detail."""
    return _RECORD.sub(_mask, text)


def scrub_said(text: str) -> str:
    """Hide any number of 4 or more digits, a code or an amount in what a caller keyed or said."""
    return _SAID.sub(_hide, text)


def redact(text: str) -> str:
    """Mask student codes, DNIs and amounts in a log message (dates and counts stay readable)."""
    return _LOG.sub(_mask, text)
