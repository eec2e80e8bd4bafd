"""`/briefings subscribe|unsubscribe|list`: option parsing, validation and the replies.

Plain inputs only (ids, names, strings, datetimes): the Discord layer checks permissions,
talks to storage and the scheduler, and hands the results here to be worded. Errors keep
the user's other choices and repeat them, so fixing one option is a quick retry.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from commands.days import DAY_LABELS, MixedDaysError, UnknownDayError, normalise_days
from commands.formatting import echo
from commands.i18n import N_, language_of, say
from commands.messages import (
    COLOUR_INFO,
    EMBED_DESCRIPTION_LIMIT,
    Choice,
    Embed,
    Reply,
    truncate,
)
from commands.timezones import UnknownZoneError, normalise_zone

__all__ = [
    "BRIEFING_LANGUAGES",
    "Choice",
    "OptionError",
    "SubscribeRequest",
    "SubscriptionRow",
    "complete_days",
    "default_language",
    "describe_days",
    "list_reply",
    "parse_days",
    "parse_time",
    "parse_timezone",
    "subscribe_request",
    "subscribed_reply",
    "unsubscribed_reply",
]

BRIEFING_LANGUAGES: Final = ("en", "ja", "ru")
LANGUAGE_NAMES: Final = {"en": N_("English"), "ja": N_("Japanese"), "ru": N_("Russian")}
EVERYONE_REFUSED: Final = N_(
    "I never ping @everyone. Pick a role made for briefings, or leave `role` empty."
)
ROLE_PINGS_NOBODY: Final = N_(
    "Note: {role} is not mentionable and I lack Mention @everyone, @here and All Roles, so the "
    "ping will not notify anyone. Make the role mentionable to fix that."
)
_TIME_RE: Final = re.compile(r"\s*(\d{1,2})\s*[:.hH]\s*(\d{2})\s*")


class OptionError(ValueError):
    """A user-supplied option is not usable; the message says why, politely."""


# -- parsing ------------------------------------------------------------------------------


def parse_time(text: str, language: str = "en") -> str:
    """`HH:MM` in 24-hour time (`9:05` is padded to `09:05`)."""
    match = _TIME_RE.fullmatch(text or "")
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour <= 23 and minute <= 59:
            return f"{hour:02d}:{minute:02d}"
    raise OptionError(
        say(
            language,
            "`{text}` is not a time I understand. Use 24-hour `HH:MM`, for example `09:00` or "
            "`18:30`.",
            text=_shown(text),
        )
    )


def parse_timezone(text: str, language: str = "en") -> str:
    """An IANA zone name (see `commands.timezones`); a polite refusal naming close ones."""
    try:
        return normalise_zone(text)
    except UnknownZoneError as exc:
        guesses = exc.guesses
    message = say(
        language,
        "`{text}` is not a time zone I know. Use an IANA name such as `Asia/Tokyo` or "
        "`Europe/Moscow` (pick one from the suggestions).",
        text=_shown(text),
    )
    if guesses:
        zones = [f"`{zone}`" for zone in guesses]
        listed = zones[0]
        for zone in zones[1:]:
            listed = say(language, "{first} or {last}", first=listed, last=zone)
        message += " " + say(language, "Did you mean {names}?", names=listed)
    raise OptionError(message)


def parse_days(text: str | None, language: str = "en") -> str:
    """`daily` (the default), `weekdays`, or days such as `mon,wed,fri` (stored that way)."""
    try:
        return normalise_days((text or "").strip() or "daily")
    except MixedDaysError as exc:
        raise OptionError(
            say(
                language,
                "`{text}` already means a set of days, so it can't be combined with others. Use "
                "`daily` or `weekdays` on its own, or list the days you want, such as "
                "`mon,wed,fri`.",
                text=_shown(exc.word),
            )
        ) from None
    except UnknownDayError as exc:
        raise OptionError(
            say(
                language,
                "`{text}` is not a day I know. Use `daily`, `weekdays`, or days such as "
                "`mon,wed,fri`.",
                text=_shown(exc.word),
            )
        ) from None
    except ValueError:
        raise OptionError(
            say(language, "Name at least one day, e.g. `mon,wed,fri`, or use `daily`.")
        ) from None


def describe_days(days: str, language: str = "en") -> str:
    if days == "daily":
        return say(language, "every day")
    if days == "weekdays":
        return say(language, "weekdays (Mon–Fri)")
    return ", ".join(say(language, DAY_LABELS[day]) for day in days.split(","))


def _shown(text: str | None) -> str:
    return echo(text or "", 60)


# -- autocomplete -------------------------------------------------------------------------


def complete_days(typed: str, language: str = "en") -> list[Choice]:
    """The usual day sets, plus what the user typed once it parses."""
    choices = [
        Choice("daily: " + say(language, "every day"), "daily"),
        Choice("weekdays: " + say(language, "Monday to Friday"), "weekdays"),
        Choice("weekends: " + say(language, "Saturday and Sunday"), "sat,sun"),
        Choice(say(language, "Monday, Wednesday and Friday"), "mon,wed,fri"),
    ]
    if typed and typed.strip():
        try:
            days = parse_days(typed)
        except OptionError:
            return choices
        mine = Choice(f"{days}: {describe_days(days, language)}", days)
        choices = [mine, *(choice for choice in choices if choice.value != days)]
    return choices


# -- subscribe ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscribeRequest:
    """A validated `/briefings subscribe`; fields are in storage's form."""

    channel_id: int
    time: str
    timezone: str
    days: str
    role_id: int | None
    language: str = "en"


def default_language(guild_locale: str | None) -> str:
    """A subscription's language when none is chosen: the server's preferred locale when it
    is Japanese or Russian, else English."""
    return language_of(guild_locale)


def subscribe_request(
    *,
    channel_id: int,
    channel_name: str,
    time: str,
    timezone: str,
    days: str | None,
    role_id: int | None = None,
    role_name: str | None = None,
    role_is_everyone: bool = False,
    bot_missing: Sequence[str] = (),
    language: str = "en",
    briefing_language: str = "en",
) -> SubscribeRequest | Reply:
    """Validate every option at once; on any problem an ephemeral reply naming them all and
    repeating the user's other choices, so they can fix one thing and run it again.
    `bot_missing` names the permissions (see `commands.permissions`) the bot lacks there."""
    problems: list[str] = []
    bad: set[str] = set()
    parsed: dict[str, str] = {}
    for name, parse, raw in (
        ("time", parse_time, time),
        ("timezone", parse_timezone, timezone),
        ("days", parse_days, days),
    ):
        try:
            # Only `days` may be None (left out); each parser gets its own option.
            parsed[name] = parse(raw, language)  # pyright: ignore[reportArgumentType]
        except OptionError as error:
            problems.append(f"**{name}**: {error}")
            bad.add(name)
    if bot_missing:
        missing = ", ".join(bot_missing)
        problems.append(
            "**channel**: "
            + say(
                language,
                "I can't post briefings in <#{channel}>: I'm missing {missing} there. Ask an "
                "admin to give me those permissions in that channel, or pick another.",
                channel=channel_id,
                missing=missing,
            )
        )
        bad.add("channel")
    if role_is_everyone:
        problems.append("**role**: " + say(language, EVERYONE_REFUSED))
        bad.add("role")
    if problems:
        kept = _kept_choices(
            bad,
            channel_id=channel_id,
            channel_name=channel_name,
            time=time,
            timezone=timezone,
            days=days,
            role_id=role_id,
            role_name=role_name,
            language=language,
        )
        title = say(language, "Briefings not scheduled")
        return Reply.notice("\n".join([*problems, "", *kept]), title=title)
    return SubscribeRequest(
        channel_id=channel_id,
        time=parsed["time"],
        timezone=parsed["timezone"],
        days=parsed["days"],
        role_id=role_id,
        language=briefing_language if briefing_language in BRIEFING_LANGUAGES else "en",
    )


def _kept_choices(
    bad: set[str],
    *,
    channel_id: int,
    channel_name: str,
    time: str,
    timezone: str,
    days: str | None,
    role_id: int | None,
    role_name: str | None,
    language: str = "en",
) -> list[str]:
    kept = []
    if "channel" not in bad:
        kept.append(f"channel <#{channel_id}>")
    if "time" not in bad:
        kept.append(f"time `{_shown(time)}`")
    if "timezone" not in bad:
        kept.append(f"timezone `{_shown(timezone)}`")
    if days and "days" not in bad:
        kept.append(f"days `{_shown(days)}`")
    if role_id is not None and "role" not in bad:
        kept.append(f"role <@&{role_id}>")
    command = ["/briefings subscribe", f"channel:#{_shown(channel_name)}"]
    command.append(f"time:{'…' if 'time' in bad else _shown(time)}")
    command.append(f"timezone:{'…' if 'timezone' in bad else _shown(timezone)}")
    if days:
        command.append(f"days:{'…' if 'days' in bad else _shown(days)}")
    if role_name and "role" not in bad:  # a bad role is best left out
        command.append(f"role:@{_shown(role_name)}")
    lines = []
    if kept:
        lines.append(say(language, "Your other choices were kept: {kept}.", kept=", ".join(kept)))
    lines.append(say(language, "Run it again with the fix: `{command}`", command=" ".join(command)))
    return lines


def _when(at: dt.datetime) -> str:
    stamp = int(at.timestamp())
    return f"<t:{stamp}:F> (<t:{stamp}:R>)"


def subscribed_reply(
    request: SubscribeRequest,
    *,
    next_run: dt.datetime,
    resumed: bool = False,
    updated: bool = False,
    role_pings_nobody: bool = False,
    language: str = "en",
) -> Reply:
    """The confirmation after subscribing (or updating, or resuming a paused subscription);
    `role_pings_nobody` warns that the role is not mentionable and the bot may not ping it."""
    if resumed:
        lead = N_("Briefings resumed for {channel}: {time} {zone}, {days}.")
    elif updated:
        lead = N_("Briefing schedule updated for {channel}: {time} {zone}, {days}.")
    else:
        lead = N_("Briefings scheduled for {channel}: {time} {zone}, {days}.")
    lines = [
        say(
            language,
            lead,
            channel=f"<#{request.channel_id}>",
            time=request.time,
            zone=request.timezone,
            days=describe_days(request.days, language),
        ),
        say(language, "Next briefing: {when}.", when=_when(next_run)),
        say(
            language,
            "Briefings are in {name}.",
            name=say(language, LANGUAGE_NAMES[request.language]),
        ),
    ]
    if request.role_id is not None:
        lines.append(
            say(language, "Each briefing will ping {role}.", role=f"<@&{request.role_id}>")
        )
    if request.role_id is not None and role_pings_nobody:
        lines.append(say(language, ROLE_PINGS_NOBODY, role=f"<@&{request.role_id}>"))
    lines.append(say(language, "See all of this server's briefings with `/briefings list`."))
    return Reply.notice("\n".join(lines), title=say(language, "Briefings"))


def unsubscribed_reply(channel_id: int, *, existed: bool, language: str = "en") -> Reply:
    if existed:
        text = say(language, "{channel} will get no more briefings.", channel=f"<#{channel_id}>")
    else:
        text = say(
            language,
            "{channel} had no briefings scheduled, so nothing changed.",
            channel=f"<#{channel_id}>",
        )
    return Reply.notice(text, title=say(language, "Briefings"))


# -- list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionRow:
    """One subscription as `/briefings list` shows it."""

    channel_id: int
    time: str
    timezone: str
    days: str
    role_id: int | None
    active: bool
    pause_reason: str | None
    next_run: dt.datetime | None
    language: str = "en"


def list_reply(rows: Sequence[SubscriptionRow], language: str = "en") -> Reply:
    """This server's subscriptions: schedule, next run as a Discord timestamp, and status."""
    if not rows:
        return Reply.notice(
            say(
                language,
                "No channel in this server gets briefings yet. Start with "
                "`/briefings subscribe channel:#… time:09:00 timezone:Asia/Tokyo`.",
            ),
            title=say(language, "Briefings"),
        )
    blocks = [_row(row, language) for row in rows]
    shown: list[str] = []
    for index, block in enumerate(blocks):
        rest = len(blocks) - index
        tail = "\n\n" + say(language, "…and {more} more.", more=rest - 1) if rest > 1 else ""
        if len("\n\n".join([*shown, block])) + len(tail) > EMBED_DESCRIPTION_LIMIT:
            shown.append(say(language, "…and {more} more.", more=rest))
            break
        shown.append(block)
    active = sum(row.active for row in rows)
    paused = len(rows) - active
    footer = say(language, "{count} active", count=active)
    if paused:
        footer = say(language, "{active}, {count} paused", active=footer, count=paused)
    embed = Embed(
        title=say(language, "Briefings in this server ({count})", count=len(rows)),
        description="\n\n".join(shown),
        footer=footer + " · " + say(language, "times are shown in your own time zone"),
        colour=COLOUR_INFO,
    )
    return Reply(embeds=(embed,), ephemeral=True)


def _row(row: SubscriptionRow, language: str = "en") -> str:
    schedule = f"{row.time} {row.timezone}, {describe_days(row.days, language)}"
    schedule += ", " + say(language, LANGUAGE_NAMES.get(row.language, row.language))
    if row.role_id is not None:
        schedule += ", " + say(language, "pings {role}", role=f"<@&{row.role_id}>")
    lines = [f"<#{row.channel_id}> · {schedule}"]
    if row.active:
        if row.next_run:
            nxt = say(language, "next {when}", when=_when(row.next_run))
        else:
            nxt = say(language, "next run not scheduled")
        lines.append(say(language, "Active · {next}", next=nxt))
    else:
        # A known reason (see `bot.delivery.PAUSE_REASONS`) is catalogued; any other is shown
        # as it was recorded.
        reason = truncate(say(language, row.pause_reason or "no reason recorded"), 300)
        lines.append(
            say(
                language,
                "**Paused**: {reason} Run `/briefings subscribe` again to resume.",
                reason=reason,
            )
        )
    return "\n".join(lines)
