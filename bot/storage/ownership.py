"""Is this database Kuril Brief's? Checked at start, before anything is written to it.

Pointed at another application's database by mistake, the bot must not create its tables
beside that application's, let alone alter a table that happens to share a name
(`subscriptions`). A database is Kuril Brief's when it is empty, or carries our schema
version: release 0.1.0's `schema_version` table, or Alembic's `alembic_version` next to our
`delivery_log`. Anything else with tables in it is refused, untouched. (Which revision a
database of ours is at, and whether this release can run it, is `migrations`' business: it
raises `SchemaTooNewError`, the other kind of `DatabaseRefusedError`.)
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = ["DatabaseRefusedError", "ForeignDatabaseError", "refuse_foreign"]

_SHOWN = 6


class DatabaseRefusedError(RuntimeError):
    """A database this release must not use; nothing was changed in it. `Storage.open`
    prefixes the message with the database's URL (password hidden), and start-up says that
    one line as it is."""


class ForeignDatabaseError(DatabaseRefusedError):
    """The database belongs to something else."""


def _foreign(tables: list[str]) -> list[str]:
    """The tables that make a database someone else's; empty when it is ours or empty."""
    names = {name for name in tables if not name.startswith("sqlite_")}
    ours = "schema_version" in names or {"alembic_version", "delivery_log"} <= names
    return [] if ours else sorted(names)


def _sqlite_tables(path: Path) -> list[str]:
    """Read-only, and without the pragmas our engine sets on connect (WAL would rewrite
    the file's header): a foreign file must come out exactly as it went in."""
    if not path.is_file() or path.stat().st_size == 0:
        return []  # nothing of anyone's (what is not a file, the engine reports as unopenable)
    with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)) as db:
        return [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]


def _table_names(conn: Connection) -> list[str]:
    return list(inspect(conn).get_table_names())


async def refuse_foreign(engine: AsyncEngine, sqlite_file: Path | None) -> None:
    """Raise ForeignDatabaseError, having only read, unless the database is empty or ours.
    `sqlite_file` is the database file on SQLite (None on PostgreSQL)."""
    if sqlite_file is not None:
        tables = await asyncio.to_thread(_sqlite_tables, sqlite_file)
    else:
        async with engine.connect() as conn:
            tables = await conn.run_sync(_table_names)
    foreign = _foreign(tables)
    if foreign:
        shown = ", ".join(foreign[:_SHOWN]) + (", …" if len(foreign) > _SHOWN else "")
        raise ForeignDatabaseError(
            f"it is not Kuril Brief's (it has the tables {shown} and no Kuril Brief schema "
            "version), so it was left untouched. Point DATABASE_URL at an empty database, or "
            "at Kuril Brief's own."
        )
