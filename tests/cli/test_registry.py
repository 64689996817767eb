"""Every operator command is defined in ``ivr.cli`` and registered in the one ``ivr`` group."""

from __future__ import annotations

import importlib
import pkgutil

import click

import ivr
from ivr.cli import ivr as ivr_group

COMMANDS = {
    "check": "ivr.cli.check",
    "simulate": "ivr.cli.simulate",
    "graph": "ivr.cli.graph",
    "schedule": "ivr.cli.schedule",
    "override": "ivr.cli.override",
    "closures": "ivr.cli.closures",
    "ledger": "ivr.cli.ledger",
    "statement": "ivr.cli.statement",
    "report": "ivr.cli.report",
    "simulate-calls": "ivr.cli.simulate_calls",
    "scheduler": "ivr.cli.scheduler",
    "db": "ivr.cli.db",
    "fallback-twiml": "ivr.cli.fallback",
    "callbacks": "ivr.cli.callbacks",
    "users": "ivr.cli.users",
    "reminders": "ivr.cli.reminders",
    "agents": "ivr.cli.agents",
}


def test_each_command_group_has_its_module() -> None:
    registered = {
        name: getattr(command.callback, "__module__", None)
        for name, command in ivr_group.commands.items()
    }
    assert registered == COMMANDS


def test_no_click_command_is_defined_outside_ivr_cli() -> None:
    outside = []
    for info in pkgutil.walk_packages(ivr.__path__, prefix="ivr."):
        if info.name == "ivr.cli" or info.name.startswith("ivr.cli."):
            continue
        module = importlib.import_module(info.name)
        outside += [
            f"{info.name}.{name}"
            for name, value in vars(module).items()
            if isinstance(value, click.Command)
        ]
    assert outside == []
