"""``ivr scheduler``: the job process, running until stopped; the jobs are ``ivr.scheduler``'s."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from ivr.runtime import Runtime, current_runtime
from ivr.scheduler import SWAP_PREFIX, SchedulerBusy, build_scheduler, sole_scheduler


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs (reload, message swaps, purges, ledger import) until stopped."""
    runtime = current_runtime()
    try:
        with sole_scheduler(runtime):
            _run(runtime)
    except SchedulerBusy as busy:
        raise click.ClickException(str(busy)) from None


def _run(runtime: Runtime) -> None:
    if not logging.getLogger().handlers:  # create_app configures logging unless TESTING
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # APScheduler logs every run of every job at INFO; our jobs log their outcomes.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = build_scheduler(runtime, blocking=True)
    for job in scheduler.get_jobs():
        if not job.id.startswith(SWAP_PREFIX):
            click.echo(f"  {job.id}: {job.name} ({job.trigger})")
    click.echo("Scheduler running in America/Lima time; stop it with Ctrl-C.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Scheduler stopped.")
