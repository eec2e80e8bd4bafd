"""Storage safety: the SQLite file is private, a database that is not ours is refused
untouched, a file deleted or replaced under the bot fails loudly, no password is printed."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sqlite3
import stat
from pathlib import Path

import asyncpg
import pytest

from bot.storage import Storage
from bot.storage.ownership import ForeignDatabaseError
from bot.storage.store import DatabaseFileMissingError, DatabaseFileReplacedError
from bot.storage.url import async_database_url
from tests.bot.postgres import fresh_postgres_url

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_sqlite_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask, which would give 0644
    try:
        path = tmp_path / "data" / "kuril-brief.db"
        storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
        try:
            await storage.upsert_subscription(
                guild_id=1, channel_id=2, local_time="09:00", timezone="UTC", created_by=3, now=NOW
            )
            assert mode(path) == 0o600
            wal = path.with_name(path.name + "-wal")
            assert not wal.exists() or mode(wal) == 0o600
        finally:
            await storage.close()
    finally:
        os.umask(old_umask)


async def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    path.touch(mode=0o640)
    path.chmod(0o640)  # an admin chose group access on purpose
    storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
    await storage.close()
    assert mode(path) == 0o640


@pytest.mark.parametrize(
    "url",
    [
        "postgresql//kuril:S3cretPW@db.example:5432/kuril",
        "postgresql:/kuril:S3cretPW@db/kuril",
        "not a url kuril:S3cretPW@db",
    ],
)
def test_a_malformed_database_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        async_database_url(url, Path("/tmp"))
    message = str(refused.value)
    assert "S3cretPW" not in message and refused.value.__cause__ is None
    # The reason says what is wrong without repeating the URL (the settings error line shows
    # the URL itself, redacted: tests/bot/test_cli_operator.py).
    assert message.startswith("not a database URL: write sqlite:///FILE or postgresql://")


def foreign_sqlite(path: Path) -> bytes:
    """Another application's database, with a `subscriptions` table of its own."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(
            "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT);"
            "CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, plan TEXT);"
            "INSERT INTO subscriptions (plan) VALUES ('gold');"
        )
    return path.read_bytes()


async def test_another_applications_sqlite_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "their-app.db"
    before = foreign_sqlite(path)
    with pytest.raises(ForeignDatabaseError) as refused:
        await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
    message = str(refused.value)
    assert "not Kuril Brief's" in message and "accounts, subscriptions" in message
    assert path.read_bytes() == before  # not a byte changed (no WAL switch, no table)
    assert sorted(os.listdir(tmp_path)) == ["their-app.db"]


@pytest.mark.postgres
async def test_another_applications_postgresql_database_is_refused_untouched() -> None:
    url = await fresh_postgres_url()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE subscriptions (id serial PRIMARY KEY, plan text)")
        with pytest.raises(ForeignDatabaseError, match="not Kuril Brief's"):
            await Storage(url, data_dir=Path("/nonexistent")).open()
        tables = await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
        assert [t["table_name"] for t in tables] == ["subscriptions"]
    finally:
        await conn.close()


async def test_our_own_database_opens_again(tmp_path: Path) -> None:
    path = tmp_path / "kuril-brief.db"
    for _ in range(2):
        storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
        await storage.close()


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_database_file_deleted_or_replaced_while_open_fails_loudly(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    path = tmp_path / "kuril-brief.db"
    storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
    try:
        await storage.upsert_subscription(
            guild_id=1, channel_id=2, local_time="09:00", timezone="UTC", created_by=3, now=NOW
        )
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        if how == "replaced":  # e.g. a restore copied over it while running
            foreign_sqlite(path)
        for _ in range(3):  # every call, reads and writes alike
            with pytest.raises(DatabaseFileReplacedError):
                await storage.get_subscription(2)
            with pytest.raises(DatabaseFileReplacedError):
                await storage.remove_subscription(2)
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and "deleted or replaced" in errors[0].getMessage()
    finally:
        await storage.close()


async def test_a_file_the_bot_had_is_not_silently_made_anew(tmp_path: Path) -> None:
    """A first start creates the file; once used, a missing file is refused (the data
    directory remembers it) until the operator asks for a new one (`db upgrade`)."""
    data = tmp_path / "data"
    elsewhere = tmp_path / "elsewhere" / "kuril.db"  # DATABASE_URL outside the data directory
    elsewhere.parent.mkdir()
    for path in (data / "kuril-brief.db", elsewhere):
        url = f"sqlite:///{path}"
        async with Storage(url, data_dir=data) as storage:  # first start: made
            await storage.upsert_subscription(
                guild_id=1, channel_id=2, local_time="09:00", timezone="UTC", created_by=3, now=NOW
            )
        async with Storage(url, data_dir=data):  # and opened again
            pass
        path.unlink()
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        with pytest.raises(DatabaseFileMissingError, match="the file is missing, though"):
            await Storage(url, data_dir=data).open()
        assert not path.exists(), "refused without creating it"
        storage = await Storage(url, data_dir=data).open(create_anew=True)
        try:
            assert await storage.get_subscription(2) is None  # a new, empty one, as asked
        finally:
            await storage.close()
        async with Storage(url, data_dir=data):  # from then on it is the file in use
            pass
