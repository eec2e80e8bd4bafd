"""Real storage faults for a SQLite database: the disk fills up, another process holds the
write lock, the file turns read-only.

A full disk needs a filesystem of the test's own: a small tmpfs mounted for the test (root
only; tests skip where mounting is not allowed). Read-only: root ignores file modes, and the
kernel refuses to remount a filesystem read-only while SQLite holds its files open for
writing, so the database and its WAL are made immutable (`chattr +i`, root on ext4 and the
like): writes through the connections already open fail ("disk I/O error") as well as new
connections ("attempt to write a readonly database"), which is what a read-only file does to
a process that opens it anew. Used by the end-to-end tests and the crash and fault matrix
(`tests/bot/crash_matrix.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sqlite3
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

__all__ = [
    "SQLITE_FAULTS",
    "hold_write_lock",
    "immutable_supported",
    "small_filesystem",
    "sqlite_fault",
]

#: The faults `sqlite_fault` can put a SQLite database under.
SQLITE_FAULTS = ("lock", "disk-full", "read-only")
_SIZE = "16m"


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, timeout=30)


@contextlib.contextmanager
def small_filesystem(where: Path) -> Iterator[Path]:
    """A fresh tmpfs at `where` for the duration; raises PermissionError where it cannot be
    mounted (not root, or no CAP_SYS_ADMIN)."""
    where.mkdir(parents=True, exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", f"size={_SIZE},mode=0755", "tmpfs", str(where))
    except (subprocess.CalledProcessError, FileNotFoundError, OSError) as error:
        raise PermissionError(f"cannot mount a tmpfs at {where}: {error}") from error
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True)


async def hold_write_lock(database: Path) -> sqlite3.Connection:
    """Take SQLite's write lock from another connection, as another process would; the
    caller releases it with ROLLBACK (from any thread). Each try waits at most 0.1 s, off the
    event loop (a blocked loop would stall the stand-in too); SQLite can refuse at once
    while the bot checkpoints, so it is retried for up to 10 s."""
    locker = sqlite3.connect(database, isolation_level=None, timeout=0.1, check_same_thread=False)
    for _ in range(100):
        try:
            await asyncio.to_thread(locker.execute, "BEGIN IMMEDIATE")
            return locker
        except sqlite3.OperationalError:
            await asyncio.sleep(0.1)
    locker.close()
    raise AssertionError("could not take the database's write lock")


def _fill(directory: Path) -> Path:
    """Write a file until the filesystem is full; returns it (delete it to make room)."""
    filler = directory / "filler.bin"
    chunk = b"\0" * (1 << 16)
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
    return filler


def _chattr(flag: str, files: list[Path]) -> None:
    subprocess.run(["chattr", flag, *map(str, files)], check=True, capture_output=True, timeout=30)


def immutable_supported(folder: Path) -> str | None:
    """None when files in `folder` can be made immutable here, else why not."""
    probe = folder / ".immutable-probe"
    folder.mkdir(parents=True, exist_ok=True)
    probe.write_bytes(b"")
    try:
        _chattr("+i", [probe])
        _chattr("-i", [probe])
    except (subprocess.CalledProcessError, FileNotFoundError, OSError) as error:
        return f"cannot make files immutable in {folder} (chattr +i needs root, ext4): {error}"
    finally:
        with contextlib.suppress(OSError):
            probe.unlink()
    return None


@contextlib.asynccontextmanager
async def sqlite_fault(fault: str, database: Path) -> AsyncIterator[None]:
    """`database` is under `fault` inside the block, and fine again after it. "disk-full"
    needs the database on a `small_filesystem` of its own."""
    if fault == "lock":
        locker = await hold_write_lock(database)
        try:
            yield
        finally:
            await asyncio.to_thread(locker.execute, "ROLLBACK")
            locker.close()
    elif fault == "disk-full":
        filler = await asyncio.to_thread(_fill, database.parent)
        try:
            yield
        finally:
            await asyncio.to_thread(os.remove, filler)
    elif fault == "read-only":
        wal = database.with_name(database.name + "-wal")
        files = [path for path in (database, wal) if path.exists()]
        await asyncio.to_thread(_chattr, "+i", files)
        try:
            yield
        finally:
            await asyncio.to_thread(_chattr, "-i", files)
    else:
        raise ValueError(f"fault must be one of {SQLITE_FAULTS}")
