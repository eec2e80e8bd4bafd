"""Each subscription's language: the briefing's words and dates in `en`, `ja` or `ru`.

Existing subscriptions keep getting English briefings, as before.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER with a default and an inline CHECK: the same statement on SQLite and
    # PostgreSQL, and existing rows get English.
    op.execute(
        "ALTER TABLE subscriptions ADD COLUMN language VARCHAR(2) DEFAULT 'en' NOT NULL "
        "CONSTRAINT ck_subscriptions_language CHECK (language IN ('en', 'ja', 'ru'))"
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore a backup instead")
