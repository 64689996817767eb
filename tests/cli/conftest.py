"""Fixtures for the operator tools: run a CLI command against an app built by ``make_app``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import click
import pytest
from click.testing import Result
from flask import Flask

Run = Callable[..., Result]


@pytest.fixture
def run_cli(app: Flask) -> Run:
    """Return ``run_cli(command, args, input=None)``: invoke a command inside ``app``."""

    def run(command: click.Command, args: Sequence[str], input: str | None = None) -> Result:
        return app.test_cli_runner().invoke(command, list(args), input=input)

    return run
