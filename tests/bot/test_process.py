"""`kuril-brief run` as a real process against the stand-in: it serves, and SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.startup import EXIT_DATABASE_REFUSED, EXIT_DISCORD_REFUSED
from tests.bot.running_bot import embed_text
from tests.conftest import REPO_ROOT
from tests.standin.server import DiscordStandin


async def read_until(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> None:
    while True:
        line = (await stream.readline()).decode(errors="replace")
        if not line:
            raise AssertionError(f"process ended before logging {needle!r}:\n{''.join(seen)}")
        seen.append(line)
        if needle in line:
            return


async def start_run(env: dict[str, str], *, dev: bool = True) -> asyncio.subprocess.Process:
    """`kuril-brief run` as a real process, its log on a pipe (`process.stderr`). `dev` is
    Python's development mode, which reports unclosed resources and unawaited coroutines."""
    flags = ("-X", "dev") if dev else ()
    return await asyncio.create_subprocess_exec(
        sys.executable, *flags, "-m", "bot.cli", "run",
        cwd=REPO_ROOT, env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def exit_of(
    process: asyncio.subprocess.Process, log: list[str], *, since: float
) -> tuple[int, str, float]:
    """Wait (15 s at most, then kill) for `process` to end: its exit code, its whole log
    (`log` read so far, then the rest) and the seconds from `since` until it ended."""
    assert process.stderr is not None
    async with killed_on_exit(process):
        rest = await asyncio.wait_for(process.stderr.read(), 15)
        code = await asyncio.wait_for(process.wait(), 5)
    took = time.monotonic() - since
    return code, "".join(log) + rest.decode(errors="replace"), took


@contextlib.asynccontextmanager
async def killed_on_exit(
    process: asyncio.subprocess.Process,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`process`, killed on leaving the block if still running (a failed test leaves none)."""
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


NOISE = ("Traceback", "Unclosed", "was never awaited", "Task was destroyed")
"""What a clean run's log never says: an error, a leaked resource, a forgotten coroutine."""


def assert_quiet(output: str, *also: str) -> None:
    """`output` says none of `NOISE`, nor any of `also`."""
    for trouble in (*NOISE, *also):
        assert trouble not in output, f"{trouble!r} in:\n{output}"


def bot_environment(standin: DiscordStandin, data_dir: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "INFO",
    }


@pytest.mark.parametrize(
    ("stop", "log_format"), [(signal.SIGTERM, "json"), (signal.SIGINT, "text")], ids=str
)
async def test_run_serves_then_shuts_down_cleanly_on_a_signal(
    standin: DiscordStandin, tmp_path: Path, stop: signal.Signals, log_format: str
) -> None:
    """It serves, logs the invite URL once ready, and stops cleanly; LOG_FORMAT=json makes
    every log line one JSON object."""
    env = {**bot_environment(standin, tmp_path / "data"), "LOG_FORMAT": log_format}
    process = await start_run(env)
    assert process.stderr is not None
    log: list[str] = []
    async with killed_on_exit(process):
        await standin.wait_for_connections(1, timeout=30)
        reply = await standin.wait_for_reply(await standin.dispatch_slash("about"), timeout=10)
        assert "About Kuril Brief" in embed_text(reply)
        await asyncio.wait_for(read_until(process.stderr, "ready as", log), 15)

        process.send_signal(stop)
        await asyncio.wait_for(read_until(process.stderr, f"{stop.name} received", log), 10)
        code, output, _ = await exit_of(process, log, since=time.monotonic())
    assert code == 0, output
    assert_quiet(output, "setup plugin")
    assert standin.token not in output, "the token must never be logged"
    invites = [line for line in output.splitlines() if "invite the bot to a server" in line]
    assert len(invites) == 1
    assert f"client_id={standin.application_id}&scope=bot+applications.commands" in invites[0]
    if log_format == "json":
        records = [json_line(line) for line in output.splitlines()]  # each line one object
        assert {"time", "level", "logger", "message"} <= set(records[0])
        assert any(record["message"].startswith("ready as") for record in records)


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, err.decode(errors="replace")


async def test_sync_registers_the_commands_every_time_it_is_asked(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    env = bot_environment(standin, tmp_path / "data")
    for runs in (1, 2):
        code, err = await run_cli("sync", env=env)
        assert code == 0, err
        assert len(standin.requests_matching("PUT", "/applications/{app}/commands")) == runs
    assert "Traceback" not in err
    assert standin.connections_ready == 0, "sync uses REST only, no gateway session"
    assert {c["name"] for c in standin.global_commands} >= {"timeline", "briefings", "ask"}


@pytest.mark.e2e
async def test_unreachable_discord_is_said_plainly(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": "not.a.real.token",
        "DISCORD_API_BASE": f"http://127.0.0.1:{port}/api/v10",
        "KURIL_DATA_DIR": str(tmp_path / "data"),
    }
    code, err = await run_cli("run", env=env)
    assert code == 1
    assert last_line(err) == (
        f"Cannot reach Discord at DISCORD_API_BASE=http://127.0.0.1:{port}/api/v10: "
        "connection refused. Check the network connection, and DISCORD_API_BASE if you set it."
    )
    assert "Traceback" not in err


async def test_sigterm_during_a_reconnect_wait_exits_within_5_seconds(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    """discord.py waits out an exponential backoff between failed reconnects (minutes, in a
    long outage); a signal must not wait for it."""
    env = bot_environment(standin, tmp_path / "data")
    process = await start_run(env, dev=False)
    assert process.stderr is not None
    log: list[str] = []
    try:
        await asyncio.wait_for(read_until(process.stderr, "ready as", log), 30)
        standin.refuse_gateway()  # an outage: every reconnect attempt fails
        await standin.disconnect_gateway(code=4000)
        await standin.wait_for(
            lambda: standin.gateway_refusals >= 3, timeout=60, what="three failed reconnects"
        )
        await asyncio.sleep(0.5)  # now inside discord.py's backoff sleep
        process.send_signal(signal.SIGTERM)
    finally:  # timed from the signal
        code, output, took = await exit_of(process, log, since=time.monotonic())
    assert took < 5.0, output
    assert code == 0, output
    assert "SIGTERM received" in output and "Traceback" not in output


async def test_another_applications_database_stops_the_start_with_one_line(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    database = tmp_path / "their-app.db"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, plan TEXT)")
    before = database.read_bytes()
    env = {**bot_environment(standin, tmp_path / "data"), "DATABASE_URL": f"sqlite:///{database}"}
    code, err = await run_cli("run", env=env)
    assert code == EXIT_DATABASE_REFUSED == 4
    lines = [line for line in err.splitlines() if "INFO" not in line]
    assert len(lines) == 1 and "is not Kuril Brief's" in lines[0], err
    assert "Traceback" not in err
    assert database.read_bytes() == before


def last_line(err: str) -> str:
    """The failure line, after the INFO log lines that came before it."""
    return err.strip().splitlines()[-1]


def closed_port() -> int:
    with socket.socket() as probe:  # a port on 127.0.0.1 that nothing listens on
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_database_is_said_in_one_line_without_the_password(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    port = closed_port()
    env = bot_environment(standin, tmp_path / "data")
    env["DATABASE_URL"] = f"postgresql://bot:hunter2@127.0.0.1:{port}/x"
    code, err = await run_cli("run", env=env)
    assert code == 1
    assert last_line(err) == (
        f"Cannot reach the database at DATABASE_URL=postgresql://bot:***@127.0.0.1:{port}/x: "
        "connection refused. Is PostgreSQL running there, on that port?"
    )
    assert "hunter2" not in err and "Traceback" not in err


async def test_a_sqlite_file_that_cannot_be_created_is_said_in_one_line(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    env = bot_environment(standin, tmp_path / "data")
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/a-file/kuril.db"
    code, err = await run_cli("run", env=env)
    assert code == 1
    line = last_line(err)
    assert line.startswith(
        f"Cannot open the database at DATABASE_URL=sqlite:///{tmp_path}/a-file/kuril.db "
        f"(file {tmp_path}/a-file/kuril.db): "
    ), line
    assert line.endswith(f"{tmp_path / 'a-file'} is not a folder. Fix DATABASE_URL."), line
    assert "Traceback" not in err


async def test_a_refused_token_is_said_plainly(standin: DiscordStandin, tmp_path: Path) -> None:
    env = bot_environment(standin, tmp_path / "data")
    env["DISCORD_TOKEN"] = "MTEwMDAwMDAwMDAwMDAwMDAwMQ.wrong.token"
    code, err = await run_cli("run", env=env)
    assert code == EXIT_DISCORD_REFUSED == 3
    assert last_line(err) == (
        "Discord refused the login with DISCORD_TOKEN: improper token has been passed. Copy "
        "the bot token again from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN."
    )
    assert "wrong.token" not in err


GATEWAY_REFUSALS = {
    4004: "Discord's gateway refused DISCORD_TOKEN (close code 4004, authentication failed). "
    "Copy the bot token again from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN.",
    4014: "Discord's gateway refused the bot's intents (close code 4014, disallowed intents; "
    "it asks for Guilds, Guild Messages, Direct Messages). Turn on any privileged one among "
    "them in the Developer Portal (Bot, Privileged Gateway Intents).",
}


@pytest.mark.parametrize("close_code", sorted(GATEWAY_REFUSALS))
async def test_a_gateway_refusal_is_one_plain_line_and_exit_3(
    standin: DiscordStandin, tmp_path: Path, close_code: int
) -> None:
    """REST takes the token, then the gateway closes IDENTIFY with 4004 (the token revoked
    meanwhile) or 4014 (an intent the Developer Portal does not allow)."""
    standin.close_identify_with(close_code)
    code, err = await run_cli("run", env=bot_environment(standin, tmp_path / "data"))
    assert code == EXIT_DISCORD_REFUSED == 3, err
    assert "Traceback" not in err and standin.token not in err
    assert standin.identify_count == 0 and standin.connections_ready == 0
    said = [line for line in err.splitlines() if " INFO " not in line]
    assert said == [GATEWAY_REFUSALS[close_code]], err


def json_line(line: str) -> dict:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise AssertionError(f"not one JSON object: {line!r}") from None


async def stop_run(process: asyncio.subprocess.Process) -> str:
    """SIGTERM, then the rest of its log."""
    assert process.stderr is not None
    process.send_signal(signal.SIGTERM)
    rest = await asyncio.wait_for(process.stderr.read(), 15)
    await asyncio.wait_for(process.wait(), 10)
    return rest.decode(errors="replace")


@pytest.mark.parametrize("how", ["deleted", "replaced"])
async def test_a_database_file_deleted_or_replaced_under_the_bot_stops_it_with_exit_4(
    standin: DiscordStandin, tmp_path: Path, how: str
) -> None:
    """Not half-working (old connections on the old file, new ones on a new empty file):
    one error line, exit 4, within seconds although nothing used the database meanwhile.
    Restarted with the file gone, it refuses to start from an empty database; `db upgrade`
    is the operator's way to start afresh. A file put back (a restore) is used."""
    data = tmp_path / "data"
    database = data / "kuril-brief.db"
    env = bot_environment(standin, data)
    process = await start_run(env, dev=False)
    assert process.stderr is not None
    log: list[str] = []
    try:
        await asyncio.wait_for(read_until(process.stderr, "ready as", log), 30)
        backup = tmp_path / "backup.db"
        with contextlib.closing(sqlite3.connect(database)) as db:
            db.execute("VACUUM INTO ?", (str(backup),))  # what a restore would copy back
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
        if how == "replaced":
            os.replace(backup, database)
    finally:
        code, output, took = await exit_of(process, log, since=time.monotonic())
    assert code == EXIT_DATABASE_REFUSED == 4, output
    assert took < 8, output
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if " ERROR " in line]
    assert errors == [
        errors[0].split(" ERROR ")[0] + f" ERROR bot.storage.store: The database file {database} "
        "was deleted or replaced while the bot ran; nothing more is read from or written to "
        "it, and the bot stops (exit 4). Put the file back from a backup and start the bot again."
    ], output

    if how == "replaced":  # the file there now (a restore) is the one to use
        process = await start_run(env, dev=False)
        assert process.stderr is not None
        try:
            await asyncio.wait_for(read_until(process.stderr, "ready as", log), 30)
        finally:
            await stop_run(process)
        assert process.returncode == 0
    else:
        code, err = await run_cli("run", env=env)
        assert code == EXIT_DATABASE_REFUSED, err
        assert "Traceback" not in err and not database.exists()
        assert last_line(err).startswith(
            f"The database at sqlite:///{database} cannot be used: the file is missing, though "
            "the bot has used it since "
        ), err
        assert last_line(err).endswith(
            "Put it back from a backup, or run `kuril-brief db upgrade` to start again with "
            "an empty database."
        ), err
        code, err = await run_cli("db", "upgrade", env=env)
        assert code == 0 and database.exists(), err
