"""Reference commands: /about and /help (and the knowledge commands as they land)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import description
from bot.interactions import run_and_reply

if TYPE_CHECKING:
    from bot.client import KurilBriefBot


class ReferenceCog(commands.Cog):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot

    @app_commands.command(name="about", description=description("about"))
    async def about(self, interaction: discord.Interaction[KurilBriefBot]) -> None:
        await run_and_reply(interaction, "about", {})

    @app_commands.command(name="help", description=description("help"))
    async def help(self, interaction: discord.Interaction[KurilBriefBot]) -> None:
        await run_and_reply(interaction, "help", {})
