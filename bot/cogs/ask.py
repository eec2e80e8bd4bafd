"""Free text: `/ask`, messages that mention the bot, and direct messages.

All three take one route to the answer, `commands.ask.ask_reply(services, invocation,
question)`; only how the invocation is read and how the reply is sent differ.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import described, description
from bot.interactions import invocation_of, invocation_of_message
from bot.render import message_kwargs, send_reply
from commands.ask import ask_reply

if TYPE_CHECKING:
    from bot.client import KurilBriefBot

log = logging.getLogger(__name__)


class AskCog(commands.Cog):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description=description("ask"))
    @app_commands.describe(**described("ask"))
    async def ask(self, interaction: discord.Interaction[KurilBriefBot], question: str) -> None:
        reply = ask_reply(self.bot.services, invocation_of(interaction), question)
        await send_reply(interaction, reply)

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
        reply = ask_reply(self.bot.services, invocation_of_message(message), question)
        try:
            await message.reply(**message_kwargs(reply), mention_author=False)
        except discord.HTTPException as exc:
            log.warning(
                "could not answer message %s in %s: %s", message.id, message.channel.id, exc
            )
