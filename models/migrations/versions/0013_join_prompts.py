"""join prompts: the DMs that put a join request to whoever decides

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "join_prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("join_request_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["join_request_id"],
            ["join_request.id"],
            name=op.f("fk_join_prompt_join_request_id_join_request"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_join_prompt")),
    )
    with op.batch_alter_table("join_prompt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_join_prompt_join_request_id"), ["join_request_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("join_prompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_join_prompt_join_request_id"))
    op.drop_table("join_prompt")
