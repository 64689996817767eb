"""``ivr ledger import FILES...``, ``ivr ledger demo`` and ``ivr ledger verifiers``.

They reach the ledger and the billing configuration through the running app's runtime
(``current_runtime().ledger``, ``.config.billing``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from flask.cli import with_appcontext

from ivr.core.fees.model import Billing
from ivr.runtime import current_runtime
from ivr.storage.ledger import demo
from ivr.storage.ledger.base import EXPORT_KINDS, ExportKind, Progress
from ivr.storage.ledger.importer import count_rows, import_file, import_order
from ivr.storage.ledger.sql import SqlLedger


@click.group("ledger")
def ledger_group() -> None:
    """Import billing exports into the ledger, or load a demo."""


def loaded_billing() -> Billing:
    """Return the running app's prices and terms, or stop the command saying they are missing."""
    billing = current_runtime().config.billing
    if billing is None:
        raise click.ClickException("billing/terms.yaml and billing/prices.yaml are not loaded")
    return billing


@ledger_group.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--kind",
    type=click.Choice(EXPORT_KINDS),
    help="What the files hold, when their header does not say (students, enrolments, payments).",
)
@with_appcontext
def import_command(files: tuple[Path, ...], kind: ExportKind | None) -> None:
    """Import CSV exports (students, enrolments, payments); a bad row rejects its whole file.

    Each file is read, checked and staged in batches, then switched in at once, students before
    enrolments before payments, so memory stays flat however long the file and calls do not
    wait for it. A problem anywhere leaves its file out and every problem is listed. Importing
    the same export again changes nothing. Progress goes to stderr: a bar on a terminal, a line
    every few seconds otherwise.
    """
    current_runtime(creating=True).create_database()
    ledger = current_runtime().ledger
    terms = [t.code for t in loaded_billing().terms]
    failed = 0
    for path in import_order(files, kind):
        with progress(f"Importing {path}", count_rows(path)) as advance:
            done = import_file(
                ledger, path, kind, known_terms=terms, shown_as=str(path), progress=advance
            )
        if done.result is None or not done.result.ok:
            for message in done.messages():
                click.echo(message, err=True)
            click.echo(
                f"{done.file}: rejected, nothing imported ({_count(done.problems)})", err=True
            )
            failed += 1
            continue
        result = done.result
        click.echo(
            f"{done.file}: {result.rows} {result.kind}: {result.added} added, "
            f"{result.updated} updated, {result.unchanged} unchanged"
        )
    if failed:
        raise click.exceptions.Exit(1)


def _count(problems: tuple[object, ...]) -> str:
    return "1 problem" if len(problems) == 1 else f"{len(problems)} problems"


@ledger_group.command("demo")
@click.option("--students", default=300, show_default=True, help="How many students in all.")
@click.option("--seed", default=demo.DEMO_SEED, show_default=True, help="Random seed.")
@click.option("--reset", is_flag=True, help="Empty the ledger first (every student goes).")
@with_appcontext
def demo_command(students: int, seed: int, reset: bool) -> None:
    """Load the synthetic demo students (the same ones every time for the same seed).

    The rows are made as they are written, a batch at a time: memory stays flat however many.
    """
    current_runtime(creating=True).create_database()
    ledger = current_runtime().ledger
    try:
        stream = demo.DemoStream(students, seed, billing=loaded_billing())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    if reset:
        ledger.reset()
    counts = []
    for kind in EXPORT_KINDS:
        with progress(f"Demo {kind}", stream.count(kind)) as advance:
            result = demo.import_kind(ledger, stream, kind, advance)
        if not result.ok:  # the generator's own rows: a failure here is a bug
            raise click.ClickException(f"demo {kind} rejected: {result.problems[:3]}")
        counts.append(result.rows)
    click.echo(f"Demo ledger: {counts[0]} students, {counts[1]} enrolments, {counts[2]} payments.")
    for student in demo.DEMO_STUDENTS:
        click.echo(f"  try {student.code} (DNI ending {student.dni_last4}): {student.story}")


@ledger_group.command("verifiers")
@with_appcontext
def verifiers_command() -> None:
    """Count the students' second-factor verifiers by the key that made them.

    After a key rotation, IVR_PREVIOUS_SECRET_KEY can go once none is left on the previous key
    (an import of the students export rewrites them all with the current one).
    """
    ledger = current_runtime().ledger
    if not isinstance(ledger, SqlLedger):
        raise click.ClickException("this ledger cannot list its verifiers")
    ages = ledger.verifier_ages()
    click.echo(
        f"{sum(ages.values())} students: {ages['current']} on the current key, "
        f"{ages['previous']} on the previous key, {ages['legacy']} from before the server key "
        f"(PBKDF2), {ages['unknown']} on another key"
    )
    stale = ages["previous"] + ages["legacy"]
    if stale:
        click.echo(
            f"import the students export to rewrite the {stale} not on the current key", err=True
        )
    if ages["unknown"]:
        click.echo(
            f"{ages['unknown']} verifiers were made with a key this host does not have: those "
            "students cannot verify until the students export is imported again",
            err=True,
        )


@contextmanager
def progress(label: str, length: int) -> Iterator[Progress]:
    """Report progress on stderr: a bar on a terminal, else a line every few seconds (cron)."""
    if sys.stderr.isatty():
        with click.progressbar(length=length, label=label, file=sys.stderr) as bar:
            yield bar.update
        return
    lines = ProgressLines(label, length)
    yield lines
    lines.finish()


class ProgressLines:
    """Progress as a line every ``every`` seconds, for logs: ``label: 40,000 of 100,000 rows``."""

    def __init__(
        self,
        label: str,
        length: int,
        every: float = 5.0,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.length = length
        self.every = every
        self.timer = timer
        self.done = 0
        self.started = self._last = timer()

    def __call__(self, rows: int) -> None:
        self.done += rows
        if self.timer() - self._last >= self.every:
            self._last = self.timer()
            self._say(f"{self.done:,} of {self.length:,} rows")

    def finish(self) -> None:
        """Say the end, when the run lasted long enough to have said anything before."""
        if self._last != self.started:
            self._say(f"{self.done:,} rows in {self.timer() - self.started:.0f} s")

    def _say(self, what: str) -> None:
        click.echo(f"{self.label}: {what}", err=True)
