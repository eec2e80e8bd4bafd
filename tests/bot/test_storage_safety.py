"""Storage safety: the SQLite file is private, and a database that is not ours is refused."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from bot.storage import Storage
from bot.storage.url import async_database_url, hide_password

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
                guild_id=1, channel_id=2, time="09:00", timezone="UTC", created_by=3, now=NOW
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
    assert "kuril:***@" in message


def test_hide_password_keeps_the_rest() -> None:
    assert hide_password("postgresql://bot:pw@127.0.0.1:5432/x") == (
        "postgresql://bot:***@127.0.0.1:5432/x"
    )
    assert hide_password("sqlite:////var/lib/kuril/kuril-brief.db") == (
        "sqlite:////var/lib/kuril/kuril-brief.db"
    )
