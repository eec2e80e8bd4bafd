"""Turn the handlers' plain `Reply` models into discord.py objects, and send them.

This is the only place a `Reply` meets discord.py; mentions are off unless a reply names the
one role an admin chose for briefings.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.components import RoutedButton
from commands.messages import Embed, Reply

_STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


def discord_embed(embed: Embed) -> discord.Embed:
    result = discord.Embed(
        title=embed.title, description=embed.description, colour=discord.Colour(embed.colour)
    )
    for field in embed.fields:
        result.add_field(name=field.name, value=field.value, inline=field.inline)
    if embed.footer:
        result.set_footer(text=embed.footer)
    return result


def allowed_mentions(reply: Reply) -> discord.AllowedMentions:
    """No pings at all, except the briefing role a reply explicitly carries."""
    if reply.mention_role_id is None:
        return discord.AllowedMentions.none()
    return discord.AllowedMentions(
        everyone=False,
        users=False,
        replied_user=False,
        roles=[discord.Object(reply.mention_role_id)],
    )


def view_of(reply: Reply) -> discord.ui.View | None:
    """Buttons as a view of dynamic items: they keep working after a restart."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for row_number, row in enumerate(reply.buttons):
        for button in row:
            view.add_item(
                RoutedButton(
                    button.custom_id,
                    label=button.label,
                    style=_STYLES[button.style],
                    disabled=button.disabled,
                    row=row_number,
                )
            )
    return view


def message_kwargs(reply: Reply) -> dict[str, Any]:
    """Keyword arguments shared by `send_message`, `followup.send` and `channel.send`."""
    kwargs: dict[str, Any] = {
        "content": reply.content,
        "embeds": [discord_embed(embed) for embed in reply.embeds],
        "allowed_mentions": allowed_mentions(reply),
    }
    view = view_of(reply)
    if view is not None:
        kwargs["view"] = view
    return kwargs


async def send_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer an interaction with a reply, whether or not it was deferred first."""
    kwargs = message_kwargs(reply)
    if interaction.response.is_done():
        await interaction.followup.send(**kwargs, ephemeral=reply.ephemeral)
    else:
        await interaction.response.send_message(**kwargs, ephemeral=reply.ephemeral)


async def update_with_reply(interaction: discord.Interaction, reply: Reply) -> None:
    """Answer a button press: edit the message it sits on, or send a private note."""
    if reply.ephemeral:
        await send_reply(interaction, reply)
        return
    kwargs = message_kwargs(reply)
    kwargs.setdefault("view", None)
    await interaction.response.edit_message(**kwargs)
