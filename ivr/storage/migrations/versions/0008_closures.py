"""Closures and special hours added from the console, read by every host beside the YAML's.

Revision ID: 0008_closures
Revises: 0007_reminders
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0008_closures"
down_revision = "0007_reminders"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "closures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("line", sa.Text(), nullable=True),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("opens", sa.Text(), nullable=True),
        sa.Column("closes", sa.Text(), nullable=True),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("added_by", sa.Text(), nullable=False),
        sa.Column("added_at", ivr.storage.schema.Instant(), nullable=False),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_closures_days")),
        sa.CheckConstraint("(opens IS NULL) = (closes IS NULL)", name=op.f("ck_closures_hours")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_closures")),
    )
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_closures_last_day"), ["last_day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("closures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closures_last_day"))
    op.drop_table("closures")
