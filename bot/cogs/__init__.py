"""One cog per command family; each only turns interactions into handler calls."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord
from discord import app_commands

from commands.command_locales import choice_label
from commands.i18n import language_of
from commands.messages import Choice
from commands.registry import COMMANDS, complete


def described(command: str) -> dict[str, str]:
    """Option descriptions from the command table, for `app_commands.describe(**...)`."""
    return {option.name: option.description for option in COMMANDS[command].options}


def description(command: str) -> str:
    return COMMANDS[command].description


def registered(command: str) -> Any:
    """Make a callback the slash command (or `group subcommand`) `command` as the command table
    describes it: its name, its description and its options' descriptions."""

    def register(callback: Any) -> Any:
        made = app_commands.command(name=command.split()[-1], description=description(command))
        return app_commands.describe(**described(command))(made(callback))

    return register


def fixed_choices(command: str, option: str) -> list[app_commands.Choice[str]]:
    """An option's fixed choices from the command table, for `app_commands.choices`."""
    spec = next(o for o in COMMANDS[command].options if o.name == option)
    return [app_commands.Choice(name=choice_label(choice), value=choice) for choice in spec.choices]


def discord_choices(choices: Iterable[Choice]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=choice.name, value=choice.value) for choice in choices]


def autocompleter(command: str, option: str) -> Any:
    """An autocomplete callback that asks the command table's completer for suggestions."""

    async def suggest(
        interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        language = language_of(str(interaction.locale))
        services = interaction.client.services
        return discord_choices(complete(command, option, services, current, language))

    return suggest
