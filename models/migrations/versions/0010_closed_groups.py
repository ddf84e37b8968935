"""closed groups: last sightings, refused members, vouched and stored join answers

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("group_member", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused_at", models.base.UTCDateTime(), nullable=True))
    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vouched_by", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("shown_at", models.base.UTCDateTime(), nullable=True))
    # Answers given before this revision went straight to the coordinators: shown then.
    op.execute("UPDATE join_request SET shown_at = created_at WHERE status = 'answered'")


def downgrade() -> None:
    with op.batch_alter_table("join_request", schema=None) as batch_op:
        batch_op.drop_column("shown_at")
        batch_op.drop_column("answer")
        batch_op.drop_column("vouched_by")
    with op.batch_alter_table("group_member", schema=None) as batch_op:
        batch_op.drop_column("refused_at")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
