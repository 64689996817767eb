"""The queue tests' stand-in for Twilio's REST API, and an app that sends texts through it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.queue.standin import SID, SMS_TEXT, FakeTwilio


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    fake = FakeTwilio()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


@pytest.fixture
def sms_app(config_dir: Path, make_app: Callable[..., Flask], twilio_api: FakeTwilio) -> Flask:
    (config_dir / "queues.yaml").write_text(
        f"callback: {{}}\nsms:\n  from: '+5116044799'\n  text: '{SMS_TEXT}'\n", encoding="utf-8"
    )
    return make_app(TWILIO_ACCOUNT_SID=SID, IVR_TWILIO_API_URL=twilio_api.url)
