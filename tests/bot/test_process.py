"""`kuril-brief run` as a real process against the stand-in: it serves, and SIGTERM ends it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

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


async def test_run_serves_then_shuts_down_cleanly_on_sigterm(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DISCORD_TOKEN": standin.token,
        "DISCORD_API_BASE": standin.api_base,
        "KURIL_DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "INFO",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", "run",
        cwd=REPO_ROOT, env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    assert process.stderr is not None
    log: list[str] = []
    try:
        await standin.wait_for_connections(1, timeout=30)
        reply = await standin.wait_for_reply(await standin.dispatch_slash("about"), timeout=10)
        assert "About Kuril Brief" in embed_text(reply)
        await asyncio.wait_for(read_until(process.stderr, "ready as", log), 15)

        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(read_until(process.stderr, "SIGTERM received", log), 10)
        rest = await asyncio.wait_for(process.stderr.read(), 15)
        assert await asyncio.wait_for(process.wait(), 5) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    output = "".join(log) + rest.decode(errors="replace")
    assert "Traceback" not in output
    assert standin.token not in output, "the token must never be logged"
