"""Located configuration problems: ``file:line: path: what is wrong (hint)``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an operator's file, with where it is and what to do."""

    file: str
    line: int
    path: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class ConfigError(Exception):
    """Raised with every problem found, so an operator can fix them all in one pass."""

    def __init__(self, problems: Iterable[Problem], warnings: Iterable[Problem] = ()) -> None:
        self.problems = sorted(set(problems))
        self.warnings = sorted(set(warnings))
        super().__init__("\n".join(str(p) for p in self.problems))
