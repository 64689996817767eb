"""Exact money: integer céntimos of a Peruvian sol, read from and written as decimal strings."""

from __future__ import annotations

import re

_AMOUNT = re.compile(r"^(\d{1,9})(?:\.(\d{1,2}))?$")


def parse_amount(text: str) -> int | None:
    """Return the céntimos in a decimal string of soles ("15", "15.5", "1234.50"), else None.

    Only a dot separates the céntimos and there are no thousands separators: "1,234.50" and
    "15,00" are refused rather than guessed at. Negative amounts are refused too.
    """
    match = _AMOUNT.match(text.strip())
    if match is None:
        return None
    soles, cents = match.groups()
    return int(soles) * 100 + int((cents or "0").ljust(2, "0"))


def format_amount(cents: int) -> str:
    """Write céntimos as a decimal string of soles: 123450 -> "1234.50", -1500 -> "-15.00"."""
    sign = "-" if cents < 0 else ""
    soles, rest = divmod(abs(cents), 100)
    return f"{sign}{soles}.{rest:02d}"


def percent_of(cents: int, percent: int) -> int:
    """Return ``percent`` % of a non-negative amount, rounded to the céntimo with halves up."""
    if cents < 0:
        raise ValueError("percent_of takes a non-negative amount")
    return (cents * percent + 50) // 100


def spread(total: int, parts: int) -> tuple[int, ...]:
    """Split céntimos into ``parts`` amounts that add up exactly to ``total``.

    The remainder goes one céntimo at a time to the first parts, so no two parts differ by
    more than one céntimo: spread(100001, 5) == (20001, 20000, 20000, 20000, 20000).
    """
    if parts <= 0 or total < 0:
        raise ValueError("spread takes a non-negative total and at least one part")
    base, remainder = divmod(total, parts)
    return tuple(base + 1 if index < remainder else base for index in range(parts))
