"""Interaction acknowledgement latency and start-up time, through the loopback stand-in.

Runs `kuril-brief run` as a real process against the stand-in on 127.0.0.1, then drives
interactions at it and prints medians and tails. Targets (issue 4): p99 acknowledgement
under 50 ms on loopback; start-up under 2 s.

    uv run python benchmarks/interactions.py [--interactions 400]

"Start-up" is reported three ways, from process start: until the gateway READY arrives, until
the first interaction is acknowledged (the bot is serving), and until discord.py's `on_ready`
(which by design waits `guild_ready_timeout`, 2 s, after the last GUILD_CREATE).

The baseline, measured in the same run: a bare discord.py client whose commands answer a
constant, run in the benchmark's own process against a stand-in of its own. It shows what
the stand-in and discord.py cost by themselves; the ratio is what the bot's handlers add.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import discord  # noqa: E402
from discord import app_commands  # noqa: E402

from tests.standin.server import DiscordStandin  # noqa: E402

COMMANDS = [("about", {}), ("help", {}), ("ask", {"question": "why were the talks suspended?"})]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def wait_for_line(stream: asyncio.StreamReader, needle: str) -> None:
    while line := await stream.readline():
        if needle.encode() in line:
            return
    raise RuntimeError(f"the bot exited before logging {needle!r}")


async def one_ack(standin: DiscordStandin, name: str, options: dict[str, str]) -> float:
    started = time.perf_counter()
    sent = await standin.dispatch_slash(name, options)
    await standin.wait_for_interaction_response(sent, timeout=10)
    return (time.perf_counter() - started) * 1000


def bare_client() -> discord.Client:
    """The baseline: a plain discord.py client whose commands answer a constant at once."""
    client = discord.Client(intents=discord.Intents.none(), guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="about", description="baseline")
    async def about(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    @tree.command(name="help", description="baseline")
    async def help_(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok")

    @tree.command(name="ask", description="baseline")
    async def ask(interaction: discord.Interaction, question: str) -> None:
        await interaction.response.send_message("ok")

    async def setup_hook() -> None:
        await tree.sync()

    client.setup_hook = setup_hook
    return client


async def baseline(count: int) -> list[float]:
    """Acknowledgement latency of the bare client, through a stand-in of its own."""
    standin = DiscordStandin(heartbeat_interval_ms=41250)
    await standin.start()
    client = bare_client()
    try:
        with standin.patch_discord():
            await client.login(standin.token)
            runner = asyncio.create_task(client.connect())
            await client.wait_until_ready()
            for _ in range(20):
                await one_ack(standin, "about", {})
            samples = [await one_ack(standin, *COMMANDS[i % len(COMMANDS)]) for i in range(count)]
            await client.close()
            await runner
    finally:
        await standin.stop()
    return samples


async def main(count: int) -> None:
    standin = DiscordStandin(heartbeat_interval_ms=41250)
    await standin.start()
    data_dir = tempfile.mkdtemp(prefix="kuril-bench-")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": data_dir,
        "LOG_LEVEL": "INFO",
    }
    started = time.perf_counter()
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run", cwd=REPO_ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stderr is not None
    try:
        await standin.wait_for_connections(1, timeout=60)
        ready_at = time.perf_counter() - started
        await one_ack(standin, "about", {})
        serving_at = time.perf_counter() - started
        await asyncio.wait_for(wait_for_line(process.stderr, "ready as"), 30)
        on_ready_at = time.perf_counter() - started

        for _ in range(20):  # warm-up, not counted
            await one_ack(standin, "about", {})
        sequential = [await one_ack(standin, *COMMANDS[i % len(COMMANDS)]) for i in range(count)]
        burst: list[float] = []
        for _ in range(max(1, count // 20)):
            burst += await asyncio.gather(
                *(one_ack(standin, *COMMANDS[i % len(COMMANDS)]) for i in range(20))
            )
    finally:
        process.terminate()
        await process.wait()
        await standin.stop()

    bare = await baseline(count)
    print(
        f"kuril-brief run against the loopback stand-in ({count} sequential + {len(burst)} in bursts of 20)"
    )
    print(f"{'measure':<46}{'value':>12}")
    print(f"{'start-up: process start -> gateway READY':<46}{ready_at * 1000:>10.0f} ms")
    print(f"{'start-up: process start -> first ack':<46}{serving_at * 1000:>10.0f} ms")
    print(f"{'start-up: process start -> on_ready':<46}{on_ready_at * 1000:>10.0f} ms")
    for label, samples in (("sequential", sequential), ("bursts of 20", burst)):
        print(f"{'ack latency p50, ' + label:<46}{statistics.median(samples):>10.2f} ms")
        print(f"{'ack latency p99, ' + label:<46}{percentile(samples, 0.99):>10.2f} ms")
    print(f"{'baseline (bare discord.py client) p50':<46}{statistics.median(bare):>10.2f} ms")
    print(f"{'baseline (bare discord.py client) p99':<46}{percentile(bare, 0.99):>10.2f} ms")
    ratio = statistics.median(sequential) / statistics.median(bare)
    print(f"{'kuril-brief / baseline, sequential p50':<46}{ratio:>11.2f}x")
    print(f"exit code after SIGTERM: {process.returncode}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--interactions", type=int, default=400)
    asyncio.run(main(parser.parse_args().interactions))
