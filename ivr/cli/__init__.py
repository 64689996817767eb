"""Operator and admin commands: ``flask --app app ivr ...``, one module per command group.

Every command is registered here, and only here. The group is a Flask CLI plugin (see
pyproject.toml), so commands that only read files, like ``ivr check``, work even when the
configuration is too broken to start the app; the others reach the running app through
``ivr.runtime.current_runtime()`` and read "now" from its clock.
"""

from __future__ import annotations

import os

import click

from ivr.cli.agents import agents_group
from ivr.cli.callbacks import callbacks_group
from ivr.cli.check import check_command
from ivr.cli.closures import closures_group
from ivr.cli.db import db_group
from ivr.cli.fallback import fallback_command
from ivr.cli.graph import graph_command
from ivr.cli.ledger import ledger_group
from ivr.cli.override import override_group
from ivr.cli.reminders import reminders_group
from ivr.cli.report import report_command
from ivr.cli.schedule import schedule_command
from ivr.cli.scheduler import scheduler_command
from ivr.cli.simulate import simulate_command
from ivr.cli.simulate_calls import simulate_calls_command
from ivr.cli.statement import statement_command
from ivr.cli.users import users_group
from ivr.secret import SecretKeyError
from ivr.settings import SettingsError
from ivr.storage.database import DatabaseError


class IvrGroup(click.Group):
    """The ``ivr`` group: a setting, key or database that cannot be used is a message, not a trace.

    Commands that load the app meet these at its start (``create_app``), the others when they
    read the settings themselves: either way the operator reads one line saying what to set.
    """

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SettingsError as error:
            raise click.ClickException("; ".join(error.problems)) from None
        except (DatabaseError, SecretKeyError) as error:
            raise click.ClickException(str(error)) from None


@click.group("ivr", cls=IvrGroup)
def ivr() -> None:
    """Operate the IVR: check files, simulate calls, see schedules, manage the ledger."""
    # Operator commands may load the app on a machine without the Twilio token: they do not
    # serve calls, so the app need not refuse to start (webhooks would still answer 403).
    os.environ.setdefault("IVR_CLI", "1")


for _command in (
    check_command,
    simulate_command,
    graph_command,
    schedule_command,
    override_group,
    closures_group,
    ledger_group,
    statement_command,
    report_command,
    simulate_calls_command,
    scheduler_command,
    db_group,
    fallback_command,
    callbacks_group,
    users_group,
    reminders_group,
    agents_group,
):
    ivr.add_command(_command)
