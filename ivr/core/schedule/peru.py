"""Peru's national holidays ("feriados") with their Spanish names, from ``holidays``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from types import MappingProxyType

import holidays


@lru_cache(maxsize=32)
def national_holidays(year: int) -> Mapping[date, str]:
    """Return the year's national holidays in Peru, date -> Spanish name.

    Pure and cached per year: the package computes them from rules, so every process agrees.
    """
    # Peru's national holidays from the holidays package, with their Spanish names.
    calendar = holidays.country_holidays("PE", language="es", years=year)
    return MappingProxyType(dict(sorted(calendar.items())))


def holiday_name(day: date) -> str | None:
    """Return the Spanish name of the national holiday on ``day``, or None."""
    return national_holidays(day.year).get(day)
