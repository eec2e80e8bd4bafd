"""The command table: names, descriptions and options from PRODUCT.md, and how to run each.

The console dispatches through this table and `/help` lists it; the Discord layer takes its
descriptions from here so Discord's picker and the console say the same thing.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from commands.about import about
from commands.context import Invocation, Services
from commands.messages import Embed, EmbedField, Reply

Options = Mapping[str, str]
Runner = Callable[[Services, Invocation, Options], Reply | Awaitable[Reply]]
ComponentRunner = Callable[[Services, Invocation, str], Reply]


@dataclass(frozen=True)
class OptionSpec:
    name: str
    description: str
    required: bool = False
    kind: Literal["string", "channel", "role"] = "string"
    choices: tuple[str, ...] = ()
    autocomplete: bool = False


@dataclass(frozen=True)
class CommandSpec:
    """One slash command (or subcommand, named "group sub")."""

    name: str
    description: str
    run: Runner
    options: tuple[OptionSpec, ...] = ()
    guild_only: bool = False
    manage_channels: bool = False

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            parts.append(f"{option.name}:…" if option.required else f"[{option.name}:…]")
        return " ".join(parts)


def _help(services: Services, invocation: Invocation, options: Options) -> Reply:
    fields = tuple(
        EmbedField(name=spec.usage(), value=spec.description) for spec in COMMANDS.values()
    )
    return Reply(
        embeds=(
            Embed(
                title="Kuril Brief commands",
                description=(
                    "Ask anything about the dispute with `/ask`, by mentioning me, or in a DM."
                ),
                fields=fields,
            ),
        ),
        ephemeral=True,
    )


def _about(services: Services, invocation: Invocation, options: Options) -> Reply:
    return about(services)


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "about",
            "What Kuril Brief knows, its sources, and how it finds answers.",
            _about,
        ),
        CommandSpec("help", "List Kuril Brief's commands.", _help),
    )
}


async def run_command(
    name: str, services: Services, invocation: Invocation, options: Options
) -> Reply:
    """Run a command by name; unknown names and options get a polite, ephemeral reply."""
    spec = COMMANDS.get(name)
    if spec is None:
        known = ", ".join(f"/{command}" for command in COMMANDS)
        return Reply.notice(f"There is no `/{name}` command. Try one of: {known}.")
    unknown = sorted(set(options) - {option.name for option in spec.options})
    if unknown:
        return Reply.notice(f"`/{name}` has no option `{unknown[0]}`. Usage: `{spec.usage()}`.")
    missing = [
        option.name for option in spec.options if option.required and option.name not in options
    ]
    if missing:
        return Reply.notice(f"`/{name}` needs `{missing[0]}`. Usage: `{spec.usage()}`.")
    result = spec.run(services, invocation, options)
    return await result if inspect.isawaitable(result) else result


# Button custom ids are "<prefix>:<state>"; the prefix names the handler that owns the button.
COMPONENTS: dict[str, ComponentRunner] = {}

UNKNOWN_BUTTON = "That button is no longer available. Run the command again for a fresh one."


async def run_component(custom_id: str, services: Services, invocation: Invocation) -> Reply:
    """Route a button press by its custom id's prefix; stale or forged ids get a polite note."""
    prefix, _, _ = custom_id.partition(":")
    handler = COMPONENTS.get(prefix)
    if handler is None:
        return Reply.notice(UNKNOWN_BUTTON)
    return handler(services, invocation, custom_id)


def component_owner(custom_id: str) -> int | None:
    """Who may press a button: ids of the form "<prefix>:<user id>:<state>" belong to that user.

    Buttons without an owner field (or with a malformed one) return None: anyone may press.
    """
    parts = custom_id.split(":", 2)
    if len(parts) >= 2 and parts[1].isdigit():
        return int(parts[1])
    return None
