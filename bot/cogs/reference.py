"""Reference commands: /timeline, /sanctions, /quote, /brief, /about and /help.

Descriptions, choices and autocomplete come from `commands.registry`; each command calls its
handler with the options Discord gave (already checked against that table) and sends the reply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import autocompleter, fixed_choices, registered
from bot.interactions import invocation_of
from bot.render import send_reply
from commands.about import about as about_reply
from commands.brief import brief as brief_reply
from commands.context import Invocation, Services
from commands.messages import Reply
from commands.quote import quote as quote_reply
from commands.registry import help_reply
from commands.sanctions import sanctions as sanctions_reply
from commands.timeline import timeline as timeline_reply

if TYPE_CHECKING:
    from bot.client import KurilBriefBot

Interaction = discord.Interaction["KurilBriefBot"]
Options = ParamSpec("Options")


class ReferenceCog(commands.Cog):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot

    async def _answer(
        self,
        interaction: Interaction,
        handler: Callable[Concatenate[Services, Invocation, Options], Reply],
        *options: Options.args,
        **named: Options.kwargs,
    ) -> None:
        """Send what `handler` replies to this interaction, given the options Discord sent."""
        invocation = invocation_of(interaction)
        await send_reply(interaction, handler(self.bot.services, invocation, *options, **named))

    @registered("timeline")
    @app_commands.autocomplete(topic=autocompleter("timeline", "topic"))
    async def timeline(self, interaction: Interaction, topic: str | None = None) -> None:
        await self._answer(interaction, timeline_reply, topic)

    @registered("sanctions")
    @app_commands.choices(side=fixed_choices("sanctions", "side"))
    async def sanctions(
        self, interaction: Interaction, side: app_commands.Choice[str] | None = None
    ) -> None:
        await self._answer(interaction, sanctions_reply, side.value if side else None)

    @registered("quote")
    @app_commands.autocomplete(speaker=autocompleter("quote", "speaker"))
    async def quote(self, interaction: Interaction, speaker: str | None = None) -> None:
        await self._answer(interaction, quote_reply, speaker)

    @registered("brief")
    async def brief(self, interaction: Interaction) -> None:
        await self._answer(interaction, brief_reply)

    @registered("about")
    async def about(self, interaction: Interaction) -> None:
        await self._answer(interaction, about_reply)

    @registered("help")
    async def help(self, interaction: Interaction) -> None:
        await self._answer(interaction, help_reply)
