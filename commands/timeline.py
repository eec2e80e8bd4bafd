"""`/timeline [topic]`: the dispute's events in order, each with its "when" and source.

Events are numbered in curator order and packed into pages (at most `EVENTS_PER_PAGE` events
and `PAGE_BUDGET` characters each); Previous/Next buttons carry the invoker, the page and the
topic in their custom id (`tl:<user id>:<page>:<topic id or ->`), so paging needs no memory
and survives restarts. `commands.registry.component_owner` tells the Discord layer whose
buttons they are.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from commands.context import Invocation, Services
from commands.formatting import (
    BLOCK_SEPARATOR,
    cited,
    curator_note,
    echo,
    pack_blocks,
    page_buttons,
    parse_page_id,
)
from commands.messages import COLOUR_INFO, Embed, Reply, truncate
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Event

PREFIX = "tl"
EVENTS_PER_PAGE = 4
PAGE_BUDGET = 3800  # of the description's 4,096, leaving room under the 6,000 total
SOURCE_ROOM = 1000  # the most a source quote takes in one event's block
SUGGESTIONS = 5
GUESS_CUTOFF = 75.0  # how alike a topic must be to offer it as "did you mean"

Pages = tuple[tuple[str, ...], ...]

STALE = "Those timeline buttons are no longer valid. Run `/timeline` again for a fresh set."
NOT_YOURS = "Only the person who ran this `/timeline` can turn its pages. Run `/timeline` yourself."


def events_for(kb: KnowledgeBase, topic_id: str | None) -> tuple[Event, ...]:
    """Events in order, narrowed to those tagged with `topic_id` when one is given."""
    if topic_id is None:
        return kb.events
    return tuple(event for event in kb.events if topic_id in event.topics)


_PAGES: weakref.WeakKeyDictionary[KnowledgeBase, dict[str | None, Pages]] = (
    weakref.WeakKeyDictionary()
)


def pages_for(kb: KnowledgeBase, topic_id: str | None) -> Pages:
    """The timeline's pages, each a tuple of event blocks (or parts of an oversized one).

    Computed once per knowledge base and topic: a page press re-renders without re-packing.
    """
    cache = _PAGES.setdefault(kb, {})
    pages = cache.get(topic_id)
    if pages is None:
        events = events_for(kb, topic_id)
        blocks = [_block(kb, number, event) for number, event in enumerate(events, 1)]
        packed = pack_blocks(blocks, PAGE_BUDGET, EVENTS_PER_PAGE)
        pages = cache[topic_id] = tuple(tuple(page) for page in packed)
    return pages


def _block(kb: KnowledgeBase, number: int, event: Event) -> str:
    lines = [f"**{number}. {event.title}** · *{event.when}*", event.text]
    note = curator_note(event)
    if note:
        lines.append(f"*{note}*")
    lines.append(cited(kb, event, SOURCE_ROOM))
    return "\n".join(lines)


def timeline(
    services: Services, invocation: Invocation, topic: str | None = None, page: int = 0
) -> Reply:
    """Page `page` (from 0) of the timeline, narrowed to `topic` (an id, name, alias or typo)."""
    kb = services.kb
    topic_id: str | None = None
    if topic is not None and topic.strip():
        topic_id = names.topics(kb).resolve(topic)
        if topic_id is None:
            return _unknown_topic(kb, topic)
    return render_page(kb, invocation.user_id, topic_id, page)


def render_page(kb: KnowledgeBase, user_id: int, topic_id: str | None, page: int) -> Reply:
    """One page of the timeline as a reply; a polite notice when there is no such page."""
    if topic_id is not None and topic_id not in kb.topics:
        return Reply.notice(STALE)
    pages = pages_for(kb, topic_id)
    if not pages:
        return _no_events(kb, topic_id)
    if not 0 <= page < len(pages):
        return Reply.notice(
            f"The timeline has {len(pages)} page{'s' if len(pages) != 1 else ''}; there is no "
            f"page {page + 1}. Run `/timeline` again to start from the first page."
        )
    total = len(events_for(kb, topic_id))
    subject = kb.topics[topic_id].name if topic_id else None
    title = f"Timeline: {subject}" if subject else "Timeline of the Kuril Islands dispute"
    footer = f"{total} event{'s' if total != 1 else ''}"
    if len(pages) > 1:
        footer = f"Page {page + 1} of {len(pages)} · {footer}"
    embed = Embed(
        title=truncate(title, 256),
        description=BLOCK_SEPARATOR.join(pages[page]),
        footer=f"{footer} · in the order they happened",
        colour=COLOUR_INFO,
    )
    buttons = page_buttons(PREFIX, user_id, page, len(pages), topic_id)
    return Reply(embeds=(embed,), buttons=buttons)


def timeline_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    """A Previous/Next press: re-render the page its custom id names, for its owner only."""
    parsed = parse_page_id(custom_id, PREFIX)
    if parsed is None:
        return Reply.notice(STALE)
    owner, page, topic_id = parsed
    if owner != invocation.user_id:
        return Reply.notice(NOT_YOURS)
    return render_page(services.kb, owner, topic_id, page)


def topics_with_events(kb: KnowledgeBase) -> frozenset[str]:
    return frozenset(topic for event in kb.events for topic in event.topics)


def _unknown_topic(kb: KnowledgeBase, topic: str) -> Reply:
    useful = topics_with_events(kb)
    index = names.topics(kb)
    guesses = [name for item, name in index.suggest(topic, cutoff=GUESS_CUTOFF) if item in useful][
        :SUGGESTIONS
    ]
    text = f"I don't know a topic called “{echo(topic)}”."
    if guesses:
        text += f" Did you mean {_or_list(guesses)}?"
    else:
        text += f" Topics with events: {_topic_list(kb, useful)}."
    text += " Leave `topic` empty for the whole timeline."
    return Reply.notice(text, title="Unknown topic")


def _no_events(kb: KnowledgeBase, topic_id: str | None) -> Reply:
    if topic_id is None:
        return Reply.notice("The knowledge base has no events yet.")
    text = f"No events are about {kb.topics[topic_id].name} yet."
    useful = topics_with_events(kb)
    if useful:
        text += f" Topics with events: {_topic_list(kb, useful)}."
    return Reply.notice(text)


def _topic_list(kb: KnowledgeBase, topic_ids: frozenset[str], most: int = 12) -> str:
    found = sorted(kb.topics[item].name for item in topic_ids if item in kb.topics)
    shown = ", ".join(truncate(name, 100) for name in found[:most])
    return f"{shown} and {len(found) - most} more" if len(found) > most else shown


def _or_list(items: Sequence[str]) -> str:
    quoted = [f"“{item}”" for item in items]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
