"""The console's sessions on the server: «Salir» and a password change end them on every host.

Revision ID: 0005_console_sessions
Revises: 0004_console
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0005_console_sessions"
down_revision = "0004_console"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("user_name", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("started_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("ended_at", ivr.storage.schema.Instant(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_sessions")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_sessions_started_at"), ["started_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_sessions_user_name_address"),
            ["user_name", "address"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_user_name_address"))
        batch_op.drop_index(batch_op.f("ix_console_sessions_started_at"))
    op.drop_table("console_sessions")
