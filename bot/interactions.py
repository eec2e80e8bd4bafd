"""What a handler is told about a Discord invocation: who, where, when and in which language.

Slash commands, button presses and autocomplete come as interactions; mentions and DMs come as
messages. Both become the same plain `Invocation`, so the handlers never see discord.py.
"""

from __future__ import annotations

from typing import Any

import discord

from commands.context import Invocation


def invocation_of(interaction: discord.Interaction[Any]) -> Invocation:
    return Invocation(
        user_id=interaction.user.id,
        now=interaction.created_at,
        channel_id=interaction.channel_id,
        guild_id=interaction.guild_id,
        locale=str(interaction.locale),
    )


def invocation_of_message(message: discord.Message) -> Invocation:
    return Invocation(
        user_id=message.author.id,
        now=message.created_at,
        channel_id=message.channel.id,
        guild_id=message.guild.id if message.guild else None,
        # A message carries no user locale: the server's preferred one, if any.
        locale=str(message.guild.preferred_locale) if message.guild else None,
    )
