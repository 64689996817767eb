"""The campus phone directory: which campus (or campuses) a called number belongs to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Campus:
    """One campus and the central number its callers dial."""

    key: str
    name: str
    city: str
    number: str  # E.164, e.g. +5116259600
    local: str  # the form people know, e.g. (01) 625-9600


@dataclass(frozen=True, slots=True)
class Line:
    """A central number and every campus it serves (two campuses may share one number)."""

    number: str
    campuses: tuple[Campus, ...]

    @property
    def names(self) -> str:
        """Name the campuses as a caller hears them: "Los Olivos y Chorrillos"."""
        names = [campus.name for campus in self.campuses]
        if len(names) == 1:
            return names[0]
        return ", ".join(names[:-1]) + " y " + names[-1]


@dataclass(frozen=True, slots=True)
class Directory:
    """Every campus, and the lines callers dial, indexed by E.164 number."""

    campuses: tuple[Campus, ...]
    lines: dict[str, Line]

    @classmethod
    def build(cls, campuses: tuple[Campus, ...]) -> Directory:
        by_number: dict[str, list[Campus]] = {}
        for campus in campuses:
            by_number.setdefault(campus.number, []).append(campus)
        return cls(campuses, {n: Line(n, tuple(cs)) for n, cs in by_number.items()})

    def line_for(self, called: str | None) -> Line | None:
        """Return the line for a called number as Twilio sends it (``To``), or None."""
        if not called:
            return None
        return self.lines.get(normalise_number(called))


def normalise_number(raw: str) -> str:
    """Reduce a number as Twilio or a person writes it to ``+`` and digits."""
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    return "+" + digits if text.startswith("+") else digits
