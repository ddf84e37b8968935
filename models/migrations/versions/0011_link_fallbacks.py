"""link fallbacks: chats waiting for a link token, kept across restarts

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_fallback",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("added_by", sa.BigInteger(), nullable=False),
        sa.Column("due_at", models.base.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_link_fallback")),
    )
    with op.batch_alter_table("link_fallback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_fallback_due_at"), ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("link_fallback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_fallback_due_at"))
    op.drop_table("link_fallback")
