"""The one error path for app commands: expected errors become friendly private replies.

Modelled on Red-DiscordBot's `core/tree.py`: everything an app command or its checks raise
ends here; users get a short ephemeral note, and unexpected errors are logged with the
command and its options (never the token, never a traceback in Discord).
"""

from __future__ import annotations

import logging
from typing import Any

import discord
from discord import app_commands

from bot.storage.store import UNAVAILABLE_ERRORS, unavailable_reason
from commands.i18n import N_, language_of, say
from commands.messages import Reply

log = logging.getLogger(__name__)

SORRY = N_("Sorry, something went wrong on my side. It has been logged; please try again later.")
DATABASE_UNAVAILABLE = N_(
    "The briefings database is unavailable right now; nothing was changed. Try again in a minute."
)
#: Command groups that use the database (the others never touch it).
DATABASE_COMMANDS = frozenset({"briefings"})


PERMISSION_NAMES = {
    "manage_channels": N_("Manage Channels"),
    "send_messages": N_("Send Messages"),
    "embed_links": N_("Embed Links"),
    "view_channel": N_("View Channel"),
    "manage_guild": N_("Manage Server"),
}
"""The permissions the bot's commands check, named as Discord's own settings name them in
each language; any other is its English name."""


def friendly_message(error: app_commands.AppCommandError, language: str = "en") -> str | None:
    """The user-facing text for an expected error (in `language`); None for an unexpected one."""
    if isinstance(error, app_commands.MissingPermissions | app_commands.BotMissingPermissions):
        missing = ", ".join(
            say(language, PERMISSION_NAMES.get(p, p.replace("_", " ").title()))
            for p in error.missing_permissions
        )
        if isinstance(error, app_commands.BotMissingPermissions):
            return say(language, "I need the {missing} permission to do that.", missing=missing)
        return say(language, "You need the {missing} permission to do that.", missing=missing)
    if isinstance(error, app_commands.NoPrivateMessage):
        return say(language, "This command only works in a server, not in direct messages.")
    if isinstance(error, app_commands.CommandOnCooldown):
        return say(
            language,
            "Slow down a little: try again in {seconds} seconds.",
            seconds=f"{error.retry_after:.0f}",
        )
    if isinstance(error, app_commands.TransformerError):
        return say(
            language,
            "I could not understand `{value}` there. Please pick one of the suggestions.",
            value=error.value,
        )
    if isinstance(error, app_commands.CheckFailure):
        return say(language, "You can't use this command here.")
    return None


def database_unavailable(command: str, error: app_commands.AppCommandError) -> bool:
    """A database command failed because storage could not be used (locked, read-only,
    full, server down): the write did not happen, and the user can simply try again."""
    original = error.original if isinstance(error, app_commands.CommandInvokeError) else None
    root = command.split(" ", 1)[0]
    return root in DATABASE_COMMANDS and isinstance(original, UNAVAILABLE_ERRORS)


class BriefTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        language = language_of(str(interaction.locale))
        message = friendly_message(error, language)
        command = interaction.command.qualified_name if interaction.command else "unknown"
        if message is None and database_unavailable(command, error):
            reason = unavailable_reason(error.__cause__ or error)
            log.warning("/%s: the database is unavailable: %s", command, reason)
            message = say(language, DATABASE_UNAVAILABLE)
            outcome = "error"  # said politely, but the command did not do its job
        else:
            outcome = "refused" if message is not None else "error"
        metrics = getattr(interaction.client, "metrics", None)
        if metrics is not None:
            metrics.interaction(command, outcome)
        if message is None:
            options = interaction.namespace.__dict__ if interaction.namespace else {}
            log.error(
                "app command /%s failed with options %r",
                command,
                options,
                exc_info=error.original
                if isinstance(error, app_commands.CommandInvokeError)
                else error,
            )
            message = say(language, SORRY)
        await send_private_note(interaction, message)


async def send_private_note(interaction: discord.Interaction[Any], text: str) -> None:
    """An ephemeral notice that works whether or not the interaction was answered already."""
    from bot.render import send_reply

    try:
        await send_reply(interaction, Reply.notice(text))
    except discord.HTTPException:
        log.warning("could not deliver an error note for interaction %s", interaction.id)
