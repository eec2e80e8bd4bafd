"""A consistent copy of a live SQLite database, through SQLite's online backup API.

Copying the file is not safe in WAL mode: committed pages may still sit in the `-wal` file,
and a copy taken mid-write can be torn. `sqlite3.Connection.backup` reads one snapshot (a
read transaction, which in WAL mode never blocks the bot's writers) and writes it page by
page. The copy is written beside the target, checked, switched to a single-file journal mode
and only then renamed into place, so FILE is either the complete backup or untouched.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BackupError", "BackupResult", "backup_sqlite"]


class BackupError(RuntimeError):
    """The backup could not be made; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    size_bytes: int
    subscriptions: int | None  # None when the database has no schema yet


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupResult:
    """Copy the SQLite database at `source` to `target`, consistently, while others write."""
    source, target = source.expanduser().resolve(), target.expanduser().resolve()
    if not source.is_file():
        raise BackupError(f"there is no database file at {source}")
    if target == source:
        raise BackupError("the backup file must not be the database itself")
    if target.exists() and not overwrite:
        raise BackupError(f"{target} already exists; pass --force to replace it")
    if not target.parent.is_dir():
        raise BackupError(f"the directory {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        _copy(source, partial)
        subscriptions = _check(partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite could not back up {source}: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"could not write {target}: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return BackupResult(target, target.stat().st_size, subscriptions)


def _copy(source: Path, partial: Path) -> None:
    # Read-only: the backup never writes to (or creates) the live database.
    src = sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # pages=-1: the whole snapshot in one step
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            dst.close()
    finally:
        src.close()


def _check(partial: Path) -> int | None:
    """Refuse to keep a copy SQLite itself finds damaged; count subscriptions for the report."""
    with contextlib.closing(sqlite3.connect(partial)) as conn:
        verdict = conn.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed SQLite's quick_check: {verdict}")
        has_table = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscriptions'"
        ).fetchone()
        if has_table is None:
            return None
        return int(conn.execute("SELECT count(*) FROM subscriptions").fetchone()[0])
