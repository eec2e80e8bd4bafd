"""The gateway URL from `GET /gateway/bot` is kept across reconnects (`bot.gateway`)."""

from __future__ import annotations

import socket

import discord.gateway
import pytest
import yarl

from tests.bot.running_bot import StartBot, embed_text
from tests.standin.server import DiscordStandin


def dead_gateway() -> yarl.URL:
    """A ws:// URL on 127.0.0.1 that nothing listens on (stands for gateway.discord.gg)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return yarl.URL(f"ws://127.0.0.1:{probe.getsockname()[1]}/")


@pytest.mark.parametrize("how", ["invalid-session", "failed-resume"])
async def test_a_fresh_session_reconnects_to_the_gateway_discord_named(
    start_bot: StartBot, standin: DiscordStandin, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    bot = await start_bot()
    # discord.py's built-in default stands for wss://gateway.discord.gg: unreachable here.
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", dead_gateway())

    async def no_identify_pause(shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before a re-IDENTIFY; the stand-in needs no pause."""

    monkeypatch.setattr(bot, "before_identify_hook", no_identify_pause)
    if how == "invalid-session":
        await standin.invalidate_session(resumable=False)
    else:  # the session is gone when the bot tries to RESUME: op 9, then a fresh IDENTIFY
        standin._session.id = "forgotten"  # type: ignore[union-attr]
        await standin.disconnect_gateway(code=4000)
    await standin.wait_for_connections(2, timeout=15)
    assert standin.identify_count == 2
    sent = await standin.dispatch_slash("about")
    assert "About Kuril Brief" in embed_text(await standin.wait_for_reply(sent))
