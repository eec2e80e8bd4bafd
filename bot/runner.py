"""Running the bot for real: `kuril-brief run` and `kuril-brief sync`.

SIGTERM and SIGINT close the bot cleanly: it stops taking work, closes the gateway, and
closes storage (the scheduler too, once it exists) before the process exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

import aiohttp
import discord
from sqlalchemy.exc import SQLAlchemyError

from bot.client import KurilBriefBot, intents_in_words
from bot.metrics import BotMetrics
from bot.settings import Settings
from bot.startup import (
    EXIT_DATABASE_REFUSED,
    GATEWAY_DISALLOWED_INTENTS,
    StartupError,
    database_error,
    discord_gateway_error,
    discord_http_error,
    discord_unreachable,
    login_refused,
)
from commands.context import Services

log = logging.getLogger(__name__)

#: SIGTERM/SIGINT to exit, at most (systemd and Docker wait 10 s before SIGKILL).
SHUTDOWN_BUDGET_S = 4.5


def run_discord(command: str, settings: Settings, services: Services) -> int:
    """`run` or `sync` to completion. A failure to reach Discord or the database is said in
    one plain line (the traceback goes to the debug log), never as a Python traceback."""
    try:
        if command == "sync":
            asyncio.run(sync(settings, services))
        else:
            return asyncio.run(serve(settings, services))
    except StartupError:
        raise
    except discord.LoginFailure as exc:
        raise login_refused(exc) from exc
    except discord.HTTPException as exc:
        log.debug("start-up failed", exc_info=exc)
        raise discord_http_error(
            exc.status, exc.text or str(exc), settings.discord_api_base
        ) from exc
    except discord.PrivilegedIntentsRequired as exc:  # close code 4014, said by discord.py
        log.debug("start-up failed", exc_info=exc)
        raise discord_gateway_error(
            GATEWAY_DISALLOWED_INTENTS, str(exc), intents=intents_in_words()
        ) from None
    except (discord.ConnectionClosed, discord.GatewayNotFound, discord.ClientException) as exc:
        log.debug("start-up failed", exc_info=exc)
        code = exc.code if isinstance(exc, discord.ConnectionClosed) else None
        raise discord_gateway_error(code, str(exc), intents=intents_in_words()) from None
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


async def serve(settings: Settings, services: Services) -> int:
    """Run until the gateway closes for good or a signal asks us to stop (exit code 0), or
    the SQLite file is deleted or replaced under the bot (EXIT_DATABASE_REFUSED; storage
    has said so in one line)."""
    bot = KurilBriefBot(settings, services, metrics=BotMetrics())
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def shut_down(name: str) -> None:
        log.info("%s received: shutting down", name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shut_down, sig.name)
    try:
        # What `async with bot` does on entry (discord.py's set-up: its loop, the shard queue),
        # so `close()` works even when `start()` fails before logging in (a taken
        # METRICS_PORT). Not `async with`: its exit awaits a close past SHUTDOWN_BUDGET_S.
        await bot.__aenter__()
        running = asyncio.create_task(bot.start(_token(settings)), name="discord-client")
        stopping = asyncio.create_task(stop.wait(), name="stop-signal")
        lost = asyncio.create_task(bot.database_lost.wait(), name="database-lost")
        done, _ = await asyncio.wait({running, stopping, lost}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        lost.cancel()
        if running not in done:
            running.cancel()  # wherever it waits: a reconnect backoff can last minutes
        with contextlib.suppress(asyncio.CancelledError):
            await _close_within_budget(bot, running)
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
    log.info("stopped")
    return EXIT_DATABASE_REFUSED if bot.database_lost.is_set() else 0


async def _close_within_budget(bot: KurilBriefBot, running: asyncio.Task[None]) -> None:
    """Close the bot (deliveries in flight get a few seconds) in under `SHUTDOWN_BUDGET_S`,
    then re-raise what ended `running` (the gateway closing for good), if anything did."""
    try:
        await asyncio.wait_for(asyncio.shield(bot.close()), SHUTDOWN_BUDGET_S)
    except TimeoutError:
        log.warning("closing took longer than %.0f s; stopping anyway", SHUTDOWN_BUDGET_S)
    await running


async def sync(settings: Settings, services: Services) -> None:
    """Log in over REST only (no gateway) and register the commands now."""
    bot = KurilBriefBot(settings, services, serve=False)
    async with bot:
        await bot.login(_token(settings))
        await bot.sync_commands(force=True)
