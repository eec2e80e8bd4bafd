"""From a discord.py interaction to the handlers' plain inputs, and back again."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import discord

from bot.render import send_reply
from commands.context import Invocation
from commands.registry import run_command

if TYPE_CHECKING:
    from bot.client import KurilBriefBot


def invocation_of(interaction: discord.Interaction[Any]) -> Invocation:
    return Invocation(
        user_id=interaction.user.id,
        now=interaction.created_at,
        channel_id=interaction.channel_id,
        guild_id=interaction.guild_id,
        locale=str(interaction.locale),
    )


async def run_and_reply(
    interaction: discord.Interaction[KurilBriefBot],
    command: str,
    options: Mapping[str, Any],
) -> None:
    """Run a registered command with the options the user gave (None means not given)."""
    given = {name: str(value) for name, value in options.items() if value is not None}
    reply = await run_command(
        command, interaction.client.services, invocation_of(interaction), given
    )
    await send_reply(interaction, reply)
