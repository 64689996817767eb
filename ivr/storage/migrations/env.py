"""Alembic's environment: migrations run on the connection ``ivr.storage.database`` hands in."""

from __future__ import annotations

from alembic import context

from ivr.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite alters a table by copying it; Alembic's batch mode does that
    transactional_ddl=True,  # SQLite's DDL is transactional too: an upgrade is all or nothing
)
with context.begin_transaction():
    context.run_migrations()
