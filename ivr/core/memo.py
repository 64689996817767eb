"""Memoise what is derived from configuration objects, keyed by the objects' identity.

Menus, settings and schedules are frozen and replaced whole on reload, so a value derived from
them can be kept for as long as the same objects serve; hashing them field by field on every
request would cost more than the work saved.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

R = TypeVar("R")
MAX_ENTRIES = 1024  # old configurations' entries are dropped wholesale past this


def by_identity(fn: Callable[..., R]) -> Callable[..., R]:
    """Cache ``fn``'s result per identity of its positional arguments."""
    cache: dict[tuple[int, ...], tuple[tuple[Any, ...], R]] = {}

    @wraps(fn)
    def wrapper(*args: Any) -> R:
        key = tuple(id(arg) for arg in args)
        hit = cache.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], args, strict=True)):
            return hit[1]
        value = fn(*args)
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = (args, value)  # holding args keeps their ids from being reused meanwhile
        return value

    return wrapper
