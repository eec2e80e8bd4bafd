"""`kuril-brief db upgrade|current|status|backup` on real databases, as an operator runs them."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import socket
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.cli import main
from bot.startup import redact_url
from bot.storage import Storage, async_database_url, head_revision
from bot.storage.engine import make_engine
from bot.storage.store import KNOWN_FILES
from tests.bot.cli_process import kuril_brief
from tests.bot.postgres import fresh_postgres_url
from tests.bot.test_process import bot_environment, run_cli
from tests.bot.test_storage import create_legacy_database
from tests.standin.server import DiscordStandin

pytestmark = pytest.mark.usefixtures("clean_environment")

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GUILD, ADMIN = 111_111_111_111_111_111, 500_000_000_000_000_001
CHANNELS = [900_000_000_000_000_001 + n for n in range(4)]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"  # KURIL_DATA_DIR, set by clean_environment


@pytest.fixture
def db_file(data_dir: Path) -> Path:
    return data_dir / "kuril-brief.db"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["db", *args])
    out, err = capsys.readouterr()
    return code, out, err


async def _fill(url: str, data_dir: Path) -> None:
    """Real rows through the bot's own storage: two active, one paused, deliveries and failures."""
    async with Storage(url, data_dir=data_dir) as storage:
        for channel in CHANNELS[:3]:
            await storage.upsert_subscription(
                guild_id=GUILD,
                channel_id=channel,
                local_time="09:30",
                timezone="Asia/Tokyo",
                days="daily",
                created_by=ADMIN,
                now=NOW,
            )
        await storage.pause_subscription(CHANNELS[2], "Missing Access", now=NOW)
        slot = datetime(2025, 3, 2, 0, 30, tzinfo=UTC)
        assert await storage.claim_slot(CHANNELS[0], slot, now=NOW)
        await storage.record_outcome(CHANNELS[0], slot, "sent", message_id=4242, now=NOW)
        await storage.record_outcome(
            CHANNELS[1], slot, "sent_late", message_id=4343, now=NOW + timedelta(minutes=5)
        )
        await storage.record_outcome(
            CHANNELS[2], slot, "paused", note="403 Forbidden: Missing Access", now=NOW
        )
        await storage.record_outcome(
            CHANNELS[3], slot - timedelta(days=1), "skipped_missed", note="bot was down", now=NOW
        )


def test_current_and_status_never_create_a_database(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    """A SQLite file that does not exist yet has no revision, like an empty database: both
    say "none" and exit 0 (the bot or `db upgrade` would create it)."""
    missing = (
        f"none (there is no database file at {db_file} yet; `kuril-brief db upgrade` creates "
        "it, or check DATABASE_URL and KURIL_DATA_DIR)"
    )
    code, out, err = run(capsys, "current")
    assert (code, out, err) == (0, missing + "\n", "")
    code, out, err = run(capsys, "status")
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Database: sqlite:///{db_file}", f"Schema revision: {missing}"]
    assert not db_file.exists() and not db_file.parent.exists()


def test_an_empty_database_reads_like_a_missing_one(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    db_file.parent.mkdir(parents=True)
    sqlite3.connect(db_file).close()  # an empty file: a database without any schema
    code, out, _ = run(capsys, "current")
    assert (code, out) == (0, "none (empty database; run `kuril-brief db upgrade`)\n")
    code, out, _ = run(capsys, "status")
    assert code == 0 and "Schema revision: none (empty database;" in out


def test_upgrade_creates_then_reports_nothing_to_do(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    code, out, _ = run(capsys, "upgrade")
    assert code == 0 and out.strip().endswith(
        f"upgraded from an empty database to {head_revision()}."
    )
    assert db_file.is_file()
    code, out, _ = run(capsys, "upgrade")
    assert code == 0 and f"already at the newest schema revision {head_revision()}" in out
    code, out, _ = run(capsys, "current")
    assert (code, out) == (0, f"{head_revision()} (head)\n")


def test_db_commands_ignore_settings_they_do_not_use(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRIEFING_GRACE_MINUTES", "-5")
    monkeypatch.setenv("METRICS_PORT", "70000")
    assert run(capsys, "upgrade")[0] == 0
    monkeypatch.setenv("DATABASE_URL", "garbage")
    code, _, err = run(capsys, "current")
    assert code == 2
    assert err == (
        "Invalid setting DATABASE_URL=garbage: not a database URL: write sqlite:///FILE or "
        "postgresql://USER:PASSWORD@HOST:PORT/DATABASE. Fix it in the environment or .env.\n"
    )


def test_an_unreachable_database_is_said_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket closes
    monkeypatch.setenv("DATABASE_URL", f"postgresql://bot:secret@127.0.0.1:{port}/kuril")
    code, out, err = run(capsys, "status")
    assert (code, out) == (1, "")
    assert err == (
        f"Cannot reach the database at DATABASE_URL=postgresql://bot:***@127.0.0.1:{port}/kuril: "
        "connection refused. Is PostgreSQL running there, on that port?\n"
    )


def test_status_shows_revision_states_deliveries_and_failures(
    capsys: pytest.CaptureFixture[str], db_file: Path, data_dir: Path
) -> None:
    asyncio.run(_fill(f"sqlite:///{db_file}", data_dir))
    code, out, _ = run(capsys, "status")
    assert code == 0
    lines = out.splitlines()
    assert lines[:3] == [
        f"Database: sqlite:///{db_file}",
        f"Schema revision: {head_revision()} (head)",
        "Subscriptions: 2 active, 1 paused",
    ]
    delivered = out[out.index("Last deliveries") : out.index("Last failures")]
    failures = out[out.index("Last failures") :]
    # Newest first: the late one was recorded five minutes after the punctual one.
    assert delivered.index(f"channel {CHANNELS[1]}  sent_late") < delivered.index(
        f"channel {CHANNELS[0]}  sent  message 4242"
    )
    assert f"channel {CHANNELS[2]}  paused  403 Forbidden: Missing Access" in failures
    assert f"channel {CHANNELS[3]}  skipped_missed  bot was down" in failures
    assert "2025-03-02 00:30 UTC" in delivered and "sent" not in failures


async def _legacy_v1(db_file: Path, data_dir: Path) -> None:
    url = f"sqlite:///{db_file}"
    db_file.parent.mkdir(parents=True)
    engine = make_engine(async_database_url(url, data_dir))
    try:
        await create_legacy_database(engine, url, 1)
    finally:
        await engine.dispose()


def test_a_release_0_1_database_is_shown_then_upgraded(
    capsys: pytest.CaptureFixture[str], db_file: Path, data_dir: Path
) -> None:
    asyncio.run(_legacy_v1(db_file, data_dir))
    code, out, _ = run(capsys, "current")
    assert (code, out) == (0, f"0001 (behind {head_revision()}: run `kuril-brief db upgrade`)\n")
    code, out, _ = run(capsys, "status")
    assert code == 0 and "Subscriptions: 3 active, 1 paused" in out  # read, not migrated
    assert "Last deliveries (newest first):" in out
    code, out, _ = run(capsys, "upgrade")
    assert code == 0 and f"upgraded from 0001 to {head_revision()}" in out
    code, out, _ = run(capsys, "status")
    assert "Subscriptions: 3 active, 1 paused" in out


def test_a_database_from_a_newer_release_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    assert run(capsys, "upgrade")[0] == 0
    with contextlib.closing(sqlite3.connect(db_file)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    code, out, err = run(capsys, "upgrade")
    assert code == 4 and out == ""
    assert err.count("\n") == 1 and "f00dfeed" in err and "newer release" in err
    code, out, _ = run(capsys, "current")
    assert code == 1
    assert (
        out
        == f"f00dfeed (unknown to this release, whose newest is {head_revision()}: a newer release wrote it)\n"
    )


def test_another_applications_database_is_refused_untouched_in_one_line(
    capsys: pytest.CaptureFixture[str], db_file: Path
) -> None:
    db_file.parent.mkdir(parents=True)
    with contextlib.closing(sqlite3.connect(db_file)) as conn, conn:
        conn.execute("CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, plan TEXT)")
    before = db_file.read_bytes()
    for command in ("current", "status", "upgrade"):
        code, out, err = run(capsys, command)
        assert code == 4 and out == ""
        assert err == (
            f"The database at sqlite:///{db_file} cannot be used: it is not Kuril Brief's (it "
            "has the tables subscriptions and no Kuril Brief schema version), so it was left "
            "untouched. Point DATABASE_URL at an empty database, or at Kuril Brief's own.\n"
        )
    assert db_file.read_bytes() == before


# -- backup ------------------------------------------------------------------------------------

WRITER = """
import sqlite3, sys, time
db, stop = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db, timeout=30, isolation_level=None)
conn.execute("PRAGMA journal_mode = WAL")
n = 0
while True:
    try:
        open(stop).close()
        break
    except FileNotFoundError:
        pass
    n += 1
    channel = 800_000_000_000_000_000 + n
    # One transaction, two tables: a consistent copy holds both rows or neither.
    conn.execute("BEGIN IMMEDIATE")
    conn.execute(
        "INSERT INTO subscriptions (channel_id, guild_id, local_time, timezone, days, status,"
        " created_by, created_at, updated_at) VALUES (?, 1, '09:30', 'UTC', 'daily', 'active', 1,"
        " '2025-03-01 12:00:00.000000', '2025-03-01 12:00:00.000000')", (channel,))
    conn.execute(
        "INSERT INTO delivery_log (channel_id, slot, outcome, attempts, note, recorded_at)"
        " VALUES (?, '2025-03-02 00:00:00.000000', 'sent', 1, ?, '2025-03-02 00:00:00.000000')",
        (channel, "x" * 2000))
    conn.execute("COMMIT")
print(n)
"""


def _count(db: Path, table: str) -> int:
    with contextlib.closing(sqlite3.connect(db, timeout=30)) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


@contextlib.contextmanager
def concurrent_writer(db: Path, tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process committing two-table transactions as fast as it can."""
    stop = tmp_path / "stop-writer"
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while _count(db, "subscriptions") < 200:
            assert writer.poll() is None, writer.communicate()
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.02)
        yield writer
    finally:
        stop.touch()
        writer.wait(timeout=30)


@pytest.mark.e2e
def test_backup_is_consistent_while_another_process_writes(
    capsys: pytest.CaptureFixture[str], db_file: Path, tmp_path: Path
) -> None:
    assert run(capsys, "upgrade")[0] == 0
    backups = [tmp_path / f"backup-{n}.db" for n in range(3)]
    with concurrent_writer(db_file, tmp_path) as writer:
        for backup in backups:
            code, out, err = run(capsys, "backup", str(backup))
            assert code == 0, err
            assert out.startswith(f"Backed up {db_file} to {backup} (")
        time.sleep(0.2)
        assert writer.poll() is None, "the writer was still running during every backup"
    written, errors = writer.communicate()
    assert writer.returncode == 0, errors
    sizes = []
    for backup in backups:
        with contextlib.closing(sqlite3.connect(backup)) as conn:
            assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
            subs = {row[0] for row in conn.execute("SELECT channel_id FROM subscriptions")}
            logged = {row[0] for row in conn.execute("SELECT channel_id FROM delivery_log")}
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        assert subs == logged and len(subs) >= 200  # whole transactions only
        assert revision == head_revision()
        sizes.append(len(subs))
    assert sizes == sorted(sizes) and sizes[-1] < int(written)  # snapshots of a moving target
    assert not list(tmp_path.glob(".backup-*partial*"))


def test_backup_refuses_to_overwrite_without_force(
    capsys: pytest.CaptureFixture[str], db_file: Path, tmp_path: Path
) -> None:
    assert run(capsys, "upgrade")[0] == 0
    target = tmp_path / "backup.db"
    target.write_text("precious")
    code, _, err = run(capsys, "backup", str(target))
    assert code == 1 and "already exists; pass --force" in err
    assert target.read_text() == "precious"
    code, _, _ = run(capsys, "backup", "--force", str(target))
    assert code == 0 and _count(target, "subscriptions") == 0
    code, _, err = run(capsys, "backup", str(db_file))
    assert code == 1 and "must not be the database itself" in err


def test_a_backup_is_readable_by_its_owner_only(
    capsys: pytest.CaptureFixture[str], db_file: Path, tmp_path: Path
) -> None:
    """It holds what the database holds, which is created 0600 too."""
    assert run(capsys, "upgrade")[0] == 0
    assert stat.S_IMODE(db_file.stat().st_mode) == 0o600
    backup = tmp_path / "backup.db"
    code, _, err = run(capsys, "backup", str(backup))
    assert code == 0, err
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600


def test_backup_without_a_database_says_so(
    capsys: pytest.CaptureFixture[str], db_file: Path, tmp_path: Path
) -> None:
    code, _, err = run(capsys, "backup", str(tmp_path / "b.db"))
    assert code == 1 and f"there is no database file at {db_file}" in err
    assert not (tmp_path / "b.db").exists() and not db_file.exists()


@pytest.mark.postgres
def test_postgres_status_and_backup_points_to_pg_dump(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
    tmp_path: Path,
) -> None:
    url = asyncio.run(fresh_postgres_url())
    monkeypatch.setenv("DATABASE_URL", url)
    assert run(capsys, "upgrade")[0] == 0
    asyncio.run(_fill(url, data_dir))
    code, out, _ = run(capsys, "status")
    assert code == 0 and "Subscriptions: 2 active, 1 paused" in out
    assert "Database: postgresql://kuril:***@" in out and ":kuril@" not in out
    dump = tmp_path / "kuril.dump"
    code, out, err = run(capsys, "backup", str(dump))
    assert code == 2 and out == ""
    command = next(line.strip() for line in err.splitlines() if line.startswith("  pg_dump "))
    assert command.startswith(
        f"pg_dump --format=custom --file={dump} postgresql://kuril@127.0.0.1:"
    )
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed: cannot run the suggested command")
    # The command as printed works (the password comes from PGPASSWORD, as the README says).
    subprocess.run(shlex.split(command), check=True, env={**os.environ, "PGPASSWORD": "kuril"})
    listing = subprocess.run(
        ["pg_restore", "--list", str(dump)], check=True, capture_output=True, text=True
    ).stdout
    assert "TABLE DATA public subscriptions" in listing


async def test_the_bot_refuses_a_newer_database_in_one_plain_line(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    data = tmp_path / "bot-data"
    async with Storage(f"sqlite:///{data / 'kuril-brief.db'}", data_dir=data):
        pass  # created and migrated, as a first start would
    with contextlib.closing(sqlite3.connect(data / "kuril-brief.db")) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00dfeed'")
    code, err = await run_cli("run", env=bot_environment(standin, data))
    lines = [line for line in err.splitlines() if "cannot be used" in line]
    assert code == 4 and "Traceback" not in err
    assert lines == [
        f"The database at sqlite:///{data / 'kuril-brief.db'} "
        "cannot be used: schema revision f00dfeed is unknown to this release (newest: "
        f"{head_revision()}); a newer release migrated it. Run that release, or restore a backup."
    ]


# -- as an operator runs them: real processes --------------------------------------------------


@pytest.mark.e2e
def test_backup_to_a_folder_it_cannot_write_names_the_target(tmp_path: Path) -> None:
    assert kuril_brief("db", "upgrade", home=tmp_path).returncode == 0
    result = kuril_brief("db", "backup", "/proc/kuril-brief-backup.db", home=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Backup failed: cannot write /proc/kuril-brief-backup.db: ")
    assert "kuril-brief.db:" not in result.stderr, "the source is not the problem"
    assert len(result.stderr.splitlines()) == 1


@pytest.mark.e2e
def test_backup_leaves_nothing_beside_a_database_no_bot_is_using(tmp_path: Path) -> None:
    assert kuril_brief("db", "upgrade", home=tmp_path).returncode == 0
    data = tmp_path / "data"
    # Beside the database, only the data directory's record of the files in use.
    files = [KNOWN_FILES, "kuril-brief.db"]
    assert sorted(p.name for p in data.iterdir()) == files
    result = kuril_brief("db", "backup", str(tmp_path / "copy.db"), home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in data.iterdir()) == files, "no -wal or -shm left"


@pytest.mark.e2e
def test_a_missing_folder_in_database_url_is_refused_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "folder"
    url = f"sqlite:///{missing}/kuril.db"
    result = kuril_brief("db", "upgrade", home=tmp_path, DATABASE_URL=url)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Cannot open the database at DATABASE_URL={url} (file {missing}/kuril.db): the folder "
        f"{missing} does not exist. Create it (writable by the bot's user), or fix DATABASE_URL."
    ]
    assert not (tmp_path / "no").exists()


@pytest.mark.e2e
def test_the_data_directory_is_still_created(tmp_path: Path) -> None:
    result = kuril_brief("db", "upgrade", home=tmp_path, KURIL_DATA_DIR=str(tmp_path / "a" / "b"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "a" / "b" / "kuril-brief.db").is_file()


@pytest.mark.e2e
def test_log_level_debug_adds_the_python_detail_to_a_db_failure(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://bot@127.0.0.1:{port}/kuril"
    plain = kuril_brief("db", "status", home=tmp_path, DATABASE_URL=url)
    debug = kuril_brief("db", "status", home=tmp_path, DATABASE_URL=url, LOG_LEVEL="DEBUG")
    assert plain.returncode == debug.returncode == 1
    assert len(plain.stderr.splitlines()) == 1 and "Traceback" not in plain.stderr
    assert "Traceback" in debug.stderr and "ConnectionRefusedError" in debug.stderr
    assert debug.stderr.splitlines()[-1] == plain.stderr.strip()


@pytest.mark.e2e
def test_alembic_does_not_list_its_plugins_at_every_start(tmp_path: Path) -> None:
    """(`run` is checked in tests/bot/test_process.py.)"""
    status = kuril_brief("db", "status", home=tmp_path, LOG_FORMAT="json")  # no file yet
    upgrade = kuril_brief("db", "upgrade", home=tmp_path, LOG_FORMAT="json")
    assert status.returncode == upgrade.returncode == 0, status.stderr + upgrade.stderr
    assert "database migrated to schema revision" in upgrade.stderr
    for result in (status, upgrade):
        assert "alembic.runtime.plugins" not in result.stderr
        assert "setup plugin" not in result.stderr


@pytest.mark.postgres
def test_status_shows_the_configured_url_not_the_drivers(tmp_path: Path) -> None:
    url = asyncio.run(fresh_postgres_url()) + "?sslmode=disable"
    assert kuril_brief("db", "upgrade", home=tmp_path, DATABASE_URL=url).returncode == 0
    result = kuril_brief("db", "status", home=tmp_path, DATABASE_URL=url)
    assert result.returncode == 0, result.stderr
    database = result.stdout.splitlines()[0]
    assert database == f"Database: {redact_url(url)}"
    assert database.endswith("?sslmode=disable") and ":***@" in database


@pytest.mark.postgres
def test_an_empty_postgres_database_reads_as_none_like_sqlite(tmp_path: Path) -> None:
    url = asyncio.run(fresh_postgres_url())
    result = kuril_brief("db", "current", home=tmp_path, DATABASE_URL=url)
    assert (result.returncode, result.stdout) == (
        0,
        "none (empty database; run `kuril-brief db upgrade`)\n",
    )


@pytest.mark.e2e
def test_pg_dump_advice_never_prints_a_password(tmp_path: Path) -> None:
    url = "postgresql://bot:s3cretpw@db.example:5432/kuril?sslmode=require&password=s3cretpw"
    result = kuril_brief("db", "backup", str(tmp_path / "x.dump"), home=tmp_path, DATABASE_URL=url)
    assert result.returncode == 2 and result.stdout == ""
    assert "s3cretpw" not in result.stderr
    assert "postgresql://bot@db.example:5432/kuril?sslmode=require" in result.stderr
