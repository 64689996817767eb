"""Outbound limits: callbacks and texts counted per number and period; one text per call.

Revision ID: 0006_outbound_limits
Revises: 0005_console_sessions
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0006_outbound_limits"
down_revision = "0005_console_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbound_counts",
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("period", sa.Text(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", ivr.storage.schema.Instant(), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "scope", "subject", "period", name=op.f("pk_outbound_counts")
        ),
    )
    with op.batch_alter_table("outbound_counts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_counts_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "outbound_messages",
        sa.Column("call_sid", sa.Text(), nullable=False),
        sa.Column("choice", sa.Text(), nullable=False),
        sa.Column("number", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("created_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("updated_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("sid", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'failed')", name=op.f("ck_outbound_messages_status")
        ),
        sa.PrimaryKeyConstraint("call_sid", "choice", name=op.f("pk_outbound_messages")),
    )
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outbound_messages_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_messages_created_at"))
    op.drop_table("outbound_messages")
    with op.batch_alter_table("outbound_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbound_counts_expires_at"))
    op.drop_table("outbound_counts")
