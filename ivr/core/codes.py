"""Student codes: their digits (what a caller keys in) and their masked form (what logs show)."""

from __future__ import annotations

import re

# A letter prefix (usually one, as in N00123456) then the digits; a caller keys only the digits.
CODE = re.compile(r"^([A-Z]{0,3})(\d{4,12})$")


def normalise_code(text: str) -> str | None:
    """Return the code upper-cased and trimmed ("n00123456 " -> "N00123456"), or None."""
    code = text.strip().upper()
    return code if CODE.match(code) else None


def digits_of(text: str) -> str | None:
    """Return a code's digits ("N00123456" -> "00123456", "00123456" -> "00123456"), or None."""
    code = normalise_code(text)
    if code is None:
        return None
    match = CODE.match(code)
    assert match is not None
    return match.group(2)


def mask_code(text: str) -> str:
    """Return what a log may show of a code: its last three characters ("***456")."""
    text = text.strip()
    return "***" + text[-3:] if len(text) > 3 else "***"
