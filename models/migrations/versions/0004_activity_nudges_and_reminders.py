"""activity, nudges and reminders

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:42:50.033037
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "activity_day",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", "day", name=op.f("pk_activity_day")),
    )
    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("quiet_days", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("decided_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("sent_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["group.id"], name=op.f("fk_nudge_group_id_group"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge")),
        sa.UniqueConstraint("group_id", "due_at", name=op.f("uq_nudge_group_id_due_at")),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index("ix_nudge_status", ["status"], unique=False)

    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_activity_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("nudge_due_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("ignored_nudges", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("needs_attention", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("purged_at", models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(
            "ix_group_status_nudge_due_at", ["status", "nudge_due_at"], unique=False
        )

    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("nudge_after_days", sa.Integer(), nullable=False, server_default="14")
        )
        batch_op.add_column(
            sa.Column("quiet_start", sa.String(length=5), nullable=False, server_default="21:00")
        )
        batch_op.add_column(
            sa.Column("quiet_end", sa.String(length=5), nullable=False, server_default="09:00")
        )
        batch_op.add_column(sa.Column("last_activity_at", models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reminded_at", models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_reminded_at", models.base.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_column("due_reminded_at")
        batch_op.drop_column("reminded_at")

    with op.batch_alter_table("neighbourhood", schema=None) as batch_op:
        batch_op.drop_column("last_activity_at")
        batch_op.drop_column("quiet_end")
        batch_op.drop_column("quiet_start")
        batch_op.drop_column("nudge_after_days")

    with op.batch_alter_table("group", schema=None) as batch_op:
        batch_op.drop_index("ix_group_status_nudge_due_at")
        batch_op.drop_column("purged_at")
        batch_op.drop_column("needs_attention")
        batch_op.drop_column("ignored_nudges")
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("nudge_due_at")
        batch_op.drop_column("last_activity_at")

    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index("ix_nudge_status")

    op.drop_table("nudge")
    op.drop_table("activity_day")
