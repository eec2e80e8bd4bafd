"""How every handler shows where a fact comes from, and how long material pages.

Sources look the same everywhere; paged replies (the timeline, sanctions) share one packing
rule and one custom-id scheme for their Previous/Next buttons.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from commands.i18n import say, say_plural
from commands.messages import (
    CUSTOM_ID_LIMIT,
    FIELD_VALUE_LIMIT,
    Button,
    Reply,
    paginate,
    truncate,
)
from knowledge.base import KnowledgeBase
from knowledge.models import Entry, EntryBase, Quote, Sanction, Titled
from knowledge.translations import view


def source_quote(entry: EntryBase, limit: int = FIELD_VALUE_LIMIT) -> str:
    """The verbatim source sentence as a Discord block quote, with its article's title.

    The quote is never cut mid-word: when a field is too small, `truncate` ends it at a word
    with an ellipsis, which marks it as shortened.
    """
    return truncate(f"> {entry.source.quote}", limit)


def cited(
    kb: KnowledgeBase, entry: EntryBase, limit: int = FIELD_VALUE_LIMIT, language: str = "en"
) -> str:
    """The source sentence as a block quote followed by the article it is from.

    The article's title is kept whole; the quote gives way (at a word, with an ellipsis)
    only when `limit` leaves no room for all of it. In Japanese or Russian the sentence is
    still the article's English, and says so.
    """
    title = f"— *{kb.seed_title(entry.source.seed)}*"
    if language != "en":
        original = say(language, "English original")
        title += f" ({original})"
    room = max(limit - len(title) - 1, 8)
    return truncate(f"{source_quote(entry, room)}\n{title}", limit)


def curator_note(entry: Entry, kb: KnowledgeBase | None = None, language: str = "en") -> str | None:
    """Curator additions are labelled as such, never shown as the article's words."""
    if not entry.curator_note:
        return None
    note = entry.curator_note
    if kb is not None and language != "en":
        note = view(kb, entry, language).curator_note or note
    return say(language, "Curator's note: {note}", note=note)


def entry_block(
    kb: KnowledgeBase, entry: Entry, heading: str, text: str, source_room: int, language: str
) -> str:
    """An entry as it reads inside a longer message (a timeline page, a briefing): the
    `heading` line, the text, the curator's note when there is one, then the cited source."""
    lines = [heading, text]
    note = curator_note(entry, kb, language)
    if note:
        lines.append(f"*{note}*")
    lines.append(cited(kb, entry, source_room, language))
    return "\n".join(lines)


def entry_label(kb: KnowledgeBase, entry: Entry, language: str = "en") -> str:
    """A short heading for any entry, as lists and buttons name it: in English an event's or
    fact's title, "<author>: <measure>", "<speaker>, quoted" or a name; in Japanese or Russian
    the curators' translated heading."""
    if language != "en":
        return view(kb, entry, language).heading
    if isinstance(entry, Titled):
        return entry.title
    if isinstance(entry, Sanction):
        return f"{kb.name_of(entry.by)}: {entry.measure}"
    if isinstance(entry, Quote):
        return f"{kb.name_of(entry.speaker)}, quoted"
    return entry.name


def topic_name(kb: KnowledgeBase, topic_id: str, language: str) -> str:
    """A topic's name: the curators' translation of the theme's or actor's, else English."""
    translation = kb.translations.get(language)
    if translation is not None:
        fields = translation.themes.get(topic_id) or translation.entries.get(topic_id) or {}
        name = fields.get("name")
        if isinstance(name, str):
            return name
    return kb.topics[topic_id].name


def quoted(text: str) -> str:
    """Text as a Discord block quote, every line marked."""
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines() or [""])


def sources_list(kb: KnowledgeBase, entries: Iterable[EntryBase], limit: int) -> str:
    """The distinct articles behind `entries`, one bullet each, counting any that do not fit."""
    titles = list(dict.fromkeys(kb.seed_title(entry.source.seed) for entry in entries))
    lines: list[str] = []
    for index, title in enumerate(titles):
        line = f"• {truncate(title, 200)}"
        rest = len(titles) - index - 1
        more = f"\n…and {rest} more" if rest else ""
        if len("\n".join([*lines, line])) + len(more) > limit:
            lines.append(f"…and {len(titles) - index} more")
            break
        lines.append(line)
    return "\n".join(lines) or "—"


# --- Paging ------------------------------------------------------------------------------

BLOCK_SEPARATOR = "\n\n"


def pack_blocks(
    blocks: Sequence[str], budget: int, per_page: int, separator: str = BLOCK_SEPARATOR
) -> list[list[str]]:
    """Group blocks into pages of at most `per_page` blocks and `budget` characters joined.

    Blocks are never reordered or dropped. A block longer than a page is split with
    `paginate` (at lines, then sentences, then words) and each part takes a page of its own.
    """
    pages: list[list[str]] = []
    current: list[str] = []
    for block in blocks:
        if len(block) > budget:
            if current:
                pages.append(current)
                current = []
            pages += [[part] for part in paginate(block.split("\n"), budget)]
            continue
        joined = separator.join([*current, block])
        if current and (len(current) >= per_page or len(joined) > budget):
            pages.append(current)
            current = []
        current.append(block)
    if current:
        pages.append(current)
    return pages


_PAGE_ID = re.compile(r"^([a-z]+):([0-9]{1,20}):([0-9]{1,6}):([a-z0-9-]{1,60})$")
NO_STATE = "-"


def page_id(prefix: str, user_id: int, page: int, state: str | None) -> str:
    """A paging button's custom id: `<prefix>:<user id>:<page>:<state or ->`.

    Everything needed to re-render travels in the id, so buttons keep working after a restart.
    """
    custom_id = f"{prefix}:{user_id}:{page}:{state or NO_STATE}"
    if len(custom_id) > CUSTOM_ID_LIMIT or not _PAGE_ID.match(custom_id):
        raise ValueError(f"cannot encode a page id from {custom_id!r}")
    return custom_id


def parse_page_id(custom_id: str, prefix: str) -> tuple[int, int, str | None] | None:
    """`(user id, page, state or None)` from a well-formed id with `prefix`, else `None`."""
    match = _PAGE_ID.match(custom_id)
    if match is None or match.group(1) != prefix:
        return None
    state = match.group(4)
    return int(match.group(2)), int(match.group(3)), None if state == NO_STATE else state


def page_buttons(
    prefix: str, user_id: int, page: int, pages: int, state: str | None, language: str = "en"
) -> tuple[tuple[Button, ...], ...]:
    """Previous/Next for page `page` of `pages` (no buttons when everything fits one page)."""
    if pages <= 1:
        return ()
    previous = Button(
        label=say(language, "◀ Previous"),
        custom_id=page_id(prefix, user_id, max(page - 1, 0), state),
        disabled=page == 0,
    )
    following = Button(
        label=say(language, "Next ▶"),
        custom_id=page_id(prefix, user_id, min(page + 1, pages - 1), state),
        disabled=page >= pages - 1,
        style="primary",
    )
    return ((previous, following),)


def no_such_page(wording: tuple[str, str], pages: int, page: int, language: str = "en") -> Reply:
    """The polite notice for page `page` (from 0) when there are only `pages` (an old or hand-made
    button); `wording` is an `NP_` pair saying so with `{count}` (pages) and `{page}`."""
    return Reply.notice(say_plural(language, *wording, pages, page=page + 1))


_MENTION = re.compile(r"@(everyone|here)|<(@[!&]?|#)", re.IGNORECASE)


def no_pings(text: str) -> str:
    """`text` with every mention made inert (a zero-width space after the `@` or `<`)."""
    return _MENTION.sub(
        lambda m: f"@\u200b{m.group(1)}" if m.group(1) else f"<\u200b{m.group(2)}", text
    )


def echo(text: str, limit: int = 100) -> str:
    """What a user typed, safe to show back: mentions made inert, no code fences, shortened."""
    return truncate(no_pings(text).replace("`", "ˋ").strip() or " ", limit)
