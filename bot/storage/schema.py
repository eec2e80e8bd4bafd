"""The current shape of the tables, as SQLAlchemy Core objects the queries are built from.

This describes the schema *after* every migration; the Alembic revisions in `alembic/versions/`
hold how to get there from any older revision. A test checks that this metadata and the
migration head agree (autogenerate finds no difference): add a revision with every change here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

__all__ = [
    "CHANNEL_STATE",
    "DELIVERY_LOG",
    "KV",
    "METADATA",
    "SUBSCRIPTIONS",
    "EntryIds",
    "UTCDateTime",
]


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both backends.

    SQLite has no time zones: values are stored as naive UTC text (always the same format, so
    the unique (channel_id, slot) constraint and ordering work) and come back UTC-aware.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected a timezone-aware datetime, got {value!r}")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class EntryIds(TypeDecorator[frozenset[str]]):
    """A set of knowledge-base entry ids, stored as a sorted JSON array in a text column
    (the same text on both backends), so the record gets a set and the table stays text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(sorted(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> frozenset[str] | None:
        return None if value is None else frozenset(json.loads(value))


# Portable CHECK expressions (SQLite and PostgreSQL both have length/substr). Validation in
# `models.py` is stricter; these make sure even a raw INSERT cannot store nonsense.
TIME_CHECK = (
    "length(local_time) = 5 AND substr(local_time, 3, 1) = ':' "
    "AND substr(local_time, 1, 2) BETWEEN '00' AND '23' "
    "AND substr(local_time, 4, 2) BETWEEN '00' AND '59'"
)
DAYS_CHECK = "days IN ('daily', 'weekdays') OR (length(days) BETWEEN 3 AND 27)"
OUTCOME_CHECK = (
    "outcome IN ('claimed', 'sent', 'sent_late', 'skipped_missed', 'failed_retrying', 'paused')"
)

METADATA = MetaData()

SUBSCRIPTIONS = Table(
    "subscriptions",
    METADATA,
    Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    Column("guild_id", BigInteger, nullable=False, index=True),
    Column("local_time", String(5), nullable=False),  # HH:MM in `timezone`
    Column("timezone", String(64), nullable=False),
    Column("days", String(27), nullable=False),
    Column("role_id", BigInteger, nullable=True),
    Column("status", String(10), nullable=False),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # Added by migration 2; ALTER TABLE appends it last, so it is last here too.
    Column(
        "pause_reason",
        String(500),
        CheckConstraint("length(pause_reason) <= 500", name="ck_subscriptions_pause_reason"),
        nullable=True,
    ),
    # Added by migration 4, last for the same reason.
    Column(
        "language",
        String(2),
        CheckConstraint("language IN ('en', 'ja', 'ru')", name="ck_subscriptions_language"),
        nullable=False,
        server_default="en",
    ),
    CheckConstraint("channel_id > 0 AND guild_id > 0", name="ck_subscriptions_ids"),
    CheckConstraint("role_id IS NULL OR role_id > 0", name="ck_subscriptions_role"),
    CheckConstraint(TIME_CHECK, name="ck_subscriptions_time"),
    CheckConstraint("length(timezone) BETWEEN 1 AND 64", name="ck_subscriptions_timezone"),
    CheckConstraint(DAYS_CHECK, name="ck_subscriptions_days"),
    CheckConstraint("status IN ('active', 'paused')", name="ck_subscriptions_status"),
)

DELIVERY_LOG = Table(
    "delivery_log",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # No foreign key on purpose: the log outlives an unsubscribe, so re-subscribing a channel
    # can never make an already-sent slot look unsent.
    Column("channel_id", BigInteger, nullable=False),
    Column("slot", UTCDateTime, nullable=False),
    Column("outcome", String(20), nullable=False),
    Column("message_id", BigInteger, nullable=True),
    Column("attempts", Integer, nullable=False),
    Column("note", Text, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel_id", "slot", name="uq_delivery_log_channel_slot"),
    CheckConstraint(OUTCOME_CHECK, name="ck_delivery_log_outcome"),
    CheckConstraint("attempts >= 0", name="ck_delivery_log_attempts"),
)

KV = Table(
    "bot_state",
    METADATA,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

CHANNEL_STATE = Table(
    "channel_state",
    METADATA,
    Column(
        "channel_id",
        BigInteger,
        ForeignKey("subscriptions.channel_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("kb_version", String(64), nullable=False),
    Column("rotation_cursor", Integer, nullable=False),
    # JSON array of entry ids, sorted: the entries the channel had seen at its last briefing.
    Column("seen_entry_ids", EntryIds, nullable=False),
    Column("last_briefed_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    CheckConstraint("rotation_cursor >= 0", name="ck_channel_state_cursor"),
)
