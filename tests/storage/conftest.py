"""Fixtures of the storage tests: the call records' recorder factory (tests/observability)."""

from __future__ import annotations

from tests.observability.conftest import make_recorder  # noqa: F401 (the call store's tests)
