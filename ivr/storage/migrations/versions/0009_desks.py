"""Desks answered by the service: agents, their desks, waiting callers, callbacks placed;
the console's role ``agent``.

Revision ID: 0009_desks
Revises: 0008_closures
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import ivr.storage.schema

revision = "0009_desks"
down_revision = "0008_closures"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'called', 'done', 'abandoned')"
NEW_STATUSES = (
    "status IN ('pending', 'called', 'done', 'abandoned', 'ringing', 'reached', 'unreached', "
    "'cancelled')"
)
OLD_ROLES = "role IN ('viewer', 'operator')"
NEW_ROLES = "role IN ('viewer', 'operator', 'agent')"
CALLBACK_COLUMNS = (
    ("entered_at", ivr.storage.schema.Instant()),
    ("central", sa.Text()),
    ("next_attempt_at", ivr.storage.schema.Instant()),
    ("window_start", ivr.storage.schema.Instant()),
    ("window_end", ivr.storage.schema.Instant()),
    ("agent", sa.Text()),
    ("rung_at", ivr.storage.schema.Instant()),
    ("dialled_at", ivr.storage.schema.Instant()),
)


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("state_since", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("busy_until", ivr.storage.schema.Instant(), nullable=True),
        sa.Column("ring", sa.Integer(), nullable=False),
        sa.Column("call_sid", sa.Text(), nullable=True),
        sa.Column("offer_kind", sa.Text(), nullable=True),
        sa.Column("offer_ref", sa.Text(), nullable=True),
        sa.Column("offer_desk", sa.Text(), nullable=True),
        sa.Column("created_at", ivr.storage.schema.Instant(), nullable=False),
        sa.CheckConstraint(
            "state IN ('available', 'ringing', 'on_call', 'wrap_up', 'away')",
            name=op.f("ck_agents_state"),
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_agents")),
    )
    op.create_table(
        "agent_desks",
        sa.Column("agent", sa.Text(), nullable=False),
        sa.Column("desk", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent"],
            ["agents.name"],
            name=op.f("fk_agent_desks_agent_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("agent", "desk", name=op.f("pk_agent_desks")),
    )
    with op.batch_alter_table("agent_desks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agent_desks_desk"), ["desk"], unique=False)
    op.create_table(
        "desk_callers",
        sa.Column("call_sid", sa.Text(), nullable=False),
        sa.Column("desk", sa.Text(), nullable=False),
        sa.Column("campus", sa.Text(), nullable=False),
        sa.Column("central", sa.Text(), nullable=False),
        sa.Column("entered_at", ivr.storage.schema.Instant(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("asked", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("agent", sa.Text(), nullable=True),
        sa.Column("rung_at", ivr.storage.schema.Instant(), nullable=True),
        sa.Column("answered_at", ivr.storage.schema.Instant(), nullable=True),
        sa.Column("ended_at", ivr.storage.schema.Instant(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'ringing', 'answered', 'left')",
            name=op.f("ck_desk_callers_status"),
        ),
        sa.PrimaryKeyConstraint("call_sid", name=op.f("pk_desk_callers")),
    )
    with op.batch_alter_table("desk_callers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_desk_callers_status_desk_entered_at"),
            ["status", "desk", "entered_at"],
            unique=False,
        )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        for name, type_ in CALLBACK_COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))
        batch_op.drop_constraint(batch_op.f("ck_callbacks_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_callbacks_status"), NEW_STATUSES)
    with op.batch_alter_table("console_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_console_users_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_console_users_role"), NEW_ROLES)


def downgrade() -> None:
    op.execute("DELETE FROM console_users WHERE role = 'agent'")
    with op.batch_alter_table("console_users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_console_users_role"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_console_users_role"), OLD_ROLES)
    op.execute("UPDATE callbacks SET status = 'pending' WHERE status IN ('ringing')")
    op.execute("UPDATE callbacks SET status = 'done' WHERE status IN ('reached')")
    op.execute(
        "UPDATE callbacks SET status = 'abandoned' WHERE status IN ('unreached', 'cancelled')"
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_callbacks_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_callbacks_status"), OLD_STATUSES)
        for name, _ in reversed(CALLBACK_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("desk_callers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_callers_status_desk_entered_at"))
    op.drop_table("desk_callers")
    with op.batch_alter_table("agent_desks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agent_desks_desk"))
    op.drop_table("agent_desks")
    op.drop_table("agents")
