"""Ordered schema migrations, tracked in the `schema_version` table.

Each step is applied in its own transaction together with its `schema_version` row, so a
failed step leaves the database exactly at the previous version. Steps are written to be
idempotent (they check before they create or alter), and they spell out their own tables
instead of importing `schema.py`, because a migration must keep meaning what it meant when
it was written. Add a step at the end, never edit a released one, and update `schema.py`.

Concurrent starters are serialised: PostgreSQL by a transaction-scoped advisory lock, SQLite
by BEGIN IMMEDIATE (its write lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    inspect,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import WRITE_OPTION
from bot.storage.schema import UTCDateTime

__all__ = ["CURRENT_VERSION", "MIGRATIONS", "Migration", "SchemaTooNewError", "migrate"]

log = logging.getLogger(__name__)

# Arbitrary constant: the PostgreSQL advisory lock id that serialises migrations.
_PG_LOCK_ID = 0x4B5552494C  # "KURIL"


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer release; refusing to run older code against it."""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _schema_version_table(metadata: MetaData) -> Table:
    return Table(
        "schema_version",
        metadata,
        Column("version", Integer, primary_key=True, autoincrement=False),
        Column("description", String(200), nullable=False),
        Column("applied_at", UTCDateTime, nullable=False),
    )


def _v1_initial(conn: Connection) -> None:
    """Subscriptions, the delivery log and the key/value table."""
    metadata = MetaData()
    Table(
        "subscriptions",
        metadata,
        Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
        Column("guild_id", BigInteger, nullable=False, index=True),
        Column("local_time", String(5), nullable=False),
        Column("timezone", String(64), nullable=False),
        Column("days", String(27), nullable=False),
        Column("role_id", BigInteger, nullable=True),
        Column("status", String(10), nullable=False),
        Column("created_by", BigInteger, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        CheckConstraint("channel_id > 0 AND guild_id > 0", name="ck_subscriptions_ids"),
        CheckConstraint("role_id IS NULL OR role_id > 0", name="ck_subscriptions_role"),
        CheckConstraint(
            "length(local_time) = 5 AND substr(local_time, 3, 1) = ':' "
            "AND substr(local_time, 1, 2) BETWEEN '00' AND '23' "
            "AND substr(local_time, 4, 2) BETWEEN '00' AND '59'",
            name="ck_subscriptions_time",
        ),
        CheckConstraint("length(timezone) BETWEEN 1 AND 64", name="ck_subscriptions_timezone"),
        CheckConstraint(
            "days IN ('daily', 'weekdays') OR (length(days) BETWEEN 3 AND 27)",
            name="ck_subscriptions_days",
        ),
        CheckConstraint("status IN ('active', 'paused')", name="ck_subscriptions_status"),
    )
    Table(
        "delivery_log",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("channel_id", BigInteger, nullable=False),
        Column("slot", UTCDateTime, nullable=False),
        Column("outcome", String(20), nullable=False),
        Column("message_id", BigInteger, nullable=True),
        Column("attempts", Integer, nullable=False),
        Column("note", Text, nullable=True),
        Column("recorded_at", UTCDateTime, nullable=False),
        UniqueConstraint("channel_id", "slot", name="uq_delivery_log_channel_slot"),
        CheckConstraint(
            "outcome IN ('claimed', 'sent', 'sent_late', 'skipped_missed', "
            "'failed_retrying', 'paused')",
            name="ck_delivery_log_outcome",
        ),
        CheckConstraint("attempts >= 0", name="ck_delivery_log_attempts"),
    )
    Table(
        "bot_state",
        metadata,
        Column("key", String(200), primary_key=True),
        Column("value", Text, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
    )
    metadata.create_all(conn, checkfirst=True)


def _v2_pause_reason_and_channel_state(conn: Connection) -> None:
    """Why a subscription is paused, and each channel's rotation / "what's new" state."""
    columns = {column["name"] for column in inspect(conn).get_columns("subscriptions")}
    if "pause_reason" not in columns:
        conn.execute(
            text(
                "ALTER TABLE subscriptions ADD COLUMN pause_reason VARCHAR(500) "
                "CONSTRAINT ck_subscriptions_pause_reason CHECK (length(pause_reason) <= 500)"
            )
        )
    metadata = MetaData()
    Table(  # only so the foreign key below resolves; it is not created here
        "subscriptions",
        metadata,
        Column("channel_id", BigInteger, primary_key=True, autoincrement=False),
    )
    channel_state = Table(
        "channel_state",
        metadata,
        Column(
            "channel_id",
            BigInteger,
            ForeignKey("subscriptions.channel_id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        Column("kb_version", String(64), nullable=False),
        Column("rotation_cursor", Integer, nullable=False),
        Column("seen_entry_ids", Text, nullable=False),
        Column("last_briefed_at", UTCDateTime, nullable=True),
        Column("updated_at", UTCDateTime, nullable=False),
        CheckConstraint("rotation_cursor >= 0", name="ck_channel_state_cursor"),
    )
    channel_state.create(conn, checkfirst=True)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "subscriptions, delivery log, bot state", _v1_initial),
    Migration(2, "pause reason, per-channel briefing state", _v2_pause_reason_and_channel_state),
)
CURRENT_VERSION = MIGRATIONS[-1].version


def _current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    version = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
    return int(version or 0)


def _lock_and_version(conn: Connection) -> int:
    """Take the migration lock (held until commit) and read the version under it."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    _schema_version_table(MetaData()).create(conn, checkfirst=True)
    return _current_version(conn)


def _apply(conn: Connection, migration: Migration) -> bool:
    if _lock_and_version(conn) >= migration.version:
        return False  # someone else got there first
    migration.apply(conn)
    table = _schema_version_table(MetaData())
    conn.execute(
        table.insert().values(
            version=migration.version,
            description=migration.description,
            applied_at=datetime.now(UTC),
        )
    )
    return True


async def schema_version(engine: AsyncEngine) -> int:
    """The version the database is at (0 for an empty database)."""
    async with engine.connect() as conn:
        return await conn.run_sync(_current_version)


async def migrate(
    engine: AsyncEngine,
    *,
    target: int | None = None,
    migrations: Sequence[Migration] = MIGRATIONS,
) -> list[int]:
    """Bring the database up to `target` (default: the newest); returns the versions applied.

    Raises SchemaTooNewError when the database is ahead of the code.
    """
    newest = migrations[-1].version if migrations else 0
    current = await schema_version(engine)
    if current > newest:
        raise SchemaTooNewError(
            f"database schema is version {current}, this code knows up to {newest}; "
            "upgrade the bot instead of running an older release against this database"
        )
    applied: list[int] = []
    for migration in migrations:
        if migration.version <= current or (target is not None and migration.version > target):
            continue
        async with engine.connect() as conn:
            await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                if await conn.run_sync(_apply, migration):
                    applied.append(migration.version)
                    log.info(
                        "database migrated to schema version %d: %s",
                        migration.version,
                        migration.description,
                    )
    return applied
