"""Reference commands: /timeline, /sanctions, /quote, /brief, /about and /help.

Descriptions, choices and autocomplete come from `commands.registry`; each command calls its
handler with the options Discord gave (already checked against that table) and sends the reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import autocompleter, described, description, fixed_choices
from bot.interactions import invocation_of
from bot.render import send_reply
from commands.about import about as about_reply
from commands.brief import brief as brief_reply
from commands.quote import quote as quote_reply
from commands.registry import help_reply
from commands.sanctions import sanctions as sanctions_reply
from commands.timeline import timeline as timeline_reply

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
        reply = timeline_reply(self.bot.services, invocation_of(interaction), topic)
        await send_reply(interaction, reply)

    @app_commands.command(name="sanctions", description=description("sanctions"))
    @app_commands.describe(**described("sanctions"))
    @app_commands.choices(side=fixed_choices("sanctions", "side"))
    async def sanctions(
        self, interaction: Interaction, side: app_commands.Choice[str] | None = None
    ) -> None:
        chosen = side.value if side else None
        reply = sanctions_reply(self.bot.services, invocation_of(interaction), chosen)
        await send_reply(interaction, reply)

    @app_commands.command(name="quote", description=description("quote"))
    @app_commands.describe(**described("quote"))
    @app_commands.autocomplete(speaker=autocompleter("quote", "speaker"))
    async def quote(self, interaction: Interaction, speaker: str | None = None) -> None:
        reply = quote_reply(self.bot.services, invocation_of(interaction), speaker)
        await send_reply(interaction, reply)

    @app_commands.command(name="brief", description=description("brief"))
    async def brief(self, interaction: Interaction) -> None:
        await send_reply(interaction, brief_reply(self.bot.services, invocation_of(interaction)))

    @app_commands.command(name="about", description=description("about"))
    async def about(self, interaction: Interaction) -> None:
        await send_reply(interaction, about_reply(self.bot.services, invocation_of(interaction)))

    @app_commands.command(name="help", description=description("help"))
    async def help(self, interaction: Interaction) -> None:
        await send_reply(interaction, help_reply(self.bot.services, invocation_of(interaction)))
