"""Failed verifications per calling number; finished calls closed in their session row.

Revision ID: 0003_callers_closed
Revises: 0002_callbacks
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0003_callers_closed"
down_revision = "0002_callbacks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "caller_failures",
        sa.Column("caller", sa.Text(), nullable=False),
        sa.Column("window_start", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("caller", name=op.f("pk_caller_failures")),
    )
    with op.batch_alter_table("caller_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_caller_failures_window_start"), ["window_start"], unique=False
        )
    with op.batch_alter_table("call_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", ivr.storage.schema.Instant(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("call_sessions", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("caller_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_caller_failures_window_start"))
    op.drop_table("caller_failures")
