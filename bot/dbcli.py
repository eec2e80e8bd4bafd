"""`kuril-brief db upgrade|current|status|backup FILE`: the database, for operators.

Each subcommand reads only DATABASE_URL and KURIL_DATA_DIR (`DatabaseSettings`), so a bad
token or an unrelated setting never stops a backup. Only `upgrade` changes the database;
`current` and `status` show it as it is, and `backup` reads it through SQLite's online backup
API (for PostgreSQL it says to use pg_dump).
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.settings import Settings, default_data_dir
from bot.storage import Delivery, SchemaTooNewError, Storage, async_database_url, head_revision
from bot.storage.backup import BackupError, backup_sqlite
from bot.storage.migrations import is_known_revision

__all__ = ["DatabaseSettings", "add_db_parser", "run_db"]

SETTINGS_HELP = "Settings read: DATABASE_URL, KURIL_DATA_DIR (environment or .env)."
RECENT = 10
FAILURES = ("failed_retrying", "paused", "skipped_missed")
DELIVERED = ("sent", "sent_late")


class DatabaseSettings(BaseSettings):
    """The slice of `Settings` the db commands use; same names, same `.env`."""

    model_config = Settings.model_config

    database_url: str | None = None
    kuril_data_dir: Path = Field(default_factory=default_data_dir)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is not None:
            async_database_url(value, Path("/"))  # raises ValueError with the reason
        return value

    def storage(self) -> Storage:
        url = self.database_url or f"sqlite:///{self.kuril_data_dir.resolve() / 'kuril-brief.db'}"
        return Storage(url, data_dir=self.kuril_data_dir)


def add_db_parser(sub: Any) -> None:
    """Register `db` and its subcommands on the top-level subparsers object."""
    db = sub.add_parser(
        "db",
        help="database schema, status and backups",
        description="The subscriptions database: migrate it, inspect it, back it up.",
        epilog=SETTINGS_HELP,
    )
    db_sub = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    for name, text in (
        ("upgrade", "migrate the database to the newest schema revision"),
        ("current", "print the database's schema revision"),
        ("status", "schema revision, subscriptions by state, recent deliveries and failures"),
    ):
        db_sub.add_parser(name, help=text, description=text + ".", epilog=SETTINGS_HELP)
    backup = db_sub.add_parser(
        "backup",
        help="a consistent copy of a SQLite database, safe while the bot runs",
        description=(
            "Copy the SQLite database to FILE with SQLite's online backup API (consistent "
            "while the bot runs). For PostgreSQL use pg_dump (see the README)."
        ),
        epilog=SETTINGS_HELP,
    )
    backup.add_argument("file", type=Path, metavar="FILE", help="where to write the copy")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")


def run_db(args: argparse.Namespace) -> int:
    try:
        settings = DatabaseSettings()
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error["loc"]).upper()
            message = str(error.get("ctx", {}).get("error") or error["msg"])
            print(f"Invalid setting {name}: {message}", file=sys.stderr)
        return 2
    storage = settings.storage()
    if args.db_command == "backup":
        if storage.dialect == "postgresql":
            return _use_pg_dump(settings.database_url or "", args.file)
        return _backup(storage, args.file, overwrite=args.force)
    if args.db_command != "upgrade" and _missing_sqlite_file(storage):
        return 1
    command: Callable[[Storage], Awaitable[int]] = {
        "upgrade": _upgrade,
        "current": _current,
        "status": _status,
    }[args.db_command]
    try:
        return asyncio.run(command(storage))
    except SchemaTooNewError as exc:
        print(exc, file=sys.stderr)
        return 1
    except (OSError, SQLAlchemyError) as exc:
        print(
            f"Cannot use the database at DATABASE_URL={storage.display_url}: {_reason(exc)}",
            file=sys.stderr,
        )
        return 1


def _reason(exc: BaseException) -> str:
    """The cause in a few plain words, without SQLAlchemy's "Background on this error" link."""
    cause = getattr(exc, "orig", None) or exc
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused. Is the database server running, and is the port right?"
    if isinstance(cause, socket.gaierror):
        return "unknown host name. Check the host in DATABASE_URL."
    if isinstance(cause, TimeoutError):
        return "timed out. Is the server reachable from here?"
    return str(cause).splitlines()[0] if str(cause) else type(cause).__name__


def _missing_sqlite_file(storage: Storage) -> bool:
    """`current` and `status` never create a database; say so instead."""
    path = storage.sqlite_path
    if path is None or path.is_file():
        return False
    print(
        f"There is no database at {path} yet. `kuril-brief db upgrade` creates it "
        "(so does the bot's first start); check DATABASE_URL and KURIL_DATA_DIR.",
        file=sys.stderr,
    )
    return True


async def _upgrade(storage: Storage) -> int:
    await storage.open(upgrade_schema=False)
    try:
        before = await storage.schema_revision()
        await storage.close()
        await storage.open()  # upgrades, exactly as the bot does at start
        after = await storage.schema_revision()
    finally:
        await storage.close()
    if before == after:
        print(f"{storage.display_url}: already at the newest schema revision {after}.")
    else:
        print(f"{storage.display_url}: upgraded from {before or 'an empty database'} to {after}.")
    return 0


def _describe(revision: str | None) -> str:
    head = head_revision()
    if revision is None:
        return "none (empty database; run `kuril-brief db upgrade`)"
    if revision == head:
        return f"{revision} (head)"
    if not is_known_revision(revision):
        return f"{revision} (unknown to this release, whose newest is {head}: a newer release wrote it)"
    return f"{revision} (behind {head}: run `kuril-brief db upgrade`)"


async def _current(storage: Storage) -> int:
    await storage.open(upgrade_schema=False)
    try:
        revision = await storage.schema_revision()
    finally:
        await storage.close()
    print(_describe(revision))
    return 0 if revision is None or is_known_revision(revision) else 1


async def _status(storage: Storage) -> int:
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
    (password left out: pg_dump reads it from PGPASSWORD or ~/.pgpass)."""
    given = make_url(database_url)
    url = URL.create(
        "postgresql", given.username, None, given.host, given.port, given.database, given.query
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
    if path is None:
        print("An in-memory database has nothing to back up.", file=sys.stderr)
        return 2
    try:
        result = backup_sqlite(path, file, overwrite=overwrite)
    except BackupError as exc:
        print(f"Backup failed: {exc}.", file=sys.stderr)
        return 1
    held = (
        "no schema yet"
        if result.subscriptions is None
        else f"{result.subscriptions} subscription(s)"
    )
    print(f"Backed up {path} to {result.path} ({result.size_bytes:,} bytes, {held}).")
    return 0
