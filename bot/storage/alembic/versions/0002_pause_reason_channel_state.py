"""Why a subscription is paused, and each channel's rotation / "what's new" state.

Release 0.1.0's hand-written schema version 2, unchanged; such databases are stamped here.

Revision ID: 0002
Revises: 0001
Create Date: 2025-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER with an inline CHECK: the same statement on SQLite and PostgreSQL, and what
    # 0.1.0 ran, so stamped and migrated databases have the same column and constraint.
    op.execute(
        "ALTER TABLE subscriptions ADD COLUMN pause_reason VARCHAR(500) "
        "CONSTRAINT ck_subscriptions_pause_reason CHECK (length(pause_reason) <= 500)"
    )
    op.create_table(
        "channel_state",
        sa.Column(
            "channel_id",
            sa.BigInteger,
            sa.ForeignKey("subscriptions.channel_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        sa.Column("kb_version", sa.String(64), nullable=False),
        sa.Column("rotation_cursor", sa.Integer, nullable=False),
        sa.Column("seen_entry_ids", sa.Text, nullable=False),
        sa.Column("last_briefed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rotation_cursor >= 0", name="ck_channel_state_cursor"),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore a backup instead")
