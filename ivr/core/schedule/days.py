"""Weekday names as operators write them (English or Spanish) and as callers hear them."""

from __future__ import annotations

import unicodedata

#: Monday first, as ``date.weekday()`` counts.
ENGLISH = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
SPANISH = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
SPANISH_PLURAL = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábados", "domingos")
SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# Every accepted spelling, accent- and case-insensitive (see schedules/central.yaml).
_ALIASES: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday", "lun", "lunes"),
        ("tue", "tues", "tuesday", "mar", "martes"),
        ("wed", "wednesday", "mie", "miercoles"),
        ("thu", "thur", "thurs", "thursday", "jue", "jueves"),
        ("fri", "friday", "vie", "viernes"),
        ("sat", "saturday", "sab", "sabado"),
        ("sun", "sunday", "dom", "domingo"),
    )
):
    for _name in _names:
        _ALIASES[_name] = _index

#: The names an operator may use, for hints and documentation.
ACCEPTED = tuple(_ALIASES)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def weekday(name: str) -> int | None:
    """Return 0 (Monday) to 6 (Sunday) for a day name in English or Spanish, or None."""
    return _ALIASES.get(_fold(name))


def split_range(text: str) -> tuple[str, str] | None:
    """Split 'lunes-viernes' (or 'mon-fri') into its two ends, or None for a single day."""
    # An en dash (U+2013) comes in when the text was pasted from a word processor.
    first, dash, last = text.replace("\u2013", "-").partition("-")
    return (first.strip(), last.strip()) if dash else None


def span(first: int, last: int) -> tuple[int, ...]:
    """Return the weekdays from ``first`` to ``last`` inclusive, wrapping past Sunday."""
    return tuple((first + step) % 7 for step in range((last - first) % 7 + 1))
