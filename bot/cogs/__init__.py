"""One cog per command family; each only turns interactions into handler calls."""

from __future__ import annotations

from commands.registry import COMMANDS


def described(command: str) -> dict[str, str]:
    """Option descriptions from the command table, for `app_commands.describe(**...)`."""
    return {option.name: option.description for option in COMMANDS[command].options}


def description(command: str) -> str:
    return COMMANDS[command].description
