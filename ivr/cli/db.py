"""``ivr db``: the shared database's schema, and moving a deployment from SQLite to PostgreSQL.

These commands do not load the app (like ``ivr check``): the app refuses to start on a
PostgreSQL schema that is behind, and ``ivr db upgrade`` is what brings it up to date.
"""

from __future__ import annotations

import click
from sqlalchemy import Engine, func, select, text

from ivr.secret import KEY_FILE, key_file
from ivr.settings import AppSettings, load_settings
from ivr.storage.database import (
    STORE_ERRORS,
    DatabaseError,
    describe,
    head_revision,
    is_postgresql,
    make_engine,
    prepare,
    safe_url,
    upgrade,
)
from ivr.storage.ledger.sql import SqlLedger
from ivr.storage.schema import metadata

BATCH = 2000  # rows per INSERT while copying


@click.group("db")
def db_group() -> None:
    """Create, upgrade or copy the shared database."""


def _engine(url: str, *, create: bool = False) -> Engine:
    try:
        return make_engine(url, create=create)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None


@db_group.command("upgrade")
def upgrade_command() -> None:
    """Create the schema, or bring it to this code's revision (safe twice, from many hosts)."""
    url = load_settings().database_url
    engine = _engine(url, create=True)
    try:
        before, after = upgrade(engine)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    finally:
        engine.dispose()
    if before == after:
        click.echo(f"{safe_url(url)}: schema already at revision {after}; nothing to do.")
    else:
        click.echo(f"{safe_url(url)}: schema upgraded from {before or 'empty'} to {after}.")


@db_group.command("copy")
@click.option("--to", "target_url", required=True, metavar="URL", help="The database to fill.")
def copy_command(target_url: str) -> None:
    """Copy every row of this deployment's database into an empty database at URL.

    Stop the app servers first: what they write during the copy would be left behind. The
    target's schema is created or upgraded; the copy is one transaction there, so a failure
    leaves the target as it was.
    """
    settings = load_settings()
    source_url = settings.database_url
    source, target = _engine(source_url), _engine(target_url, create=True)
    try:
        prepare(source)  # an SQLite source is brought up to date; a stale PostgreSQL refused
        _refuse_losing_the_key(settings, source)
        upgrade(target)
        copied = _copy(source, target)
    except DatabaseError as error:
        raise click.ClickException(str(error)) from None
    except STORE_ERRORS as error:
        raise click.ClickException(
            f"the copy failed, nothing was written: {describe(error)}"
        ) from None
    finally:
        source.dispose()
        target.dispose()
    for name, rows in copied:
        click.echo(f"  {name}: {rows} rows")
    total = sum(rows for _, rows in copied)
    click.echo(
        f"Copied {total} rows from {safe_url(source_url)} to {safe_url(target_url)} "
        f"(schema {head_revision()}). Now set IVR_DATABASE_URL on every host to the new URL."
    )
    click.echo(
        "Set IVR_SECRET_KEY on every host to the value it has here: the students' second "
        "factors were made with it."
    )


def _refuse_losing_the_key(settings: AppSettings, source: Engine) -> None:
    """Refuse a copy after which no host would have the key the students' verifiers need.

    PostgreSQL hosts read the server key only from IVR_SECRET_KEY; an SQLite deployment may
    have used its key file (IVR_DATA_DIR/secret.key). A copy under another key would leave
    every student's second factor failing until the next students import.
    """
    kept = settings.data_dir / KEY_FILE
    use_file = f'set IVR_SECRET_KEY="$(cat {kept})" here and on every host, then copy again'
    if not settings.secret_key:
        if kept.is_file():
            raise click.ClickException(
                f"this deployment's server key is in {kept}, which PostgreSQL hosts never "
                f"read: {use_file}"
            )
        raise click.ClickException(
            "IVR_SECRET_KEY is not set, and every PostgreSQL host needs it: set it here to the "
            "key the students' second factors were made with (or a new one, "
            "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`, then import the "
            "students export again after the copy), then copy again"
        )
    previous = settings.previous_secret_key.encode() if settings.previous_secret_key else None
    ledger = SqlLedger(source, key=settings.secret_key.encode(), previous_key=previous)
    lost = ledger.verifier_ages()["unknown"]
    if not lost:
        return
    if kept.is_file() and not SqlLedger(source, key=key_file(kept)).verifier_ages()["unknown"]:
        raise click.ClickException(
            f"IVR_SECRET_KEY is not the key of {kept}, which made the students' second "
            f"factors: {use_file}"
        )
    raise click.ClickException(
        f"{lost} students' second factors were made with another key than IVR_SECRET_KEY: set "
        "it to the key that made them (the old IVR_SECRET_KEY), then copy again"
    )


def _copy(source: Engine, target: Engine) -> list[tuple[str, int]]:
    copied: list[tuple[str, int]] = []
    with source.connect() as reading, target.begin() as writing:
        for table in metadata.sorted_tables:  # referenced tables first
            if writing.execute(select(func.count()).select_from(table)).scalar_one():
                raise click.ClickException(
                    f"{safe_url(target.url)} already holds rows in {table.name}: "
                    "copy only into an empty database"
                )
        for table in metadata.sorted_tables:
            count = 0
            batch: list[dict[str, object]] = []
            for row in reading.execute(select(table)):
                batch.append(dict(row._mapping))
                if len(batch) == BATCH:
                    writing.execute(table.insert(), batch)
                    count, batch = count + len(batch), []
            if batch:
                writing.execute(table.insert(), batch)
                count += len(batch)
            copied.append((table.name, count))
            if is_postgresql(target) and "id" in table.c and table.c.id.autoincrement is True:
                # rows came with their ids: the sequence must continue after the last one
                writing.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    )
                )
    return copied
