"""How every handler shows where a fact comes from, so sources look the same everywhere."""

from __future__ import annotations

from commands.messages import FIELD_VALUE_LIMIT, truncate
from knowledge.base import KnowledgeBase
from knowledge.models import EntryBase


def source_quote(entry: EntryBase, limit: int = FIELD_VALUE_LIMIT) -> str:
    """The verbatim source sentence as a Discord block quote, with its article's title.

    The quote is never cut mid-word: when a field is too small, `truncate` ends it at a word
    with an ellipsis, which marks it as shortened.
    """
    return truncate(f"> {entry.source.quote}", limit)


def source_line(kb: KnowledgeBase, entry: EntryBase) -> str:
    """A one-line citation: the article's title."""
    return f"Source: {kb.seed_title(entry.source.seed)}"


def curator_note(entry: EntryBase) -> str | None:
    """Curator additions are labelled as such, never shown as the article's words."""
    return f"Curator's note: {entry.curator_note}" if entry.curator_note else None
