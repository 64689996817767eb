"""The operator console: its users, its audit log and its failed logins.

Revision ID: 0004_console
Revises: 0003_callers_closed
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0004_console"
down_revision = "0003_callers_closed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_users",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("role", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("password_changed_at", ivr.storage.schema.Instant(), nullable=False),
        sa.CheckConstraint("role IN ('viewer', 'operator')", name=op.f("ck_console_users_role")),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_console_users")),
    )
    op.create_table(
        "console_audit",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_audit")),
    )
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_console_audit_at"), ["at"], unique=False)
    op.create_table(
        "console_login_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_login_failures")),
    )
    with op.batch_alter_table("console_login_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_login_failures_account_at"), ["account", "at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_console_login_failures_address_at"), ["address", "at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_console_login_failures_at"), ["at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("console_login_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_login_failures_at"))
        batch_op.drop_index(batch_op.f("ix_console_login_failures_address_at"))
        batch_op.drop_index(batch_op.f("ix_console_login_failures_account_at"))
    op.drop_table("console_login_failures")
    with op.batch_alter_table("console_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_audit_at"))
    op.drop_table("console_audit")
    op.drop_table("console_users")
