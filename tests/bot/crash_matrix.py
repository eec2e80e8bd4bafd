"""One case of the crash matrix: a fan-out of briefings, SIGKILL part-way, restart later.

`kuril-brief run` runs as a real process (`tests.bot.clocked_bot`, on a shifted clock shared
with the stand-in) with a SQLite database; N channels are due at the same slot. Once
`kill_after` of them have their briefing, the process is killed with SIGKILL, the clocks of
both sides jump `restart_after`, and a new process starts on the same database. The case
ends when every slot is settled in the delivery log. Used by `test_crash_matrix.py` and
`benchmarks/briefings.py`.
"""

# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import collections
import contextlib
import datetime as dt
import os
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from bot.storage import Storage
from tests.bot.clocked_bot import OFFSET_VARIABLE
from tests.standin.server import DiscordStandin

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
    history_reads: int = 0
    rate_limited: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    log: str = ""


class _Clock:
    """Real time plus an offset both sides share; moved forward between the two runs."""

    def __init__(self, start: dt.datetime) -> None:
        self.offset = start - dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.offset


async def _populate(database: Path, guild_id: int, channels: list[int], now: dt.datetime) -> None:
    storage = await Storage(f"sqlite:///{database}", data_dir=database.parent).open()
    try:
        for channel_id in channels:
            await storage.upsert_subscription(
                guild_id=guild_id,
                channel_id=channel_id,
                time=f"{SLOT:%H:%M}",
                timezone="UTC",
                days="daily",
                created_by=guild_id,
                now=now,
            )
    finally:
        await storage.close()


def _outcomes(database: Path) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        return dict(db.execute("SELECT outcome, count(*) FROM delivery_log GROUP BY outcome"))


async def _spawn(standin: DiscordStandin, data_dir: Path, clock: _Clock, log_path: Path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "INFO",
        OFFSET_VARIABLE: str(clock.offset.total_seconds()),
    }
    log_file = log_path.open("ab")
    try:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.bot.clocked_bot", cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
    finally:
        log_file.close()


async def run_case(
    workdir: Path,
    *,
    channels: int,
    kill_after: int,
    restart_after: dt.timedelta,
    rate_limit: float | None = 50.0,
    timeout: float = 120.0,
) -> CaseResult:
    """Run one case; the stand-in and both processes are stopped before it returns."""
    result = CaseResult(channels, kill_after, restart_after)
    standin = DiscordStandin(heartbeat_interval_ms=41250)
    wanted = {standin.add_channel(f"brief-{n}", position=n + 10).id for n in range(channels)}
    clock = _Clock(SLOT - LEAD)
    standin.use_clock(clock)
    await standin.start()
    data_dir = workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    database = data_dir / "kuril-brief.db"
    log_path = workdir / "bot.log"
    began = time.monotonic()
    await _populate(database, standin.guild_id, sorted(wanted), clock() - dt.timedelta(hours=1))
    clock.offset += dt.timedelta(seconds=time.monotonic() - began)  # still LEAD to go
    standin.set_global_rate_limit(rate_limit)

    def delivered() -> int:
        return len({int(m["channel_id"]) for m in standin.bot_messages} & wanted)

    process = await _spawn(standin, data_dir, clock, log_path)
    try:
        await standin.wait_for(
            lambda: delivered() >= kill_after, timeout=timeout, what=f"{kill_after} briefings"
        )
        process.send_signal(signal.SIGKILL)
        await process.wait()
        result.delivered_at_kill = delivered()
        at_kill = _outcomes(database)
        result.in_doubt_at_kill = at_kill.get("claimed", 0)
        result.unclaimed_at_kill = channels - sum(at_kill.values())

        clock.offset += restart_after
        process = await _spawn(standin, data_dir, clock, log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            outcomes = _outcomes(database)
            if sum(outcomes.get(name, 0) for name in SETTLED) >= channels:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)  # anything late or doubled shows up now
    finally:
        if process.returncode is None:
            process.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(process.wait(), 15)
            if process.returncode is None:
                process.kill()
                await process.wait()
        await standin.stop()
    result.seconds = time.monotonic() - began
    per_channel = collections.Counter(
        int(m["channel_id"]) for m in standin.bot_messages if int(m["channel_id"]) in wanted
    )
    result.lost = channels - len(per_channel)
    result.duplicated = sum(n - 1 for n in per_channel.values())
    result.outcomes = _outcomes(database)
    result.late = result.outcomes.get("sent_late", 0)
    result.skipped = result.outcomes.get("skipped_missed", 0)
    posts = [
        r
        for r in standin.requests
        if r.method == "POST" and r.path.endswith("/messages") and r.status == 200
    ]
    result.posts = len(posts)
    result.history_reads = sum(
        1 for r in standin.requests if r.method == "GET" and r.path.endswith("/messages")
    )
    result.rate_limited = sum(1 for r in standin.requests if r.status == 429)
    result.log = log_path.read_text(errors="replace")
    return result
