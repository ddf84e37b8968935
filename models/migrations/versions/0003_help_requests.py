"""help requests

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 22:35:30.978117
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("neighbourhood_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("asker_id", sa.BigInteger(), nullable=False),
        sa.Column("on_behalf_of", sa.String(length=64), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("claimer_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(), nullable=False),
        sa.Column("claimed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["asker_id"], ["user.id"], name=op.f("fk_request_asker_id_user"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["claimer_id"],
            ["user.id"],
            name=op.f("fk_request_claimer_id_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["group.id"], name=op.f("fk_request_group_id_group"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["neighbourhood_id"],
            ["neighbourhood.id"],
            name=op.f("fk_request_neighbourhood_id_neighbourhood"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request")),
    )
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index("ix_request_chat_state", ["chat_id", "state"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_claimer_id"), ["claimer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_group_id"), ["group_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_request_neighbourhood_id"), ["neighbourhood_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_neighbourhood_id"))
        batch_op.drop_index(batch_op.f("ix_request_group_id"))
        batch_op.drop_index(batch_op.f("ix_request_claimer_id"))
        batch_op.drop_index("ix_request_chat_state")
        batch_op.drop_index(batch_op.f("ix_request_asker_id"))

    op.drop_table("request")
