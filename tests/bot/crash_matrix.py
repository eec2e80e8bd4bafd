"""Cases of the crash and fault matrix, each a fan-out of briefings through a real process.

Crash (`run_case`): SIGKILL (or SIGTERM) part-way through the fan-out, restart later.

`kuril-brief run` runs as a real process (`tests.bot.clocked_bot`, on a shifted clock shared
with the stand-in) with a SQLite database; N channels are due at the same slot. Once
`kill_after` of them have their briefing, the process is killed with SIGKILL, the clocks of
both sides jump `restart_after`, and a new process starts on the same database. The case
ends when every slot is settled in the delivery log.

Fault (`run_fault_case`): the database fails across the slot and comes back `hold` later,
with no restart: another connection holds SQLite's write lock (longer than the bot's 30 s
busy timeout), SQLite's disk is full (a small tmpfs of the case's own, filled up), or a
PostgreSQL server of the case's own is stopped, then started again.

Meanwhile `/about` runs every 0.25 s and its acknowledgement time is kept (`acks`). Used by
`test_crash_matrix.py` and `benchmarks/briefings.py`.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import os
import shutil
import signal
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg

from bot.storage import Storage
from tests.bot.clocked_bot import OFFSET_VARIABLE
from tests.bot.postgres import PrivateCluster
from tests.bot.storage_faults import small_filesystem, sqlite_fault
from tests.standin.server import DiscordStandin, StandinTimeout

REPO_ROOT = Path(__file__).resolve().parents[2]
SLOT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
#: How long before the slot the first process starts (it must be connected by then).
LEAD = dt.timedelta(seconds=8)
SETTLED = ("sent", "sent_late", "skipped_missed", "paused")


@dataclass
class CaseResult:
    channels: int
    kill_after: int
    restart_after: dt.timedelta
    delivered_at_kill: int = 0
    in_doubt_at_kill: int = 0  # claimed, not recorded, when the process died
    unclaimed_at_kill: int = 0
    lost: int = 0
    duplicated: int = 0
    late: int = 0
    skipped: int = 0
    posts: int = 0  # POST requests that Discord accepted (a nonce repeat counts)
    history_reads: int = 0  # channel history reads Discord answered
    rate_limited: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    acks: list[float] = field(default_factory=list)  # seconds to acknowledge /about
    exit_seconds: float = 0.0  # from the signal to the process's exit
    fault_from: float = 0.0  # when the fault began, in seconds from the slot (< 0: before)
    exit_code: int | None = None
    seconds: float = 0.0
    log: str = ""

    @property
    def ack_p99(self) -> float:
        ordered = sorted(self.acks)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0


class _Clock:
    """Real time plus an offset both sides share; moved forward between the two runs."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start - dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


async def interact_until(
    standin: DiscordStandin, done: Callable[[], Awaitable[bool]], within: float
) -> list[float]:
    """Run `/about` every 0.25 s until `done()`; the seconds each took to be acknowledged
    (the stand-in's 3 s deadline makes a slower one count as never: infinity)."""
    acks: list[float] = []
    deadline = time.monotonic() + within
    while not await done() and time.monotonic() < deadline:
        sent = await standin.dispatch_slash("about")
        try:
            await standin.wait_for_interaction_response(sent, timeout=3)
        except StandinTimeout:
            acks.append(float("inf"))
        else:
            path = f"/interactions/{sent.id}/{{token}}/callback"
            acks.append(standin.requests_matching("POST", path)[0].at - sent.created)
        await asyncio.sleep(0.25)
    return acks


async def _settled(database: str, channels: int) -> bool:
    outcomes = await _outcomes(database)
    return sum(outcomes.get(name, 0) for name in SETTLED) >= channels


async def _populate(
    url: str, data_dir: Path, standin: DiscordStandin, wanted: set[int], clock: _Clock
) -> None:
    """Subscribe the `wanted` channels, an hour ago, through the bot's own storage; the time
    that takes is added to `clock`, so the slot stays as far ahead as it was."""
    began = time.monotonic()
    now = clock() - dt.timedelta(hours=1)
    storage = await Storage(url, data_dir=data_dir).open()
    try:
        for channel_id in sorted(wanted):
            await storage.upsert_subscription(
                guild_id=standin.guild_id,
                channel_id=channel_id,
                local_time=f"{SLOT:%H:%M}",
                timezone="UTC",
                days="daily",
                created_by=standin.guild_id,
                now=now,
            )
    finally:
        await storage.close()
    clock.offset += dt.timedelta(seconds=time.monotonic() - began)


async def _outcomes(database: str) -> dict[str, int]:
    """Delivery-log rows by outcome, read beside the bot (SQLite file path or PostgreSQL URL)."""
    query = "SELECT outcome, count(*) FROM delivery_log GROUP BY outcome"
    if database.startswith("postgresql://"):
        conn = await asyncpg.connect(database)
        try:
            return {row[0]: row[1] for row in await conn.fetch(query)}
        finally:
            await conn.close()

    def read() -> dict[str, int]:
        with contextlib.closing(sqlite3.connect(database, timeout=60)) as db:
            return dict(db.execute(query))

    return await asyncio.to_thread(read)


async def _spawn(
    standin: DiscordStandin,
    data_dir: Path,
    clock: _Clock,
    log_path: Path,
    database_url: str | None = None,
) -> asyncio.subprocess.Process:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "INFO",
        OFFSET_VARIABLE: str(clock.offset.total_seconds()),
        **({"DATABASE_URL": database_url} if database_url else {}),
    }
    log_file = log_path.open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot.clocked_bot", cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
    finally:
        log_file.close()


async def _world(channels: int) -> tuple[DiscordStandin, set[int], _Clock]:
    """A running stand-in with `channels` channels for briefings, on a clock `LEAD` before
    the slot that the stand-in shares."""
    standin = DiscordStandin(heartbeat_interval_ms=41250)
    clock = _Clock(SLOT - LEAD)
    standin.use_clock(clock)  # first: ids made from now on follow the shared clock
    wanted = {standin.add_channel(f"brief-{n}", position=n + 10).id for n in range(channels)}
    await standin.start()
    return standin, wanted, clock


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and SIGKILL if that has not ended it within 15 s."""
    if process.returncode is None:
        process.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(process.wait(), 15)
    if process.returncode is None:
        process.kill()
        await process.wait()


async def run_case(
    workdir: Path,
    *,
    channels: int,
    kill_after: int,
    restart_after: dt.timedelta,
    rate_limit: float | None = 50.0,
    timeout: float = 120.0,
    stop_with: signal.Signals = signal.SIGKILL,
) -> CaseResult:
    """Run one case; the stand-in and both processes are stopped before it returns."""
    result = CaseResult(channels, kill_after, restart_after)
    standin, wanted, clock = await _world(channels)
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "kuril-brief.db"
    log_path = workdir / "bot.log"
    began = time.monotonic()
    await _populate(f"sqlite:///{database}", data_dir, standin, wanted, clock)  # LEAD to go
    standin.set_global_rate_limit(rate_limit)

    def delivered() -> int:
        return len({int(m["channel_id"]) for m in standin.bot_messages} & wanted)

    process = await _spawn(standin, data_dir, clock, log_path)
    try:
        await standin.wait_for(
            lambda: delivered() >= kill_after, timeout=timeout, what=f"{kill_after} briefings"
        )
        stopped = time.monotonic()
        process.send_signal(stop_with)
        await process.wait()
        result.exit_seconds = time.monotonic() - stopped
        result.exit_code = process.returncode
        result.delivered_at_kill = delivered()
        at_kill = await _outcomes(str(database))
        result.in_doubt_at_kill = at_kill.get("claimed", 0)
        result.unclaimed_at_kill = channels - sum(at_kill.values())

        clock.offset += restart_after
        process = await _spawn(standin, data_dir, clock, log_path)
        await standin.wait_for_connections(2, timeout=60)
        result.acks = await interact_until(
            standin, lambda: _settled(str(database), channels), timeout
        )
        await asyncio.sleep(1.0)  # anything late or doubled shows up now
    finally:
        await _stop(process)
        await standin.stop()
    result.seconds = time.monotonic() - began
    await _count(result, standin, wanted, str(database), log_path)
    return result


async def _count(
    result: CaseResult, standin: DiscordStandin, wanted: set[int], database: str, log: Path
) -> None:
    per_channel = collections.Counter(
        int(m["channel_id"]) for m in standin.bot_messages if int(m["channel_id"]) in wanted
    )
    result.lost = result.channels - len(per_channel)
    result.duplicated = sum(n - 1 for n in per_channel.values())
    result.outcomes = await _outcomes(database)
    result.late = result.outcomes.get("sent_late", 0)
    result.skipped = result.outcomes.get("skipped_missed", 0)
    result.posts = sum(
        1
        for r in standin.requests
        if r.method == "POST" and r.path.endswith("/messages") and r.status == 200
    )
    # Reads Discord answered: one refused with a 429 (global, under load) is retried by
    # discord.py, and that is still one read of the channel, not two.
    result.history_reads = sum(
        1
        for r in standin.requests
        if r.method == "GET" and r.path.endswith("/messages") and r.status == 200
    )
    result.rate_limited = sum(1 for r in standin.requests if r.status == 429)
    result.log = await asyncio.to_thread(log.read_text, errors="replace")


FAULTS = ("sqlite-lock", "sqlite-disk-full", "sqlite-read-only", "postgres-stopped")


@contextlib.asynccontextmanager
async def _database_fault(
    fault: str, database: str, cluster: PrivateCluster | None
) -> AsyncIterator[None]:
    if cluster is not None:
        await cluster.stop()
        try:
            yield
        finally:
            await cluster.start()
    else:
        async with sqlite_fault(fault.removeprefix("sqlite-"), Path(database)):
            yield


async def run_fault_case(
    workdir: Path,
    *,
    channels: int,
    fault: str,
    hold: dt.timedelta,
    rate_limit: float | None = 50.0,
    timeout: float = 180.0,
) -> CaseResult:
    """The database fails from just before the slot until `hold` after it; no restart.
    "sqlite-disk-full" mounts a small tmpfs for the data directory (root only)."""
    if fault not in FAULTS:
        raise ValueError(f"fault must be one of {FAULTS}")
    result = CaseResult(channels, 0, hold)
    data_dir = workdir / "data"
    log_path = workdir / "bot.log"
    with contextlib.ExitStack() as stack:
        if fault == "sqlite-disk-full":
            stack.enter_context(small_filesystem(data_dir))
        data_dir.mkdir(parents=True, exist_ok=True)
        standin, wanted, clock = await _world(channels)
        cluster = None
        database_url: str | None = None
        database = str(data_dir / "kuril-brief.db")
        if fault == "postgres-stopped":  # under /var/tmp: the server runs as `postgres`
            cluster = PrivateCluster(Path("/var/tmp") / f"kuril-brief-pg-fault-{os.getpid()}")
            database = database_url = await cluster.start()
        began = time.monotonic()
        process: asyncio.subprocess.Process | None = None
        try:
            url = database_url or f"sqlite:///{database}"
            await _populate(url, data_dir, standin, wanted, clock)
            standin.set_global_rate_limit(rate_limit)
            process = await _spawn(standin, data_dir, clock, log_path, database_url)
            await standin.wait_for_connections(1, timeout=60)
            await asyncio.sleep(max(0.0, (SLOT - clock()).total_seconds() - 2))
            async with _database_fault(fault, database, cluster):
                result.fault_from = (clock() - SLOT).total_seconds()

                async def lifted() -> bool:
                    return clock() >= SLOT + hold

                result.acks = await interact_until(standin, lifted, hold.total_seconds() + 30)
                result.delivered_at_kill = len(
                    {int(m["channel_id"]) for m in standin.bot_messages} & wanted
                )

            async def settled() -> bool:
                return await _settled(database, channels)

            result.acks += await interact_until(standin, settled, timeout)
            await asyncio.sleep(1.0)  # anything late or doubled shows up now
        finally:
            if process is not None:
                await _stop(process)
            await standin.stop()
        result.seconds = time.monotonic() - began
        try:
            await _count(result, standin, wanted, database, log_path)
        finally:
            if cluster is not None:
                await cluster.stop()
                shutil.rmtree(cluster.root, ignore_errors=True)
    return result
