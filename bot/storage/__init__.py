"""Subscription storage: one async interface over SQLite (default) or PostgreSQL.

    storage = await Storage.from_settings(settings).open()
    ...
    await storage.close()

Modules, one job each: `models` (records and validation), `url` (DATABASE_URL to an async
URL), `engine` (engine and SQLite pragmas), `schema` (current tables), `migrations`
(Alembic, whose revisions are in `alembic/versions/`), `store` (the `Storage` class),
`backup` (a consistent copy of a live SQLite file).
"""

from bot.storage.migrations import SchemaTooNewError, head_revision
from bot.storage.models import (
    FINAL_OUTCOMES,
    OUTCOMES,
    ChannelState,
    Delivery,
    InvalidRecordError,
    Outcome,
    Status,
    Subscription,
    normalise_days,
    validate_snowflake,
    validate_time,
    validate_timezone,
    weekdays_of,
)
from bot.storage.store import Storage, StorageClosedError
from bot.storage.url import async_database_url

__all__ = [
    "FINAL_OUTCOMES",
    "OUTCOMES",
    "ChannelState",
    "Delivery",
    "InvalidRecordError",
    "Outcome",
    "SchemaTooNewError",
    "Status",
    "Storage",
    "StorageClosedError",
    "Subscription",
    "async_database_url",
    "head_revision",
    "normalise_days",
    "validate_snowflake",
    "validate_time",
    "validate_timezone",
    "weekdays_of",
]
