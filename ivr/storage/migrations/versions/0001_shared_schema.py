"""The shared schema: ledger, verification, calls, override.

A ledger file of the versions before Alembic (``schema_version`` and ``students`` tables) is
adopted: its students, enrolments and payments stay; its failures and lockouts, short-lived,
start anew. Another file of those versions (call records, sessions) just gains these tables.

Revision ID: 0001
Revises:
Create Date: 2026-12-02 02:52:51.043943
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    legacy = {"schema_version", "students"} <= tables  # a ledger file of the earlier versions
    if legacy:
        for name in ("verification_failures", "lockouts", "schema_version"):
            if name in tables:
                op.drop_table(name)
    op.create_table(
        "call_sessions",
        sa.Column("call_sid", sa.Text(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("expires_at", ivr.storage.schema.Instant(), nullable=False),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_call_sessions")),
    )
    with op.batch_alter_table("call_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_call_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "call_statuses",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_sid", sa.Text(), nullable=False),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("call_status", sa.Text(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_statuses")),
    )
    with op.batch_alter_table("call_statuses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_statuses_call_sid"), ["call_sid"], unique=False)

    op.create_table(
        "call_steps",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("call_sid", sa.Text(), nullable=False),
        sa.Column("at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("campus", sa.Text(), nullable=False),
        sa.Column("node", sa.Text(), nullable=False),
        sa.Column("event", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("said", sa.Text(), nullable=False),
        sa.Column("request", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_steps")),
        sa.UniqueConstraint("request", name=op.f("uq_call_steps_request")),
    )
    with op.batch_alter_table("call_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_steps_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_call_steps_call_sid_at"), ["call_sid", "at"], unique=False
        )

    op.create_table(
        "emergency_override",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("set_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("until", ivr.storage.schema.Instant(), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_emergency_override_single")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_override")),
    )
    op.create_table(
        "lockouts",
        sa.Column("code_digits", sa.Text(), nullable=False),
        sa.Column("locked_until", ivr.storage.schema.Instant(), nullable=True),
        sa.PrimaryKeyConstraint("code_digits", name=op.f("pk_lockouts")),
    )
    op.create_table(
        "verification_failures",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("code_digits", sa.Text(), nullable=False),
        sa.Column("failed_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("attempt", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_failures")),
        sa.UniqueConstraint("attempt", name=op.f("uq_verification_failures_attempt")),
    )
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_failures_code_digits_failed_at"),
            ["code_digits", "failed_at"],
            unique=False,
        )
    if legacy:
        with op.batch_alter_table("enrolments") as batch_op:
            batch_op.add_column(sa.Column("early_payment_granted_on", sa.Date(), nullable=True))
    else:
        op.create_table(
            "students",
            sa.Column("code", sa.Text(), nullable=False),
            sa.Column("code_digits", sa.Text(), nullable=False),
            sa.Column("tariff_category", sa.Text(), nullable=False),
            sa.Column("has_agreement", sa.Boolean(), nullable=False),
            sa.Column("has_benefit", sa.Boolean(), nullable=False),
            sa.Column("is_staff_or_family", sa.Boolean(), nullable=False),
            sa.Column("dni_verifier", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("code", name=op.f("pk_students")),
            sa.UniqueConstraint("code_digits", name=op.f("uq_students_code_digits")),
        )
        op.create_table(
            "enrolments",
            sa.Column("code", sa.Text(), nullable=False),
            sa.Column("term", sa.Text(), nullable=False),
            sa.Column("tariff", sa.Integer(), nullable=False),
            sa.Column("credits", sa.Integer(), nullable=False),
            sa.Column("last_regular_cycle", sa.Boolean(), nullable=False),
            sa.Column("insurance", sa.Text(), nullable=False),
            sa.Column("extemporaneous", sa.Boolean(), nullable=False),
            sa.Column("withdrawn_on", sa.Date(), nullable=True),
            sa.Column("early_payment_granted_on", sa.Date(), nullable=True),
            sa.CheckConstraint(
                "insurance IN ('contracted', 'exonerated', 'not_contracted')",
                name=op.f("ck_enrolments_insurance"),
            ),
            sa.CheckConstraint("credits > 0", name=op.f("ck_enrolments_credits")),
            sa.CheckConstraint("tariff >= 0", name=op.f("ck_enrolments_tariff")),
            sa.ForeignKeyConstraint(
                ["code"],
                ["students.code"],
                name=op.f("fk_enrolments_code_students"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("code", "term", name=op.f("pk_enrolments")),
        )
        op.create_table(
            "payments",
            sa.Column("payment_id", sa.Text(), nullable=False),
            sa.Column("code", sa.Text(), nullable=False),
            sa.Column("term", sa.Text(), nullable=True),
            sa.Column("concept", sa.Text(), nullable=False),
            sa.Column("cuota", sa.Integer(), nullable=True),
            sa.Column("amount", sa.Integer(), nullable=False),
            sa.Column("paid_on", sa.Date(), nullable=False),
            sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount")),
            sa.CheckConstraint("cuota BETWEEN 1 AND 5", name=op.f("ck_payments_cuota")),
            sa.ForeignKeyConstraint(
                ["code"],
                ["students.code"],
                name=op.f("fk_payments_code_students"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_payments")),
        )
        with op.batch_alter_table("payments", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_payments_code_paid_on"), ["code", "paid_on"], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_code_paid_on"))

    op.drop_table("payments")
    op.drop_table("enrolments")
    with op.batch_alter_table("verification_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_failures_code_digits_failed_at"))

    op.drop_table("verification_failures")
    op.drop_table("students")
    op.drop_table("lockouts")
    op.drop_table("emergency_override")
    with op.batch_alter_table("call_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_steps_call_sid_at"))
        batch_op.drop_index(batch_op.f("ix_call_steps_at"))

    op.drop_table("call_steps")
    with op.batch_alter_table("call_statuses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_statuses_call_sid"))

    op.drop_table("call_statuses")
    with op.batch_alter_table("call_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_sessions_expires_at"))

    op.drop_table("call_sessions")
