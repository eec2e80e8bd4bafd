"""Running the bot for real: `kuril-brief run` and `kuril-brief sync`.

SIGTERM and SIGINT close the bot cleanly: it stops taking work, closes the gateway, and
closes storage (the scheduler too, once it exists) before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.client import KurilBriefBot
from bot.settings import Settings
from commands.context import Services

log = logging.getLogger(__name__)


def _token(settings: Settings) -> str:
    if settings.discord_token is None:
        raise RuntimeError("DISCORD_TOKEN is required")
    return settings.discord_token.get_secret_value()


async def serve(settings: Settings, services: Services) -> None:
    """Run until the gateway closes for good or a signal asks us to stop."""
    bot = KurilBriefBot(settings, services)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def shut_down(name: str) -> None:
        log.info("%s received: shutting down", name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shut_down, sig.name)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(_token(settings)), name="discord-client")
            stopping = asyncio.create_task(stop.wait(), name="stop-signal")
            done, _ = await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if running not in done:
                await bot.close()
            await running
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("stopped")


async def sync(settings: Settings, services: Services) -> None:
    """Log in over REST only (no gateway) and register the commands now."""
    bot = KurilBriefBot(settings, services, serve=False)
    async with bot:
        await bot.login(_token(settings))
        await bot.sync_commands(force=True)
