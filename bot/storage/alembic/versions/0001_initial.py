"""Subscriptions, the delivery log and the key/value table.

Release 0.1.0's hand-written schema version 1, unchanged; such databases are stamped here.

Revision ID: 0001
Revises:
Create Date: 2025-03-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Types spelled out (not imported from bot.storage.schema): a revision keeps meaning what it
# meant when it was written. UTCDateTime's DDL is DateTime(timezone=True).
UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("channel_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("guild_id", sa.BigInteger, nullable=False),
        sa.Column("local_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("days", sa.String(27), nullable=False),
        sa.Column("role_id", sa.BigInteger, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_by", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.CheckConstraint("channel_id > 0 AND guild_id > 0", name="ck_subscriptions_ids"),
        sa.CheckConstraint("role_id IS NULL OR role_id > 0", name="ck_subscriptions_role"),
        sa.CheckConstraint(
            "length(local_time) = 5 AND substr(local_time, 3, 1) = ':' "
            "AND substr(local_time, 1, 2) BETWEEN '00' AND '23' "
            "AND substr(local_time, 4, 2) BETWEEN '00' AND '59'",
            name="ck_subscriptions_time",
        ),
        sa.CheckConstraint("length(timezone) BETWEEN 1 AND 64", name="ck_subscriptions_timezone"),
        sa.CheckConstraint(
            "days IN ('daily', 'weekdays') OR (length(days) BETWEEN 3 AND 27)",
            name="ck_subscriptions_days",
        ),
        sa.CheckConstraint("status IN ('active', 'paused')", name="ck_subscriptions_status"),
    )
    op.create_index("ix_subscriptions_guild_id", "subscriptions", ["guild_id"])
    op.create_table(
        "delivery_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel_id", sa.BigInteger, nullable=False),
        sa.Column("slot", UTC_DATETIME, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("message_id", sa.BigInteger, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("recorded_at", UTC_DATETIME, nullable=False),
        sa.UniqueConstraint("channel_id", "slot", name="uq_delivery_log_channel_slot"),
        sa.CheckConstraint(
            "outcome IN ('claimed', 'sent', 'sent_late', 'skipped_missed', "
            "'failed_retrying', 'paused')",
            name="ck_delivery_log_outcome",
        ),
        sa.CheckConstraint("attempts >= 0", name="ck_delivery_log_attempts"),
    )
    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported: restore a backup instead")
