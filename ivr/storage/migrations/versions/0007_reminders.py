"""Due-date reminders by SMS: the students' mobiles, the reminders' log and the opt-outs.

Revision ID: 0007_reminders
Revises: 0006_outbound_limits
Create Date: 2026-12-16 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0007_reminders"
down_revision = "0006_outbound_limits"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mobile", sa.Text(), nullable=True))
    op.create_table(
        "reminder_log",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("term", sa.Text(), nullable=False),
        sa.Column("cuota", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("sid", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'sent', 'failed', 'paid', 'expired', 'opted_out')",
            name=op.f("ck_reminder_log_status"),
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reminder_log")),
        sa.UniqueConstraint("code", "sent_on", name=op.f("uq_reminder_log_code_sent_on")),
    )
    with op.batch_alter_table("reminder_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_log_day"), ["day"], unique=False)
    op.create_table(
        "reminder_optouts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.Text(), nullable=True),
        sa.Column("code", sa.Text(), nullable=True),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("door", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "number IS NOT NULL OR code IS NOT NULL", name=op.f("ck_reminder_optouts_subject")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_optouts")),
        sa.UniqueConstraint("code", name=op.f("uq_reminder_optouts_code")),
        sa.UniqueConstraint("number", name=op.f("uq_reminder_optouts_number")),
    )
    with op.batch_alter_table("reminder_optouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_optouts_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_optouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_optouts_at"))
    op.drop_table("reminder_optouts")
    with op.batch_alter_table("reminder_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_log_day"))
    op.drop_table("reminder_log")
    with op.batch_alter_table("students", schema=None) as batch_op:
        batch_op.drop_column("mobile")
