"""indexes for the scheduler

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 23:37:57.909090
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("activity_day", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activity_day_day"), ["day"], unique=False)

    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_join_request_status"), ["status"], unique=False)

    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.create_index("ix_request_state_created_at", ["state", "created_at"], unique=False)
        batch_op.create_index("ix_request_state_due", ["state", "due"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_state_due")
        batch_op.drop_index("ix_request_state_created_at")

    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_request_status"))

    with op.batch_alter_table("activity_day", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_activity_day_day"))
