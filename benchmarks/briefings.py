"""Scheduled briefings at scale: N subscriptions due in the same minute, through the stand-in.

    uv run python benchmarks/briefings.py [--subscriptions 10000] [--rate 50]
    uv run python benchmarks/briefings.py --matrix [--subscriptions 200] [--faults-only]

Runs `kuril-brief run` as a real process (SQLite database in a temporary data directory)
against the loopback stand-in with Discord's global rate limit enforced (`--rate` requests
per second over any one-second window; 429 beyond it). N subscriptions in six time zones all
fall due at the same minute (the next minute boundary far enough away to start). Reported:
delivered, lost and duplicated briefings (messages per channel in the stand-in), 429s, the
delivery log's outcomes, total time from the slot to the last delivery against the lower
bound the rate limit sets (N / rate) as a ratio, and the bot process's peak RSS (VmHWM).
Meanwhile `/about` is run every 0.25 s and its acknowledgement time measured (ack p50/p99).
Targets (issues 6, 10): none lost, none duplicated, at least 90% of the allowed rate, peak
RSS under 150 MB, 429s under 1% of briefings sent also under a tighter limit (`--rate 10`,
`--rate 40`), every interaction acknowledged within 3 s.

`--matrix` runs the crash and fault matrix instead (`tests/bot/crash_matrix.py`): SIGKILL
after 1, 25%, 50%, 75% and N-1 of N briefings, each followed by a restart after 5 s, 150 s
and 30 minutes (a test clock shared by the bot and the stand-in); then the database failing
across the slot for 90 s without a restart (SQLite write lock held by another connection;
SQLite's disk full and SQLite's file read-only, when run as root; PostgreSQL stopped and
started, when
`KURIL_TEST_POSTGRES_URL` says PostgreSQL tests can run here). One row per case: lost, duplicated, late, in doubt at the kill, read from the
channel's history, 429s, /about ack p99. Targets: 0 lost, 0 duplicated in every case.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from bot.storage import Storage  # noqa: E402
from tests.bot.crash_matrix import (  # noqa: E402
    CaseResult,
    interact_until,
    run_case,
    run_fault_case,
)
from tests.standin.server import DiscordStandin  # noqa: E402

ZONES = (
    "UTC",
    "Asia/Tokyo",
    "Europe/Moscow",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
)
LEAD_S = 30


def rss_mb(pid: int, field: str = "VmHWM") -> float:
    """`VmHWM` is the peak resident set size so far, `VmRSS` the current one."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def populate(data_dir: Path, guild_id: int, channels: list[int], slot: dt.datetime) -> None:
    storage = await Storage(f"sqlite:///{data_dir / 'kuril-brief.db'}", data_dir=data_dir).open()
    try:
        now = dt.datetime.now(dt.UTC)
        for index, channel_id in enumerate(channels):
            zone = ZONES[index % len(ZONES)]
            local = slot.astimezone(ZoneInfo(zone))
            await storage.upsert_subscription(
                guild_id=guild_id,
                channel_id=channel_id,
                local_time=f"{local:%H:%M}",
                timezone=zone,
                days="daily",
                created_by=guild_id,
                now=now,
            )
    finally:
        await storage.close()


async def matrix(count: int, *, faults_only: bool) -> None:
    """The crash and fault matrix; one printed row per case, as each finishes."""
    kills = sorted({1, count // 4, count // 2, 3 * count // 4, count - 1})
    delays = (dt.timedelta(seconds=5), dt.timedelta(seconds=150), dt.timedelta(minutes=30))
    header = (
        f"{'case':<38}{'lost':>5}{'dup':>5}{'late':>6}{'doubt':>7}{'read':>6}"
        f"{'429s':>6}{'ack p99':>9}{'secs':>6}"
    )
    print(f"{count} briefings due at once; stand-in global limit 50/s")
    print(header)

    def row(label: str, r: CaseResult) -> None:
        print(
            f"{label:<38}{r.lost:>5}{r.duplicated:>5}{r.late:>6}{r.in_doubt_at_kill:>7}"
            f"{r.history_reads:>6}{r.rate_limited:>6}{r.ack_p99 * 1000:>7.0f}ms"
            f"{r.seconds:>6.0f}",
            flush=True,
        )

    cases: list[CaseResult] = []
    if not faults_only:
        for kill in kills:
            for delay in delays:
                workdir = Path(tempfile.mkdtemp(prefix="kuril-bench-crash-"))
                result = await run_case(
                    workdir, channels=count, kill_after=kill, restart_after=delay
                )
                cases.append(result)
                restart = (
                    f"{delay.total_seconds() / 60:g} min"
                    if delay.seconds >= 60
                    else (f"{delay.total_seconds():g} s")
                )
                row(f"SIGKILL after {kill}, restart {restart}", result)
    faults = ["sqlite-lock"]
    if os.geteuid() == 0:  # a tmpfs of its own to fill up; chattr +i for read-only
        faults += ["sqlite-disk-full", "sqlite-read-only"]
    if os.environ.get("KURIL_TEST_POSTGRES_URL"):
        faults.append("postgres-stopped")
    for fault in faults:
        workdir = Path(tempfile.mkdtemp(prefix="kuril-bench-fault-"))
        result = await run_fault_case(
            workdir, channels=count, fault=fault, hold=dt.timedelta(seconds=90)
        )
        cases.append(result)
        row(f"{fault} from {result.fault_from:+.0f} s to +90 s", result)
    lost = sum(r.lost for r in cases)
    doubled = sum(r.duplicated for r in cases)
    print(f"all {len(cases)} cases: {lost} lost, {doubled} duplicated")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def main(count: int, rate: float) -> None:
    standin = DiscordStandin(heartbeat_interval_ms=41250)
    channels = [standin.add_channel(f"brief-{n}", position=n + 10).id for n in range(count)]
    wanted = set(channels)
    await standin.start()
    data_dir = Path(tempfile.mkdtemp(prefix="kuril-bench-briefings-"))

    now = dt.datetime.now(dt.UTC)
    lead = LEAD_S + count * 0.004  # populating takes a few ms per subscription
    slot = (now + dt.timedelta(seconds=lead + 60)).replace(second=0, microsecond=0)
    print(f"{count} subscriptions due at {slot:%H:%M:%S} UTC; populating the database…")
    began = time.perf_counter()
    await populate(data_dir, standin.guild_id, channels, slot)
    print(f"  populated in {time.perf_counter() - began:.1f} s")

    standin.set_global_rate_limit(rate)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    log_path = data_dir / "bot.log"
    with log_path.open("wb") as log_file:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", cwd=REPO_ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
        try:
            await standin.wait_for_connections(1, timeout=120)
            wait = (slot - dt.datetime.now(dt.UTC)).total_seconds()
            print(f"  bot connected; slot in {wait:.0f} s")
            if wait < 0:
                raise RuntimeError("the bot took too long to start; raise LEAD_S")
            await asyncio.sleep(max(0.0, wait - 2))
            before = rss_mb(process.pid, "VmRSS")

            def delivered() -> set[int]:
                return {int(m["channel_id"]) for m in standin.bot_messages} & wanted

            timeout = wait + count / rate * 2 + 120

            async def all_delivered() -> bool:
                return len(delivered()) >= count

            acks = await interact_until(standin, all_delivered, timeout)
            await asyncio.sleep(3)  # anything late or duplicated shows up now
            rss = rss_mb(process.pid)
        finally:
            process.terminate()
            await process.wait()
            await standin.stop()

    # -- figures -----------------------------------------------------------------------------
    slot_mono = time.monotonic() - (dt.datetime.now(dt.UTC) - slot).total_seconds()
    per_channel = collections.Counter(
        int(m["channel_id"]) for m in standin.bot_messages if int(m["channel_id"]) in wanted
    )
    got = len(per_channel)
    duplicated = sum(n - 1 for n in per_channel.values())
    posts = [
        r
        for r in standin.requests
        if r.method == "POST" and r.path.startswith("/channels/") and r.path.endswith("/messages")
    ]
    ok_times = sorted(r.at for r in posts if r.status == 200)
    limited = sum(1 for r in standin.requests if r.status == 429)
    limited_posts = sum(1 for r in posts if r.status == 429)
    all_rest = sum(
        1 for r in standin.requests if not r.path.startswith(("/interactions/", "/webhooks/"))
    )
    with sqlite3.connect(data_dir / "kuril-brief.db") as db:
        outcomes = dict(db.execute("SELECT outcome, count(*) FROM delivery_log GROUP BY outcome"))
    total = (ok_times[-1] - slot_mono) if ok_times else float("nan")
    spread = (ok_times[-1] - ok_times[0]) if len(ok_times) > 1 else float("nan")
    bound = count / rate
    print()
    print(f"{'measure':<52}{'value':>14}")
    rows = [
        ("subscriptions due in the same minute", f"{count}"),
        ("stand-in global rate limit", f"{rate:g}/s"),
        ("delivered (channels with a briefing)", f"{got}"),
        ("lost", f"{count - got}"),
        ("duplicated (extra messages)", f"{duplicated}"),
        ("429 responses (all routes)", f"{limited} of {all_rest} REST"),
        ("429s per briefing sent", f"{limited_posts / max(1, got):.2%}"),
        ("interactions during the fan-out", f"{len(acks)}"),
        (
            "ack p50 / p99 / max",
            " / ".join(f"{percentile(acks, q) * 1000:.0f}" for q in (0.5, 0.99, 1.0)) + " ms",
        ),
        ("delivery log outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("slot -> last delivery", f"{total:.1f} s"),
        ("first -> last delivery", f"{spread:.1f} s"),
        ("lower bound (N / rate)", f"{bound:.1f} s"),
        ("achieved / allowed rate (bound / slot->last)", f"{bound / total:.1%}"),
        ("achieved / allowed rate (first->last)", f"{(count - 1) / rate / spread:.1%}"),
        ("bot RSS 2 s before the slot (VmRSS)", f"{before:.0f} MB"),
        ("bot peak RSS (VmHWM)", f"{rss:.0f} MB"),
        ("bot exit code after SIGTERM", f"{process.returncode}"),
    ]
    for label, value in rows:
        print(f"{label:<52}{value:>14}")
    print(f"(bot log: {log_path})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--matrix", action="store_true", help="the crash and fault matrix")
    parser.add_argument("--faults-only", action="store_true", help="with --matrix: no SIGKILLs")
    arguments = parser.parse_args()
    if arguments.matrix:
        count = arguments.subscriptions if arguments.subscriptions != 10_000 else 200
        asyncio.run(matrix(count, faults_only=arguments.faults_only))
    else:
        asyncio.run(main(arguments.subscriptions, arguments.rate))
