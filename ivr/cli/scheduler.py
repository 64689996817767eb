"""``ivr scheduler``: the job process, running until stopped; the jobs are ``ivr.scheduler``'s.

Every host may run it: one leads the deployment (a PostgreSQL advisory lock, or SQLite's lock
file on one host), the others wait and take over when the leader stops.
"""

from __future__ import annotations

import logging
import os
import threading

import click
from flask.cli import with_appcontext

from ivr.runtime import current_runtime
from ivr.scheduler import (
    SWAP_PREFIX,
    SchedulerBusy,
    build_scheduler,
    claim_lead,
    lead,
    release_lead,
)

log = logging.getLogger("ivr.scheduler")


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the scheduled jobs (reload, message swaps, purges, ledger import) until stopped."""
    runtime = current_runtime()
    try:
        leadership, holder = claim_lead(runtime)
    except SchedulerBusy as busy:
        raise click.ClickException(str(busy)) from None
    if not logging.getLogger().handlers:  # create_app configures logging unless TESTING
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    # APScheduler logs every run of every job at INFO; our jobs log their outcomes.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    if holder is not None:
        click.echo(f"Waiting to lead: {holder}. Jobs start here when that scheduler stops.")
    click.echo("Scheduler in America/Lima time; stop it with Ctrl-C.")
    stop = threading.Event()
    leading = None
    if holder is None:
        log.info("this process leads the scheduler (pid %d)", os.getpid())
        leading = build_scheduler(runtime, blocking=False)
        for job in leading.get_jobs():
            if not job.id.startswith(SWAP_PREFIX):
                click.echo(f"  {job.id}: {job.name} ({job.trigger})")
        leading.start()
    try:
        lead(runtime, leadership, stop, leading=leading, announced=holder or "")
    except (KeyboardInterrupt, SystemExit):
        stop.set()
        click.echo("Scheduler stopped.")
    finally:
        release_lead()
