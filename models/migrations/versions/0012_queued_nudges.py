"""queued nudges: a /nudge waiting in the outbox is no round's to send

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 11:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Until now a /nudge waited as 'sending', which a round takes over after ten minutes.
    op.execute(
        "UPDATE nudge SET status = 'queued' WHERE status = 'sending' AND id IN "
        "(SELECT remember_id FROM outbox_message WHERE remember = 'nudge')"
    )


def downgrade() -> None:
    op.execute("UPDATE nudge SET status = 'sending' WHERE status = 'queued'")
