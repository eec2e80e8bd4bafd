"""The briefing composer: one pure function for `/brief` and for scheduled briefings.

A briefing is a dated header, a few items drawn in rotation from the knowledge base, a
"what's new" part and the sources. Items come from `briefing_order(kb)`: every event, fact,
sanction and quote (actors are left out: their text restates what those entries say),
interleaved by kind so one briefing mixes history, background, measures and voices. The
caller keeps a cursor into that cycle; each briefing shows the next items and returns the
advanced cursor, so consecutive briefings differ and nothing repeats until every item has
been shown once. Items that do not fit in one message are left for the next briefing (the
cursor advances only past what was shown), so nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import zip_longest
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from commands.formatting import (
    BLOCK_SEPARATOR,
    entry_block,
    entry_label,
    quoted,
    sources_list,
)
from commands.i18n import N_, say
from commands.messages import (
    COLOUR_INFO,
    FIELD_VALUE_LIMIT,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from knowledge.base import KnowledgeBase
from knowledge.models import Entry, Quote
from knowledge.translations import view

UTC = ZoneInfo("UTC")
ITEMS = 3
DESCRIPTION_BUDGET = 3500  # items and header; with two full fields the embed stays < 6,000
SOURCE_ROOM = 600
NEW_LISTED = 8
LATE_NOTE_LIMIT = 300
#: Precedes a scheduled briefing's slot reference at the end of its footer.
REFERENCE_PREFIX = "ref "
KIND_NAMES = {
    "event": N_("event"),
    "fact": N_("background"),
    "sanction": N_("measure"),
    "quote": N_("quote"),
    "actor": N_("who's who"),
}


@dataclass(frozen=True)
class Briefing:
    """A composed briefing.

    `reply` is the message; `cursor` goes back in next time; `shown` is every entry id the
    message shows (items, then "what's new" entries listed); `seen` is what the channel has
    now seen: the `seen` passed in plus every current entry id (store it for next time).
    """

    reply: Reply
    cursor: int
    shown: tuple[str, ...]
    seen: frozenset[str]


def briefing_order(kb: KnowledgeBase) -> tuple[Entry, ...]:
    """The fixed cycle items are drawn from: events, facts, sanctions, quotes interleaved."""
    kinds: Sequence[Sequence[Entry]] = (kb.events, kb.facts, kb.sanctions, kb.quotes)
    return tuple(entry for row in zip_longest(*kinds) for entry in row if entry is not None)


def compose_briefing(
    kb: KnowledgeBase,
    now: dt.datetime,
    *,
    tz: ZoneInfo = UTC,
    cursor: int = 0,
    seen: Collection[str] | None = None,
    late_note: str | None = None,
    role_id: int | None = None,
    items: int = ITEMS,
    language: str = "en",
    reference: str | None = None,
) -> Briefing:
    """Compose the briefing for `now` as seen in `tz`, in `language`.

    `cursor` is any int (taken modulo the cycle); `seen` is the ids the channel had seen
    before (None skips "what's new", as `/brief` does); `late_note` explains a late delivery;
    `role_id` is the role an admin chose to ping, the only mention a briefing carries. In
    Japanese or Russian the items are the curators' translation (the footer says so), dates
    are written the language's way (Babel's CLDR data), and sources stay the article's English.
    `reference` (a scheduled briefing's slot reference) ends the footer as `ref <reference>`,
    untranslated in every language: it is how the bot recognises, after a crash, that a slot's
    briefing did go out.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    order = briefing_order(kb)
    start = cursor % len(order) if order else 0

    header = [f"<t:{int(now.timestamp())}:F>"]
    if late_note:
        header.append(f"*{truncate(late_note.strip(), LATE_NOTE_LIMIT)}*")
    blocks = ["\n".join(header)]
    picked: list[Entry] = []
    for offset in range(min(max(items, 1), len(order))):
        entry = order[(start + offset) % len(order)]
        block = _item(kb, entry, language)
        if len(BLOCK_SEPARATOR.join([*blocks, block])) > DESCRIPTION_BUDGET:
            if picked:
                break
            block = truncate(block, DESCRIPTION_BUDGET - len(blocks[0]) - 2)
        blocks.append(block)
        picked.append(entry)
    if not order:
        blocks.append(say(language, "The knowledge base has no entries to brief on yet."))

    fields: list[EmbedField] = []
    listed: list[Entry] = []
    if seen is not None:
        value, listed = _whats_new(kb, seen, language)
        name = say(language, "What's new since the last briefing")
        fields.append(EmbedField(name=name, value=value))
    sources = sources_list(kb, [*picked, *listed], FIELD_VALUE_LIMIT)
    fields.append(EmbedField(name=say(language, "Sources"), value=sources))
    if language == "en":
        date, time = f"{local:%A} {local.day} {local:%B %Y}", f"{local:%H:%M}"
    else:
        date = format_date(local, format="full", locale=language)
        time = format_time(local, format="HH:mm", locale=language)
    footer = say(
        language,
        "{date}, {time} {zone} · knowledge base {version} · more with /timeline, /sanctions "
        "and /quote",
        date=date,
        time=time,
        zone=tz.key,
        version=kb.version,
    )
    if language != "en":
        footer += " · " + say(language, "Curators' translation")
    if reference:
        footer += f" · {REFERENCE_PREFIX}{reference}"
    embed = Embed(
        title=f"Kuril Brief · {date}",
        description=BLOCK_SEPARATOR.join(blocks),
        fields=tuple(fields),
        footer=footer,
        colour=COLOUR_INFO,
    )
    reply = Reply(
        content=f"<@&{role_id}>" if role_id is not None else None,
        embeds=(embed,),
        mention_role_id=role_id,
    )
    shown = tuple(dict.fromkeys(entry.id for entry in [*picked, *listed]))
    new_cursor = (start + len(picked)) % len(order) if order else 0
    return Briefing(reply, new_cursor, shown, frozenset(seen or ()) | set(kb.by_id))


def _item(kb: KnowledgeBase, entry: Entry, language: str = "en") -> str:
    shown = view(kb, entry, language)
    if isinstance(entry, Quote):
        title = f"— *{kb.seed_title(entry.source.seed)}*"
        if language != "en":
            original = say(language, "English original")
            title += f" ({original})"
        lines = [
            f"**{shown.speaker}**, {shown.role}",
            quoted(f"“{entry.text}”"),
            f"*{shown.context}*",
            title,
        ]
        return "\n".join(lines)
    heading = f"**{entry_label(kb, entry, language)}**"
    if shown.when:
        heading += f" · *{shown.when}*"
    return entry_block(kb, entry, heading, shown.text, SOURCE_ROOM, language)


def _whats_new(
    kb: KnowledgeBase, seen: Collection[str], language: str = "en"
) -> tuple[str, list[Entry]]:
    """Entries the channel has not seen, newest first, as many as fit, then "and N more"."""
    seen = frozenset(seen)
    fresh = [entry for entry in kb.entries if entry.id not in seen]
    fresh.sort(key=lambda entry: entry.added, reverse=True)  # stable: ties keep KB order
    if not fresh:
        return say(language, "Nothing new since the last briefing."), []
    lines: list[str] = []
    listed: list[Entry] = []
    for index, entry in enumerate(fresh[:NEW_LISTED]):
        kind = say(language, KIND_NAMES[entry.kind])
        line = f"• {truncate(entry_label(kb, entry, language), 120)} ({kind})"
        rest = len(fresh) - index - 1
        tail = "\n" + say(language, "…and {more} more", more=rest) if rest else ""
        if len("\n".join([*lines, line])) + len(tail) > FIELD_VALUE_LIMIT:
            break
        lines.append(line)
        listed.append(entry)
    if len(fresh) > len(listed):
        lines.append(say(language, "…and {more} more", more=len(fresh) - len(listed)))
    return "\n".join(lines), listed
