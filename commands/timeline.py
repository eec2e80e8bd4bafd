"""`/timeline [topic]`: the dispute's events in order, each with its "when" and source.

Events are numbered in curator order and packed into pages (at most `EVENTS_PER_PAGE` events
and `PAGE_BUDGET` characters each); Previous/Next buttons carry the invoker, the page and the
topic in their custom id (`tl:<user id>:<page>:<topic id or ->`), so paging needs no memory
and survives restarts. `commands.registry.stranger_refusal` keeps them the invoker's.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from commands.context import Invocation, Services
from commands.formatting import (
    BLOCK_SEPARATOR,
    echo,
    entry_block,
    no_such_page,
    pack_blocks,
    page_buttons,
    parse_page_id,
    topic_name,
)
from commands.i18n import N_, NP_, say, say_plural
from commands.messages import COLOUR_INFO, EMBED_TITLE_LIMIT, Embed, Reply, truncate
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Event
from knowledge.translations import view

PREFIX = "tl"
EVENTS_PER_PAGE = 4
PAGE_BUDGET = 3800  # of the description's 4,096, leaving room under the 6,000 total
SOURCE_ROOM = 1000  # the most a source quote takes in one event's block
SUGGESTIONS = 5
GUESS_CUTOFF = 75.0  # how alike a topic must be to offer it as "did you mean"

Pages = tuple[tuple[str, ...], ...]

STALE = N_("Those timeline buttons are no longer valid. Run `/timeline` again for a fresh set.")
NO_SUCH_PAGE = NP_(
    "The timeline has {count} page; there is no page {page}. Run `/timeline` again "
    "to start from the first page.",
    "The timeline has {count} pages; there is no page {page}. Run `/timeline` again "
    "to start from the first page.",
)


def events_for(kb: KnowledgeBase, topic_id: str | None) -> tuple[Event, ...]:
    """Events in order, narrowed to those tagged with `topic_id` when one is given."""
    if topic_id is None:
        return kb.events
    return tuple(event for event in kb.events if topic_id in event.topics)


_PAGES: weakref.WeakKeyDictionary[KnowledgeBase, dict[tuple[str | None, str], Pages]] = (
    weakref.WeakKeyDictionary()
)


def pages_for(kb: KnowledgeBase, topic_id: str | None, language: str = "en") -> Pages:
    """The timeline's pages, each a tuple of event blocks (or parts of an oversized one).

    Computed once per knowledge base, topic and language: a page press re-renders without
    re-packing.
    """
    cache = _PAGES.setdefault(kb, {})
    pages = cache.get((topic_id, language))
    if pages is None:
        events = events_for(kb, topic_id)
        blocks = [_block(kb, number, event, language) for number, event in enumerate(events, 1)]
        packed = pack_blocks(blocks, PAGE_BUDGET, EVENTS_PER_PAGE)
        pages = cache[(topic_id, language)] = tuple(tuple(page) for page in packed)
    return pages


def _block(kb: KnowledgeBase, number: int, event: Event, language: str) -> str:
    shown = view(kb, event, language)
    heading = f"**{number}. {shown.heading}** · *{shown.when}*"
    return entry_block(kb, event, heading, shown.text, SOURCE_ROOM, language)


def timeline(
    services: Services, invocation: Invocation, topic: str | None = None, page: int = 0
) -> Reply:
    """Page `page` (from 0) of the timeline, narrowed to `topic` (an id, name, alias or typo)."""
    kb = services.kb
    try:
        topic_id = names.topics(kb).resolve_given(topic)
    except names.UnknownNameError as unknown:
        return _unknown_topic(kb, unknown.query, invocation.ui_language)
    return render_page(kb, invocation.user_id, topic_id, page, invocation.ui_language)


def render_page(
    kb: KnowledgeBase, user_id: int, topic_id: str | None, page: int, language: str = "en"
) -> Reply:
    """One page of the timeline as a reply; a polite notice when there is no such page.
    In Japanese or Russian the events are the curators' translation (the footer says so)."""
    if topic_id is not None and topic_id not in kb.topics:
        return Reply.notice(say(language, STALE))
    pages = pages_for(kb, topic_id, language)
    if not pages:
        return _no_events(kb, topic_id, language)
    if not 0 <= page < len(pages):
        return no_such_page(NO_SUCH_PAGE, len(pages), page, language)
    total = len(events_for(kb, topic_id))
    if topic_id:
        title = say(language, "Timeline: {subject}", subject=topic_name(kb, topic_id, language))
    else:
        title = say(language, "Timeline of the Kuril Islands dispute")
    notes = [say_plural(language, "{count} event", "{count} events", total)]
    if len(pages) > 1:
        notes.insert(0, say(language, "Page {page} of {pages}", page=page + 1, pages=len(pages)))
    notes.append(say(language, "in the order they happened"))
    if language != "en":
        notes.append(say(language, "Curators' translation"))
    embed = Embed(
        title=truncate(title, EMBED_TITLE_LIMIT),
        description=BLOCK_SEPARATOR.join(pages[page]),
        footer=" · ".join(notes),
        colour=COLOUR_INFO,
    )
    buttons = page_buttons(PREFIX, user_id, page, len(pages), topic_id, language)
    return Reply(embeds=(embed,), buttons=buttons)


def timeline_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    """A Previous/Next press: re-render the page its custom id names (the registry has let
    only its owner through)."""
    language = invocation.ui_language
    parsed = parse_page_id(custom_id, PREFIX)
    if parsed is None:
        return Reply.notice(say(language, STALE))
    owner, page, topic_id = parsed
    return render_page(services.kb, owner, topic_id, page, language)


def topics_with_events(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(topic for event in kb.events for topic in event.topics)


def _unknown_topic(kb: KnowledgeBase, topic: str, language: str = "en") -> Reply:
    useful = topics_with_events(kb)
    index = names.topics(kb)
    guesses = [name for item, name in index.suggest(topic, cutoff=GUESS_CUTOFF) if item in useful][
        :SUGGESTIONS
    ]
    parts = [say(language, "I don't know a topic called “{topic}”.", topic=echo(topic))]
    if guesses:
        parts.append(say(language, "Did you mean {names}?", names=_or_list(guesses, language)))
    else:
        listed = _topic_list(kb, useful, language)
        parts.append(say(language, "Topics with events: {topics}.", topics=listed))
    parts.append(say(language, "Leave `topic` empty for the whole timeline."))
    return Reply.notice(" ".join(parts), title=say(language, "Unknown topic"))


def _no_events(kb: KnowledgeBase, topic_id: str | None, language: str = "en") -> Reply:
    if topic_id is None:
        return Reply.notice(say(language, "The knowledge base has no events yet."))
    subject = topic_name(kb, topic_id, language)
    parts = [say(language, "No events are about {subject} yet.", subject=subject)]
    useful = topics_with_events(kb)
    if useful:
        listed = _topic_list(kb, useful, language)
        parts.append(say(language, "Topics with events: {topics}.", topics=listed))
    return Reply.notice(" ".join(parts))


def _topic_list(
    kb: KnowledgeBase, topic_ids: frozenset[str], language: str = "en", most: int = 12
) -> str:
    found = sorted(topic_name(kb, item, language) for item in topic_ids if item in kb.topics)
    shown = ", ".join(truncate(name, 100) for name in found[:most])
    if len(found) <= most:
        return shown
    return say(language, "{shown} and {more} more", shown=shown, more=len(found) - most)


def _or_list(items: Sequence[str], language: str = "en") -> str:
    quoted = [f"“{item}”" for item in items]
    if len(quoted) == 1:
        return quoted[0]
    return say(language, "{first} or {last}", first=", ".join(quoted[:-1]), last=quoted[-1])
