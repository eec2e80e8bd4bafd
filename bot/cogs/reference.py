"""Reference commands: /timeline, /sanctions, /quote, /brief, /about and /help.

Descriptions, choices and autocomplete come from `commands.registry`; each command only
collects its options and hands them to the registered handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import autocompleter, described, description, fixed_choices
from bot.interactions import run_and_reply

if TYPE_CHECKING:
    from bot.client import KurilBriefBot

Interaction = discord.Interaction["KurilBriefBot"]


class ReferenceCog(commands.Cog):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot

    @app_commands.command(name="timeline", description=description("timeline"))
    @app_commands.describe(**described("timeline"))
    @app_commands.autocomplete(topic=autocompleter("timeline", "topic"))
    async def timeline(self, interaction: Interaction, topic: str | None = None) -> None:
        await run_and_reply(interaction, "timeline", {"topic": topic})

    @app_commands.command(name="sanctions", description=description("sanctions"))
    @app_commands.describe(**described("sanctions"))
    @app_commands.choices(side=fixed_choices("sanctions", "side"))
    async def sanctions(
        self, interaction: Interaction, side: app_commands.Choice[str] | None = None
    ) -> None:
        await run_and_reply(interaction, "sanctions", {"side": side.value if side else None})

    @app_commands.command(name="quote", description=description("quote"))
    @app_commands.describe(**described("quote"))
    @app_commands.autocomplete(speaker=autocompleter("quote", "speaker"))
    async def quote(self, interaction: Interaction, speaker: str | None = None) -> None:
        await run_and_reply(interaction, "quote", {"speaker": speaker})

    @app_commands.command(name="brief", description=description("brief"))
    async def brief(self, interaction: Interaction) -> None:
        await run_and_reply(interaction, "brief", {})

    @app_commands.command(name="about", description=description("about"))
    async def about(self, interaction: Interaction) -> None:
        await run_and_reply(interaction, "about", {})

    @app_commands.command(name="help", description=description("help"))
    async def help(self, interaction: Interaction) -> None:
        await run_and_reply(interaction, "help", {})
