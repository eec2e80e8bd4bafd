"""Running the bot for real: `kuril-brief run` and `kuril-brief sync`.

SIGTERM and SIGINT close the bot cleanly: it stops taking work, closes the gateway, and
closes storage (the scheduler too, once it exists) before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

import aiohttp
import discord
from sqlalchemy.exc import SQLAlchemyError

from bot.client import KurilBriefBot
from bot.metrics import BotMetrics
from bot.settings import Settings
from bot.storage import SchemaTooNewError
from commands.context import Services

log = logging.getLogger(__name__)


def run_discord(command: str, settings: Settings, services: Services) -> int:
    """`run` or `sync` to completion; failures to reach Discord or the database are said
    plainly (with the traceback in the debug log), never as a Python traceback."""
    try:
        asyncio.run(sync(settings, services) if command == "sync" else serve(settings, services))
    except discord.LoginFailure as exc:
        print(f"Discord refused the login: {exc}. Check DISCORD_TOKEN.", file=sys.stderr)
        return 1
    except SchemaTooNewError as exc:  # a newer release migrated the database: say so plainly
        print(f"Kuril Brief could not start. {exc}", file=sys.stderr)
        return 1
    except (OSError, aiohttp.ClientError, SQLAlchemyError) as exc:
        log.debug("start-up failed", exc_info=exc)
        print(f"Kuril Brief could not start: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _token(settings: Settings) -> str:
    if settings.discord_token is None:
        raise RuntimeError("DISCORD_TOKEN is required")
    return settings.discord_token.get_secret_value()


async def serve(settings: Settings, services: Services) -> None:
    """Run until the gateway closes for good or a signal asks us to stop."""
    bot = KurilBriefBot(settings, services, metrics=BotMetrics())
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
