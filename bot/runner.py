"""Running the bot for real: `kuril-brief run` and `kuril-brief sync`.

SIGTERM and SIGINT close the bot cleanly: it stops taking work, closes the gateway, and
closes storage (the scheduler too, once it exists) before the process exits.
"""

from __future__ import annotations

import asyncio
import logging
import signal

import aiohttp
import discord
from sqlalchemy.exc import SQLAlchemyError

from bot.client import KurilBriefBot
from bot.metrics import BotMetrics
from bot.settings import Settings
from bot.startup import (
    StartupError,
    database_error,
    discord_gateway_error,
    discord_http_error,
    discord_unreachable,
    login_refused,
)
from commands.context import Services

log = logging.getLogger(__name__)


def run_discord(command: str, settings: Settings, services: Services) -> int:
    """`run` or `sync` to completion. A failure to reach Discord or the database is said in
    one plain line (the traceback goes to the debug log), never as a Python traceback."""
    try:
        asyncio.run(sync(settings, services) if command == "sync" else serve(settings, services))
    except StartupError:
        raise
    except discord.LoginFailure as exc:
        raise login_refused(exc) from exc
    except discord.HTTPException as exc:
        log.debug("start-up failed", exc_info=exc)
        raise discord_http_error(
            exc.status, exc.text or str(exc), settings.discord_api_base
        ) from exc
    except (discord.ConnectionClosed, discord.GatewayNotFound, discord.ClientException) as exc:
        log.debug("start-up failed", exc_info=exc)
        raise discord_gateway_error(exc) from exc
    except (OSError, aiohttp.ClientError) as exc:
        log.debug("start-up failed", exc_info=exc)
        raise discord_unreachable(exc, settings.discord_api_base) from exc
    except SQLAlchemyError as exc:
        log.debug("start-up failed", exc_info=exc)
        raise database_error(exc, settings) from exc
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
