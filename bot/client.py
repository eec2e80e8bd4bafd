"""The Discord client: an auto-sharded bot with minimal intents and no pings by default.

It owns the long-lived pieces (settings, services, storage) and loads one cog per command
family in `setup_hook`; cogs translate interactions into handler inputs and nothing more.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
import discord.http
from discord.ext import commands

from bot.components import RoutedButton
from bot.delivery import DiscordSender
from bot.gateway import pin_gateway
from bot.interactions import invocation_of
from bot.invite import invite_url
from bot.logfilters import install_log_filters
from bot.metrics import BotMetrics, MetricsServer, check_health
from bot.ratelimit import (
    DISCORD_GLOBAL_LIMIT,
    Pacer,
    amortise_bucket_cleanup,
    watch_global_limit,
)
from bot.render import update_with_reply
from bot.scheduler import BriefingScheduler
from bot.settings import Settings
from bot.startup import EXIT_DATABASE_REFUSED, StartupError, database_error, discord_unreachable
from bot.storage import DatabaseRefusedError, Storage
from bot.storage.store import DatabaseFileReplacedError
from bot.translator import CommandTranslator
from bot.tree import BriefTree, send_private_note
from commands.context import Services
from commands.i18n import language_of, say
from commands.registry import BUTTON_FAILED, COMPONENTS, run_component, stranger_refusal

log = logging.getLogger(__name__)

#: How often the SQLite file is checked when no storage call has checked it.
DATABASE_WATCH_S = 2.0


def minimal_intents() -> discord.Intents:
    """Guilds, guild messages and DMs; no privileged intents (mentions and DMs carry content)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    return intents


def intents_in_words() -> str:
    """The gateway intents the bot asks for, as the Developer Portal and docs name them."""
    names = [name.replace("dm_", "direct_") for name, on in minimal_intents() if on]
    return ", ".join(name.replace("_", " ").title() for name in names)


class KurilBriefBot(commands.AutoShardedBot):
    def __init__(
        self,
        settings: Settings,
        services: Services,
        *,
        serve: bool = True,
        clock: Callable[[], dt.datetime] | None = None,
        metrics: BotMetrics | None = None,
        **options: Any,
    ) -> None:
        # A text-only bot: don't warn at every start that voice libraries are missing.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        install_log_filters()  # no interaction token in any log line, at any level
        # One registry per bot, made at start-up (`bot.runner`) and passed in; see bot.metrics.
        self.metrics = metrics or BotMetrics()
        # One pacer for scheduled sends, told of every global 429 on the bot's HTTP session.
        pacer = Pacer(DISCORD_GLOBAL_LIMIT * 0.95)
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=minimal_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BriefTree,
            max_messages=None,  # nothing here reads discord.py's message cache
            # discord.py takes one trace config: metrics (ack latency, 429s) and the pacer share it.
            http_trace=watch_global_limit(pacer, self.metrics.http_trace()),
            **options,
        )
        pin_gateway(self.http)
        amortise_bucket_cleanup(self.http)  # a fan-out to many channels stays linear
        self.settings = settings
        self.services = self.metrics.count_free_text(services)
        self.metrics.watch_gateway(self)
        # False for one-off jobs such as `kuril-brief sync`: no scheduler, no automatic sync.
        self.serve = serve
        self._invite_logged = False
        self.storage = Storage.from_settings(settings)
        #: Set when the SQLite file was deleted or replaced under the bot: `bot.runner` stops.
        self.database_lost = asyncio.Event()
        self._watchdog: asyncio.Task[None] | None = None
        # One cron job per distinct schedule; deliveries wait until the bot is ready to send.
        self.briefings = BriefingScheduler(
            self.storage,
            services.kb,
            DiscordSender(self),
            grace=dt.timedelta(minutes=settings.briefing_grace_minutes),
            clock=clock,
            ready=self.wait_until_ready,
            on_result=self.metrics.briefing,
            pacer=pacer,
            stop_timeout=3.0,  # within the runner's shutdown budget
        )
        self.metrics_server = (
            MetricsServer(
                self.metrics,
                lambda: check_health(self, self.storage),
                host=settings.metrics_host,
                port=settings.metrics_port,
            )
            if serve and settings.metrics_port is not None
            else None
        )

    async def start(self, token: str, *, reconnect: bool = True) -> None:
        """Bind the metrics port first: a taken port or unknown METRICS_HOST stops the bot
        before it logs in, migrates the database or registers commands. It is served from
        `setup_hook` on; /healthz answers 503 until the gateway is ready."""
        if self.metrics_server is not None:
            self.metrics_server.bind()
        await super().start(token, reconnect=reconnect)

    async def login(self, token: str) -> None:
        # A rate-limit proxy or test stand-in replaces Discord's REST base; the gateway URL
        # then comes from that server's GET /gateway/bot.
        discord.http.Route.BASE = self.settings.discord_api_base
        try:
            await super().login(token)  # REST login, then setup_hook (storage opens there)
        except (OSError, aiohttp.ClientError) as exc:
            log.debug("login failed", exc_info=exc)
            raise discord_unreachable(exc, self.settings.discord_api_base) from exc

    async def setup_hook(self) -> None:
        from bot.cogs.ask import AskCog
        from bot.cogs.briefings import BriefingsCog
        from bot.cogs.reference import ReferenceCog

        if self.metrics_server is not None:
            await self.metrics_server.serve()  # bound in `start`, before the login
        try:
            await self.storage.open()
        except StartupError:
            raise  # already said plainly by storage
        except DatabaseRefusedError as exc:  # another application's, or too new: its own line
            raise StartupError(str(exc), exit_code=EXIT_DATABASE_REFUSED) from exc
        except Exception as exc:
            log.debug("opening the database failed", exc_info=exc)
            raise database_error(exc, self.settings) from exc
        self.add_dynamic_items(RoutedButton)
        await self.tree.set_translator(CommandTranslator())
        await self.add_cog(ReferenceCog(self))
        await self.add_cog(AskCog(self))
        await self.add_cog(BriefingsCog(self))
        if self.serve:
            self._watchdog = asyncio.create_task(self._watch_database(), name="database-watch")
            await self.briefings.start()
            await self.sync_commands(force=False)

    async def _watch_database(self) -> None:
        """Stop the bot, rather than run half-working, once its SQLite file is deleted or
        replaced. Every storage call checks the file too; this finds it when nothing else
        touches the database for a while."""
        while True:
            try:
                self.storage.check_file()
            except DatabaseFileReplacedError:
                self.database_lost.set()  # the storage has said so in one error line
                return
            await asyncio.sleep(DATABASE_WATCH_S)

    async def on_ready(self) -> None:
        log.info("ready as %s in %d servers", self.user, len(self.guilds))
        if not self._invite_logged and self.application_id is not None:
            self._invite_logged = True  # on_ready fires again after a reconnect
            log.info("invite the bot to a server: %s", invite_url(self.application_id))

    async def on_message(self, message: discord.Message) -> None:
        """No prefix commands: messages are handled by the ask cog's listener only."""

    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: Any
    ) -> None:
        """A command ran without error (errors are counted in `BriefTree.on_error`)."""
        self.metrics.interaction(command.qualified_name, "ok")

    async def sync_commands(self, *, force: bool) -> bool:
        """Register the slash commands; unless forced, only when the set changed since last time.

        Discord rate-limits command registration, so the payload's hash is remembered per
        target (global or the development guild).
        """
        guild = (
            discord.Object(self.settings.discord_dev_guild_id)
            if self.settings.discord_dev_guild_id
            else None
        )
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        translator = self.tree.translator
        commands = self.tree.get_commands(guild=guild)
        payload = (
            [await command.get_translated_payload(self.tree, translator) for command in commands]
            if translator is not None
            else [command.to_dict(self.tree) for command in commands]
        )
        digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
        key = f"commands-hash:{self.application_id}:{guild.id if guild else 'global'}"
        if not force and await self.storage.get_value(key) == digest:
            log.info("slash commands unchanged since the last sync; not syncing")
            return False
        synced = await self.tree.sync(guild=guild)
        await self.storage.set_value(key, digest)
        log.info(
            "synced %d slash commands to %s", len(synced), guild.id if guild else "all servers"
        )
        return True

    async def handle_button(self, interaction: discord.Interaction[Any], custom_id: str) -> None:
        """A button press: the registry says whether the presser may use it and what it does."""
        prefix = custom_id.partition(":")[0]  # a known prefix only: ids can be forged
        kind = f"button:{prefix if prefix in COMPONENTS else 'unknown'}"
        refusal = None
        try:  # a forged id must end in the polite note below, whatever it holds
            invocation = invocation_of(interaction)
            refusal = stranger_refusal(custom_id, invocation)
            reply = refusal or run_component(custom_id, self.services, invocation)
            await update_with_reply(interaction, reply)
        except Exception:
            self.metrics.interaction(kind, "error")
            log.exception("button %r failed", custom_id)
            language = language_of(str(interaction.locale))
            await send_private_note(interaction, say(language, BUTTON_FAILED))
        else:
            self.metrics.interaction(kind, "ok" if refusal is None else "refused")

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
        if self.metrics_server is not None:
            await self.metrics_server.stop()
        await self.briefings.stop()  # in-flight deliveries finish while HTTP is still open
        await super().close()
        await self.storage.close()
