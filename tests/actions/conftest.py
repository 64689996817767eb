"""Fixtures for the operator actions: the app's runtime, the audit log, who acts."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from ivr.actions import ActionRefused, Actor, Door
from ivr.runtime import Runtime
from ivr.storage.console import ConsoleStore
from tests.console.conftest import runtime as runtime_of

ANA = Actor("ana", Door.CONSOLE)  # a console user
ROOT = Actor("root", Door.CLI)  # the login name of whoever runs `ivr ...`


@pytest.fixture
def runtime(app: Flask) -> Runtime:
    return runtime_of(app)


@pytest.fixture
def console(runtime: Runtime) -> ConsoleStore:
    return ConsoleStore(runtime.engine)


def audited(console: ConsoleStore) -> list[tuple[str, str, str]]:
    """The audit log as (who, what, detail), newest first."""
    return [(entry.actor, entry.action, entry.detail) for entry in console.audit_log()]


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The lines the actions logged, as INFO."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "ivr.actions" and record.levelname == "INFO"
    ]


def refusal(action: Callable[[], object]) -> tuple[str | None, str, str]:
    """Run an action that must be refused; return the refusal's (field, en, es)."""
    with pytest.raises(ActionRefused) as refused:
        action()
    return refused.value.field, refused.value.en, refused.value.es
