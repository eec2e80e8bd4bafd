"""Localised slash commands: discord.py's `app_commands.Translator` over `commands.command_locales`.

discord.py asks the translator for every name, description and choice when it builds the sync
payload; what it returns becomes `name_localizations` / `description_localizations` for that
locale, and the English strings stay the defaults (and what interactions carry back).
"""

from __future__ import annotations

import discord
from discord import app_commands

from commands.command_locales import localised

LOCALES = {discord.Locale.japanese: "ja", discord.Locale.russian: "ru"}

_KINDS = {
    app_commands.TranslationContextLocation.command_name: "name",
    app_commands.TranslationContextLocation.group_name: "name",
    app_commands.TranslationContextLocation.parameter_name: "name",
    app_commands.TranslationContextLocation.choice_name: "choice",
    app_commands.TranslationContextLocation.command_description: "description",
    app_commands.TranslationContextLocation.group_description: "description",
    app_commands.TranslationContextLocation.parameter_description: "description",
}


class CommandTranslator(app_commands.Translator):
    """Japanese and Russian command names, descriptions, option names and choice names."""

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = LOCALES.get(locale)
        kind = _KINDS.get(context.location)
        if language is None or kind is None:
            return None
        return localised(string.message, language, kind)
