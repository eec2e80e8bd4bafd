"""The command table: names, descriptions and options from PRODUCT.md, and each one's handler.

The single source of what each command is called, says and offers: the Discord layer takes its
descriptions, choices and autocomplete from here (its cogs then call the handlers directly,
with typed arguments), `/help` lists it, and the console runs commands through it by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from commands.about import about
from commands.ask import PREFIX as ASK_PREFIX
from commands.ask import ask_reply, suggestion_button
from commands.brief import brief
from commands.briefings import BRIEFING_LANGUAGES
from commands.command_locales import localised
from commands.context import Invocation, Services
from commands.formatting import topic_name
from commands.i18n import N_, NP_, say, say_plural
from commands.messages import (
    AUTOCOMPLETE_LIMIT,
    CHOICE_LIMIT,
    Choice,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from commands.quote import quote
from commands.sanctions import SIDES, sanctions, sanctions_button
from commands.timeline import events_for, timeline, timeline_button, topics_with_events
from knowledge import names

Handler = Callable[..., Reply]
"""`handler(services, invocation, **options)`: each option a keyword argument of its own name,
a string as the user typed it (Discord's picker and the console both give strings)."""
ComponentHandler = Callable[[Services, Invocation, str], Reply]
"""`handler(services, invocation, custom_id)` for a press of one of the handler's buttons."""
Completer = Callable[[Services, str, str], list[Choice]]
"""`(services, what the user has typed so far, language) -> up to 25 choices, best first`."""


@dataclass(frozen=True)
class OptionSpec:
    """One option. `autocomplete` is the completer the Discord layer calls while users type
    (mutually exclusive with `choices`); `OptionSpec.complete` wraps it with Discord's limits."""

    name: str
    description: str
    required: bool = False
    kind: Literal["string", "channel", "role"] = "string"
    choices: tuple[str, ...] = ()
    autocomplete: Completer | None = None

    def __post_init__(self) -> None:
        if self.autocomplete is not None and not callable(self.autocomplete):
            raise TypeError(f"option {self.name!r}: autocomplete must be a completer")
        if self.autocomplete is not None and self.choices:
            raise ValueError(f"option {self.name!r}: autocomplete and choices exclude each other")

    def complete(self, services: Services, typed: str, language: str = "en") -> list[Choice]:
        """Suggestions for `typed`, capped at 25 with names and values within 100 chars,
        labelled in `language`."""
        if self.autocomplete is None:
            return []
        return [
            Choice(choice.name[:CHOICE_LIMIT], choice.value[:CHOICE_LIMIT])
            for choice in self.autocomplete(services, typed, language)[:AUTOCOMPLETE_LIMIT]
            if choice.name and choice.value
        ]


@dataclass(frozen=True)
class CommandSpec:
    """One slash command (or subcommand, named "group sub")."""

    name: str
    description: str
    run: Handler | None
    """None: only the Discord layer runs it, in a server (`/briefings` needs the channel, its
    permissions and storage); `run_command` says so elsewhere."""
    options: tuple[OptionSpec, ...] = ()
    guild_only: bool = False
    manage_channels: bool = False

    def usage(self) -> str:
        parts = [f"/{self.name}"]
        for option in self.options:
            parts.append(f"{option.name}:…" if option.required else f"[{option.name}:…]")
        return " ".join(parts)


def help_reply(services: Services, invocation: Invocation) -> Reply:
    """`/help`: every command's usage and description, in the invoker's language."""
    language = invocation.ui_language
    fields = tuple(
        EmbedField(
            name=spec.usage(),
            value=localised(spec.description, language, "description") or spec.description,
        )
        for spec in COMMANDS.values()
    )
    return Reply(
        embeds=(
            Embed(
                title=say(language, "Kuril Brief commands"),
                description=say(
                    language,
                    "Ask anything about the dispute with `/ask`, by mentioning me, or in a DM.",
                ),
                fields=fields,
            ),
        ),
        ephemeral=True,
    )


SERVER_ONLY = N_(
    "Scheduled briefings belong to a Discord channel, so `/briefings` works only in a "
    "server, for members with Manage Channels. Here, `/brief` shows what a briefing holds."
)


def complete_topic(services: Services, typed: str, language: str = "en") -> list[Choice]:
    """Topics that have events, best match first, labelled with how many events they have."""
    kb = services.kb
    suggested = names.topics(kb).suggest(
        typed, limit=AUTOCOMPLETE_LIMIT, among=topics_with_events(kb)
    )
    return [
        Choice(
            _labelled(
                topic_name(kb, topic_id, language),
                len(events_for(kb, topic_id)),
                EVENTS_LABEL,
                language,
            ),
            topic_id,
        )
        for topic_id, _ in suggested
    ]


def complete_speaker(services: Services, typed: str, language: str = "en") -> list[Choice]:
    """Speakers with quotes, best match first, labelled with how many quotes they have."""
    kb = services.kb
    return [
        Choice(
            _labelled(
                topic_name(kb, speaker_id, language),
                sum(q.speaker == speaker_id for q in kb.quotes),
                QUOTES_LABEL,
                language,
            ),
            speaker_id,
        )
        for speaker_id, _ in names.speakers(kb).suggest(typed, limit=AUTOCOMPLETE_LIMIT)
    ]


EVENTS_LABEL = NP_("({count} event)", "({count} events)")
QUOTES_LABEL = NP_("({count} quote)", "({count} quotes)")


def _labelled(name: str, count: int, forms: tuple[str, str], language: str) -> str:
    suffix = " " + say_plural(language, *forms, count)
    return truncate(name, CHOICE_LIMIT - len(suffix)) + suffix


COMMANDS: dict[str, CommandSpec] = {
    spec.name: spec
    for spec in (
        CommandSpec(
            "timeline",
            "The dispute's events in order, each with its source.",
            timeline,
            options=(
                OptionSpec(
                    "topic",
                    "Only events about this person, place or theme (e.g. Kishida, sanctions).",
                    autocomplete=complete_topic,
                ),
            ),
        ),
        CommandSpec(
            "sanctions",
            "Japan's sanctions on Russia and Russia's countermeasures, with figures and sources.",
            sanctions,
            options=(
                OptionSpec(
                    "side",
                    "Only one side's measures: japan or russia (both when left empty).",
                    choices=SIDES,
                ),
            ),
        ),
        CommandSpec(
            "quote",
            "A verbatim quote with its speaker, role, context and source.",
            quote,
            options=(
                OptionSpec(
                    "speaker",
                    "Who to quote (a name, title or typo will do); empty for the next quote.",
                    autocomplete=complete_speaker,
                ),
            ),
        ),
        CommandSpec(
            "ask",
            "Ask a question about the Kuril Islands dispute, in your own words.",
            ask_reply,
            options=(
                OptionSpec(
                    "question", "Your question, e.g. why were the talks suspended?", required=True
                ),
            ),
        ),
        CommandSpec(
            "brief",
            "The briefing a subscribed channel would get now.",
            brief,
        ),
        CommandSpec(
            "about",
            "What Kuril Brief knows, its sources, and how it finds answers.",
            about,
        ),
        CommandSpec("help", "List Kuril Brief's commands.", help_reply),
        CommandSpec(
            "briefings subscribe",
            "Post a briefing in a channel at a set local time.",
            None,
            options=(
                OptionSpec("channel", "The channel that gets the briefings.", True, "channel"),
                OptionSpec("time", "Local time of day, 24-hour HH:MM (e.g. 09:00).", True),
                OptionSpec(
                    "timezone",
                    "Your time zone's IANA name, e.g. Asia/Tokyo (start typing to search).",
                    True,
                ),
                OptionSpec("days", "daily (default), weekdays, or days such as mon,wed,fri."),
                OptionSpec(
                    "role",
                    "A role to ping with each briefing (optional; nobody is pinged otherwise).",
                    kind="role",
                ),
                OptionSpec(
                    "language",
                    "The briefings' language (default: the server's, if Japanese or Russian).",
                    choices=BRIEFING_LANGUAGES,
                ),
            ),
            guild_only=True,
            manage_channels=True,
        ),
        CommandSpec(
            "briefings unsubscribe",
            "Stop a channel's briefings.",
            None,
            options=(
                OptionSpec(
                    "channel", "The channel that should get no more briefings.", True, "channel"
                ),
            ),
            guild_only=True,
            manage_channels=True,
        ),
        CommandSpec(
            "briefings list",
            "This server's briefings: schedule, next run and status.",
            None,
            guild_only=True,
            manage_channels=True,
        ),
    )
}


def run_command(
    name: str, services: Services, invocation: Invocation, options: Mapping[str, str]
) -> Reply:
    """Run a command by name with options as typed (the console); unknown names, unknown or
    missing options, and server-only commands get a polite, ephemeral reply."""
    language = invocation.ui_language
    spec = COMMANDS.get(name)
    if spec is None:
        known = ", ".join(f"/{command}" for command in COMMANDS)
        return Reply.notice(
            say(
                language,
                "There is no `/{name}` command. Try one of: {known}.",
                name=name,
                known=known,
            )
        )
    unknown = sorted(set(options) - {option.name for option in spec.options})
    missing = [
        option.name for option in spec.options if option.required and option.name not in options
    ]
    for wrong, wording in (
        (unknown, N_("`/{name}` has no option `{option}`. Usage: `{usage}`.")),
        (missing, N_("`/{name}` needs `{option}`. Usage: `{usage}`.")),
    ):
        if wrong:
            notice = say(language, wording, name=name, option=wrong[0], usage=spec.usage())
            return Reply.notice(notice)
    if spec.run is None:
        return Reply.notice(say(language, SERVER_ONLY))
    return spec.run(services, invocation, **options)


def complete(
    command: str, option: str, services: Services, typed: str, language: str = "en"
) -> list[Choice]:
    """Autocomplete for `/command option:`; no suggestions for unknown or plain options."""
    spec = COMMANDS.get(command)
    for candidate in spec.options if spec else ():
        if candidate.name == option:
            return candidate.complete(services, typed, language)
    return []


# Button custom ids are "<prefix>:<state>"; the prefix names the handler that owns the button.
# Buttons made for one user carry them as "<prefix>:<user id>:<state>" (paging buttons, see
# `commands.formatting`, and "did you mean" suggestions): `stranger_refusal` keeps them theirs.
COMPONENTS: dict[str, ComponentHandler] = {
    "tl": timeline_button,
    "sx": sanctions_button,
    ASK_PREFIX: suggestion_button,
}


UNKNOWN_BUTTON = N_("That button is no longer available. Run the command again for a fresh one.")
NOT_YOUR_BUTTON = N_(
    "These buttons belong to whoever ran the command. Run it yourself to get your own."
)
BUTTON_FAILED = N_("Sorry, that button failed. Please run the command again.")


def component_owner(custom_id: str) -> int | None:
    """Who may press a button: ids of the form "<prefix>:<user id>:<state>" belong to that user.

    Buttons without an owner field (or with a malformed one) return None: anyone may press.
    """
    parts = custom_id.split(":", 2)
    # ASCII digits only: `str.isdigit` also takes "²" or "٣", which `int` refuses or reads.
    if len(parts) >= 2 and parts[1].isascii() and parts[1].isdigit():
        return int(parts[1])
    return None


def stranger_refusal(custom_id: str, invocation: Invocation) -> Reply | None:
    """The one ownership check for every button: a private note when the presser is not the
    user the button was made for; None when they may press it."""
    owner = component_owner(custom_id)
    if owner is None or owner == invocation.user_id:
        return None
    return Reply.notice(say(invocation.ui_language, NOT_YOUR_BUTTON))


def run_component(custom_id: str, services: Services, invocation: Invocation) -> Reply:
    """Route a press by its custom id's prefix (after `stranger_refusal` let it through);
    stale or forged ids get a polite note."""
    prefix, _, _ = custom_id.partition(":")
    handler = COMPONENTS.get(prefix)
    if handler is None:
        return Reply.notice(say(invocation.ui_language, UNKNOWN_BUTTON))
    return handler(services, invocation, custom_id)
