"""Build the async engine, with the SQLite settings that make it safe under concurrency.

SQLite: WAL (readers never block the writer), foreign keys on, a busy timeout for other
processes, and SQLAlchemy (not the sqlite3 module) emitting BEGIN so DDL is transactional
and write transactions can start with BEGIN IMMEDIATE (take the write lock up front, so the
busy timeout applies instead of failing at lock upgrade with "database is locked").
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["WRITE_OPTION", "create_private", "make_engine"]

#: Execution option a connection sets before `begin()` to start a SQLite write transaction.
WRITE_OPTION = "kuril_write"
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: SQLite errors after which a pooled connection is not to be used again.
_STALE_CONNECTION = ("readonly database", "disk i/o error")


def create_private(path: Path) -> bool:
    """Create a new SQLite file readable by its owner only (0600): subscriptions and the
    delivery log are nobody else's business. SQLite gives its -wal and -shm files the same
    mode. An existing file is left as it is. Returns whether the file was created.

    A missing folder (or a file where the folder should be) is not created here: whoever
    opens the file next reports it, in SQLite's words, as for any file it cannot open."""
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except (FileExistsError, FileNotFoundError, NotADirectoryError):
        return False
    os.close(descriptor)
    return True


def make_engine(url: URL, *, echo: bool = False) -> AsyncEngine:
    """An engine for `url` (already translated to an async driver by `async_database_url`)."""
    if url.get_backend_name() == "sqlite":
        engine = create_async_engine(url, echo=echo, pool_size=5, max_overflow=10)
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=10, max_overflow=10, pool_pre_ping=True, pool_timeout=60
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand BEGIN/COMMIT control to SQLAlchemy (see the "begin" hook below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")  # durable enough under WAL
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        # A connection opened while the file was read-only stays read-only (SQLite falls
        # back to reading silently), and one that hit an I/O error may stay broken: drop
        # the pool's connections, so that once the file is writable again every write works.
        text = str(context.original_exception).lower()
        if any(sign in text for sign in _STALE_CONNECTION):
            context.is_disconnect = True
            context.invalidate_pool_on_disconnect = True

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
