"""``current_runtime()``: the one way to reach the running app's runtime, and its clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from ivr.clock import LIMA
from ivr.runtime import Runtime, current_runtime
from tests.helpers import Clock


def test_it_is_the_runtime_create_app_built(app: Flask) -> None:
    with app.app_context():
        runtime = current_runtime()
    assert isinstance(runtime, Runtime)
    assert runtime is app.extensions["ivr"]


def test_an_app_without_one_says_how_to_get_one() -> None:
    with (
        Flask("bare").app_context(),
        pytest.raises(RuntimeError, match=r"no IVR runtime: build it with ivr\.create_app\(\)"),
    ):
        current_runtime()


def test_its_now_is_the_injected_clock_in_lima(app: Flask, clock: Clock) -> None:
    clock.set(datetime(2026, 12, 1, 2, 0, tzinfo=UTC))  # a server in UTC, Lima still on the 30th
    with app.app_context():
        now = current_runtime().now()
    assert (now, now.tzinfo) == (datetime(2026, 11, 30, 21, 0, tzinfo=LIMA), LIMA)
