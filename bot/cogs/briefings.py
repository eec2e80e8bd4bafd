"""`/briefings subscribe|unsubscribe|list`: scheduled briefings for a channel.

Guild-only, shown to members with Manage Channels (`default_member_permissions`) and checked
again when run (a refusal goes through the tree's one error path). Every subcommand touches
the database, so it defers (privately) first. Wording and validation live in
`commands.briefings`; this cog only gathers plain inputs and makes one call to the scheduler,
which owns the subscriptions (it writes the row and sets the job together).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.cogs import described, description, discord_choices, fixed_choices
from bot.render import send_reply
from commands.briefings import (
    SubscribeRequest,
    SubscriptionRow,
    complete_days,
    default_language,
    list_reply,
    subscribe_request,
    subscribed_reply,
    unsubscribed_reply,
)
from commands.command_locales import GROUP_DESCRIPTION
from commands.i18n import language_of
from commands.messages import Reply
from commands.permissions import PERMISSIONS, missing_for_briefings
from commands.timezones import complete_timezone

if TYPE_CHECKING:
    from bot.client import KurilBriefBot

Interaction = discord.Interaction["KurilBriefBot"]


def missing_permissions(permissions: discord.Permissions) -> list[str]:
    """What the bot lacks, of what posting a briefing needs, as Discord names it."""
    # By name: iterating Permissions gives canonical names ("read_messages", not "view_channel").
    return missing_for_briefings({flag for flag in PERMISSIONS if getattr(permissions, flag)})


@app_commands.guild_only()
@app_commands.default_permissions(manage_channels=True)
class BriefingsCog(
    commands.GroupCog,
    group_name="briefings",
    group_description=GROUP_DESCRIPTION,
):
    def __init__(self, bot: KurilBriefBot) -> None:
        self.bot = bot
        super().__init__()

    # discord.py types the base for any Client; this cog's interactions carry KurilBriefBot.
    async def interaction_check(self, interaction: Interaction) -> bool:  # pyright: ignore[reportIncompatibleMethodOverride]
        """Before the permission checks: in a DM there are no channel permissions to check,
        so say the command is for servers (`guild_only` only tells Discord where to show it)."""
        if interaction.guild_id is None:
            raise app_commands.NoPrivateMessage
        return True

    @app_commands.command(name="subscribe", description=description("briefings subscribe"))
    @app_commands.describe(**described("briefings subscribe"))
    @app_commands.choices(language=fixed_choices("briefings subscribe", "language"))
    @app_commands.checks.has_permissions(manage_channels=True)
    async def subscribe(
        self,
        interaction: Interaction,
        channel: discord.TextChannel,
        time: str,
        timezone: str,
        days: str | None = None,
        role: discord.Role | None = None,
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        spoken = language_of(str(interaction.locale))
        guild_locale = str(interaction.guild_locale) if interaction.guild_locale else None
        briefing_language = language.value if language else default_language(guild_locale)
        permissions = channel.permissions_for(channel.guild.me)
        checked = subscribe_request(
            channel_id=channel.id,
            channel_name=channel.name,
            time=time,
            timezone=timezone,
            days=days,
            role_id=role.id if role else None,
            role_name=role.name if role else None,
            role_is_everyone=role is not None and role.is_default(),
            bot_missing=missing_permissions(permissions),
            language=spoken,
            briefing_language=briefing_language,
        )
        if isinstance(checked, Reply):
            await send_reply(interaction, checked)
            return
        await send_reply(interaction, await self._subscribe(interaction, checked, role))

    async def _subscribe(
        self, interaction: Interaction, request: SubscribeRequest, role: discord.Role | None
    ) -> Reply:
        assert interaction.guild_id is not None
        done = await self.bot.briefings.subscribe(
            request, guild_id=interaction.guild_id, created_by=interaction.user.id
        )
        before = done.previous
        me = interaction.guild.me if interaction.guild else None
        can_ping_anyway = me is not None and me.guild_permissions.mention_everyone
        return subscribed_reply(
            request,
            next_run=done.next_run,
            resumed=before is not None and not before.active,
            updated=before is not None and before.active,
            role_pings_nobody=role is not None and not role.mentionable and not can_ping_anyway,
            language=language_of(str(interaction.locale)),
        )

    @subscribe.autocomplete("timezone")
    async def _timezone_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return discord_choices(complete_timezone(current, interaction.created_at))

    @subscribe.autocomplete("days")
    async def _days_choices(
        self, interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return discord_choices(complete_days(current, language_of(str(interaction.locale))))

    @app_commands.command(name="unsubscribe", description=description("briefings unsubscribe"))
    @app_commands.describe(**described("briefings unsubscribe"))
    @app_commands.checks.has_permissions(manage_channels=True)
    async def unsubscribe(self, interaction: Interaction, channel: discord.TextChannel) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        existed = await self.bot.briefings.unsubscribe(channel.id, guild_id=interaction.guild_id)
        language = language_of(str(interaction.locale))
        await send_reply(
            interaction, unsubscribed_reply(channel.id, existed=existed, language=language)
        )

    @app_commands.command(name="list", description=description("briefings list"))
    @app_commands.checks.has_permissions(manage_channels=True)
    async def list_briefings(self, interaction: Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        assert interaction.guild_id is not None
        scheduler = self.bot.briefings
        rows = [
            SubscriptionRow(
                channel_id=sub.channel_id,
                time=sub.local_time,
                timezone=sub.timezone,
                days=sub.days,
                role_id=sub.role_id,
                active=sub.active,
                pause_reason=sub.pause_reason,
                next_run=scheduler.next_run(sub) if sub.active else None,
                language=sub.language,
            )
            for sub in await self.bot.storage.list_subscriptions(interaction.guild_id)
        ]
        await send_reply(interaction, list_reply(rows, language_of(str(interaction.locale))))
