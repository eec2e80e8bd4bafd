"""Buttons that survive restarts: one dynamic item matching every custom id the bot sends.

The state a button needs (page, topic, the invoker) travels in its custom id, so a press is
routed through `commands.registry.run_component` whether or not the bot restarted since the
message was sent. Ids the bot does not know get a polite note instead of a failed interaction.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

if TYPE_CHECKING:
    from bot.client import KurilBriefBot


class RoutedButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<custom_id>.+)"):
    def __init__(self, custom_id: str, **button_options: Any) -> None:
        super().__init__(discord.ui.Button(custom_id=custom_id, **button_options))
        self.routed_id = custom_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RoutedButton:
        return cls(match["custom_id"])

    # discord.py types the base for any Client; this bot's buttons carry KurilBriefBot.
    async def callback(self, interaction: discord.Interaction[KurilBriefBot]) -> None:  # pyright: ignore[reportIncompatibleMethodOverride]
        await interaction.client.handle_button(interaction, self.routed_id)
