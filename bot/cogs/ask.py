"""Free text: `/ask`, messages that mention the bot, and direct messages."""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import described, description
from bot.interactions import run_and_reply
from bot.render import message_kwargs
from commands.ask import ask_reply
from commands.context import Invocation

if TYPE_CHECKING:
    from bot.client import KurilBriefBot

log = logging.getLogger(__name__)


class AskCog(commands.Cog):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description=description("ask"))
    @app_commands.describe(**described("ask"))
    async def ask(self, interaction: discord.Interaction[KurilBriefBot], question: str) -> None:
        await run_and_reply(interaction, "ask", {"question": question})

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer DMs and messages that mention the bot, as a reply; ignore bots (and itself)."""
        me = self.bot.user
        if message.author.bot or me is None:
            return
        in_dm = message.guild is None
        if not in_dm and me not in message.mentions:
            return
        question = re.sub(rf"<@!?{me.id}>", " ", message.content).strip()
        invocation = Invocation(
            user_id=message.author.id,
            now=message.created_at,
            channel_id=message.channel.id,
            guild_id=message.guild.id if message.guild else None,
            # A message carries no user locale: the server's preferred one, if any.
            locale=str(message.guild.preferred_locale) if message.guild else None,
        )
        reply = ask_reply(self.bot.services, invocation, question)
        try:
            await message.reply(**message_kwargs(reply), mention_author=False)
        except discord.HTTPException as exc:
            log.warning(
                "could not answer message %s in %s: %s", message.id, message.channel.id, exc
            )
