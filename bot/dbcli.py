"""`kuril-brief db upgrade|current|status|backup FILE`: the database, for operators.

Each subcommand reads only DATABASE_URL and KURIL_DATA_DIR besides LOG_LEVEL and LOG_FORMAT
(`bot.cli` validates just those), so a bad token or an unrelated setting never stops a backup.
Only `upgrade` changes the database; `current` and `status` show it as it is (a SQLite file
that does not exist yet is shown as revision "none", like an empty database), and `backup`
reads it through SQLite's online backup API (for PostgreSQL it prints the pg_dump command and
exits 2). A database that cannot be opened is one plain line (exit 1); LOG_LEVEL=DEBUG adds
the Python detail.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shlex
import sqlite3
import sys
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings
from bot.startup import EXIT_DATABASE_REFUSED, StartupError, database_error
from bot.storage import DatabaseRefusedError, Delivery, Storage, head_revision
from bot.storage.backup import BackupError, backup_sqlite
from bot.storage.migrations import is_known_revision

__all__ = [
    "backup_arguments",
    "run_db_backup",
    "run_db_current",
    "run_db_status",
    "run_db_upgrade",
]

log = logging.getLogger(__name__)

RECENT = 10
FAILURES = ("failed_retrying", "paused", "skipped_missed")
DELIVERED = ("sent", "sent_late")


def backup_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE", help="where to write the copy")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")


def run_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_upgrade, settings)


def run_db_current(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_current, settings)


def run_db_status(args: argparse.Namespace, settings: Settings) -> int:
    return _run(_status, settings)


def run_db_backup(args: argparse.Namespace, settings: Settings) -> int:
    storage = Storage.from_settings(settings)
    if storage.dialect == "postgresql":
        return _use_pg_dump(settings.database_url or "", args.file)
    return _backup(storage, args.file, overwrite=args.force)


def _run(command: Callable[[Storage], Coroutine[Any, Any, int]], settings: Settings) -> int:
    """Run one async db command; a database that cannot be used is one plain line (exit 1;
    exit 4 for one refused as it is: a newer release's or another application's)."""
    storage = Storage.from_settings(settings)
    try:
        return asyncio.run(command(storage))
    except DatabaseRefusedError as exc:  # another application's, or too new: its own line
        raise StartupError(str(exc), exit_code=EXIT_DATABASE_REFUSED) from exc
    except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
        log.debug("the database command failed", exc_info=exc)
        raise database_error(exc, settings) from exc


def _missing_sqlite_file(storage: Storage) -> bool:
    """`current` and `status` never create a database: a missing file has no revision."""
    path = storage.sqlite_path
    return path is not None and not path.is_file()


async def _upgrade(storage: Storage) -> int:
    # The operator asked for it: a file the bot had, now missing, is made anew (`run`
    # refuses to; see `Storage.open`).
    await storage.open(upgrade_schema=False, create_anew=True)
    try:
        before = await storage.schema_revision()
        await storage.close()
        await storage.open(create_anew=True)  # upgrades, exactly as the bot does at start
        after = await storage.schema_revision()
    finally:
        await storage.close()
    if before == after:
        print(f"{storage.display_url}: already at the newest schema revision {after}.")
    else:
        print(f"{storage.display_url}: upgraded from {before or 'an empty database'} to {after}.")
    return 0


def _describe(revision: str | None, missing_file: Path | None = None) -> str:
    head = head_revision()
    if missing_file is not None:
        return (
            f"none (there is no database file at {missing_file} yet; `kuril-brief db upgrade` "
            "creates it, or check DATABASE_URL and KURIL_DATA_DIR)"
        )
    if revision is None:
        return "none (empty database; run `kuril-brief db upgrade`)"
    if revision == head:
        return f"{revision} (head)"
    if not is_known_revision(revision):
        return f"{revision} (unknown to this release, whose newest is {head}: a newer release wrote it)"
    return f"{revision} (behind {head}: run `kuril-brief db upgrade`)"


async def _current(storage: Storage) -> int:
    if _missing_sqlite_file(storage):  # never create it: it has no revision
        print(_describe(None, storage.sqlite_path))
        return 0
    await storage.open(upgrade_schema=False)
    try:
        revision = await storage.schema_revision()
    finally:
        await storage.close()
    print(_describe(revision))
    return 0 if revision is None or is_known_revision(revision) else 1


async def _status(storage: Storage) -> int:
    if _missing_sqlite_file(storage):
        print(f"Database: {storage.display_url}")
        print(f"Schema revision: {_describe(None, storage.sqlite_path)}")
        return 0
    await storage.open(upgrade_schema=False)
    try:
        revision = await storage.schema_revision()
        print(f"Database: {storage.display_url}")
        print(f"Schema revision: {_describe(revision)}")
        if revision is None:
            return 0
        counts = await storage.count_by_status()
        print("Subscriptions: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
        delivered = await storage.recent_deliveries(limit=RECENT, outcomes=DELIVERED)
        failed = await storage.recent_deliveries(limit=RECENT, outcomes=FAILURES)
    finally:
        await storage.close()
    _print_deliveries("Last deliveries", delivered)
    _print_deliveries("Last failures", failed)
    return 0


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _print_deliveries(title: str, deliveries: list[Delivery]) -> None:
    if not deliveries:
        print(f"{title}: none")
        return
    print(f"{title} (newest first):")
    for d in deliveries:
        detail = f"message {d.message_id}" if d.message_id else (d.note or "")
        line = f"  {_when(d.slot)}  channel {d.channel_id}  {d.outcome}"
        line += f", attempt {d.attempts}" if d.attempts > 1 else ""
        print(f"{line}  {detail}".rstrip() + f"  (recorded {_when(d.recorded_at)})")


def _use_pg_dump(database_url: str, file: Path) -> int:
    """PostgreSQL has its own consistent online backup: say how, with this database's URL
    (passwords left out: pg_dump reads it from PGPASSWORD or ~/.pgpass). Exit 2: nothing was
    copied, so a script's next step must not run."""
    given = make_url(database_url)
    query = {
        ("sslmode" if name == "ssl" else name): value
        for name, value in given.query.items()
        if "password" not in name
    }
    url = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, query
    )
    target = shlex.quote(url.render_as_string(hide_password=False))
    print(
        "DATABASE_URL names PostgreSQL, which kuril-brief does not copy itself: use pg_dump "
        "(consistent while the bot runs), for example\n"
        f"  pg_dump --format=custom --file={shlex.quote(str(file))} {target}\n"
        "and pg_restore to restore it (see the README's Database section).",
        file=sys.stderr,
    )
    return 2


def _backup(storage: Storage, file: Path, *, overwrite: bool) -> int:
    path = storage.sqlite_path
    assert path is not None, "backup is for SQLite"
    try:
        result = backup_sqlite(path, file, overwrite=overwrite)
    except BackupError as exc:
        log.debug("the backup failed", exc_info=exc)
        print(f"Backup failed: {exc}.", file=sys.stderr)
        return 1
    held = (
        "no schema yet"
        if result.subscriptions is None
        else f"{result.subscriptions} subscription(s)"
    )
    print(f"Backed up {path} to {result.path} ({result.size_bytes:,} bytes, {held}).")
    return 0
