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
from commands.ask import PREFIX as ASK_PREFIX
from commands.ask import ask_reply, suggestion_button
from commands.brief import brief
from commands.briefings import BRIEFING_LANGUAGES
from commands.command_locales import localised
from commands.context import Invocation, Services
from commands.formatting import topic_name
from commands.i18n import N_, NP_, language_of, say, say_plural
from commands.messages import Choice, Embed, EmbedField, Reply, truncate
from commands.quote import quote
from commands.sanctions import SIDES, sanctions, sanctions_button
from commands.timeline import events_for, timeline, timeline_button, topics_with_events
from knowledge import names

Options = Mapping[str, str]
Runner = Callable[[Services, Invocation, Options], Reply | Awaitable[Reply]]
ComponentRunner = Callable[[Services, Invocation, str], Reply]


Completer = Callable[[Services, str, str], list[Choice]]
"""`(services, what the user has typed so far, language) -> up to 25 choices, best first`."""

AUTOCOMPLETE_LIMIT = 25
CHOICE_LIMIT = 100


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
    language = _language(invocation)
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


def _language(invocation: Invocation) -> str:
    return invocation.language or language_of(invocation.locale)


def _about(services: Services, invocation: Invocation, options: Options) -> Reply:
    return about(services, _language(invocation))


def _timeline(services: Services, invocation: Invocation, options: Options) -> Reply:
    return timeline(services, invocation, options.get("topic"))


def _sanctions(services: Services, invocation: Invocation, options: Options) -> Reply:
    return sanctions(services, invocation, options.get("side"))


def _quote(services: Services, invocation: Invocation, options: Options) -> Reply:
    return quote(services, invocation, options.get("speaker"))


def _brief(services: Services, invocation: Invocation, options: Options) -> Reply:
    return brief(services, invocation)


def _in_a_server_only(services: Services, invocation: Invocation, options: Options) -> Reply:
    return Reply.notice(
        say(
            _language(invocation),
            "Scheduled briefings belong to a Discord channel, so `/briefings` works only in a "
            "server, for members with Manage Channels. Here, `/brief` shows what a briefing holds.",
        )
    )


def _ask(services: Services, invocation: Invocation, options: Options) -> Reply:
    return ask_reply(services, invocation, options["question"])


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
            _timeline,
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
            _sanctions,
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
            _quote,
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
            _ask,
            options=(
                OptionSpec(
                    "question", "Your question, e.g. why were the talks suspended?", required=True
                ),
            ),
        ),
        CommandSpec(
            "brief",
            "The briefing a subscribed channel would get now.",
            _brief,
        ),
        CommandSpec(
            "about",
            "What Kuril Brief knows, its sources, and how it finds answers.",
            _about,
        ),
        CommandSpec("help", "List Kuril Brief's commands.", _help),
        CommandSpec(
            "briefings subscribe",
            "Post a briefing in a channel at a set local time.",
            _in_a_server_only,
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
            _in_a_server_only,
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
            _in_a_server_only,
            guild_only=True,
            manage_channels=True,
        ),
    )
}


async def run_command(
    name: str, services: Services, invocation: Invocation, options: Options
) -> Reply:
    """Run a command by name; unknown names and options get a polite, ephemeral reply."""
    language = _language(invocation)
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
    result = spec.run(services, invocation, options)
    return await result if inspect.isawaitable(result) else result


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
# Paging buttons use "<prefix>:<user id>:<page>:<state or ->" (see `commands.formatting`), so
# `component_owner` below names their owner.
COMPONENTS: dict[str, ComponentRunner] = {
    "tl": timeline_button,
    "sx": sanctions_button,
    ASK_PREFIX: suggestion_button,
}


UNKNOWN_BUTTON = N_("That button is no longer available. Run the command again for a fresh one.")
NOT_YOUR_BUTTON = N_(
    "These buttons belong to whoever ran the command. Run it yourself to page through."
)
BUTTON_FAILED = N_("Sorry, that button failed. Please run the command again.")


async def run_component(custom_id: str, services: Services, invocation: Invocation) -> Reply:
    """Route a button press by its custom id's prefix; stale or forged ids get a polite note."""
    prefix, _, _ = custom_id.partition(":")
    handler = COMPONENTS.get(prefix)
    if handler is None:
        return Reply.notice(say(_language(invocation), UNKNOWN_BUTTON))
    return handler(services, invocation, custom_id)


def component_owner(custom_id: str) -> int | None:
    """Who may press a button: ids of the form "<prefix>:<user id>:<state>" belong to that user.

    Buttons without an owner field (or with a malformed one) return None: anyone may press.
    """
    parts = custom_id.split(":", 2)
    # ASCII digits only: `str.isdigit` also takes "²" or "٣", which `int` refuses or reads.
    if len(parts) >= 2 and parts[1].isascii() and parts[1].isdigit():
        return int(parts[1])
    return None
