"""`/quote [speaker]`: a verbatim quote with speaker, role, context and source.

Without a speaker it rotates through every quote, per channel (or per user in DMs), so the
next call shows a different one; with a speaker it rotates through that speaker's quotes.
The speaker may be an id, name, alias or typo ("kishda", "Japan's PM"); anyone else gets an
ephemeral list of who can be quoted.
"""

from __future__ import annotations

from commands.context import Invocation, Services
from commands.formatting import cited, curator_note, echo, quoted
from commands.messages import (
    COLOUR_INFO,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Actor, Quote

SPEAKERS_LISTED = 20
SHORTENED = "\n*(Shortened to fit Discord; the source has it in full.)*"


def rotation_key(invocation: Invocation, speaker_id: str | None) -> str:
    """Where `/quote`'s position is kept: per place, and per speaker when one is asked for."""
    base = f"{invocation.place_key}:quote"
    return f"{base}:{speaker_id}" if speaker_id else base


def quotes_by(kb: KnowledgeBase, speaker_id: str | None) -> tuple[Quote, ...]:
    if speaker_id is None:
        return kb.quotes
    return tuple(quote for quote in kb.quotes if quote.speaker == speaker_id)


def quote(services: Services, invocation: Invocation, speaker: str | None = None) -> Reply:
    kb = services.kb
    speaker_id: str | None = None
    if speaker is not None and speaker.strip():
        speaker_id = names.speakers(kb).resolve(speaker)
        if speaker_id is None:
            return _unknown_speaker(kb, speaker)
    pool = quotes_by(kb, speaker_id)
    if not pool:
        return Reply.notice("The knowledge base has no quotes yet.")
    position = services.rotation.advance(rotation_key(invocation, speaker_id), len(pool))
    return render_quote(kb, pool[position], position, len(pool))


def render_quote(kb: KnowledgeBase, item: Quote, position: int = 0, total: int = 1) -> Reply:
    """One quote: who said it (the title), the words verbatim, role, context and source."""
    speaker = kb.get(item.speaker)
    name = speaker.name if isinstance(speaker, Actor) else item.speaker
    fields = [
        EmbedField(name="Role", value=truncate(item.role, FIELD_VALUE_LIMIT)),
        EmbedField(name="Context", value=truncate(item.context, FIELD_VALUE_LIMIT)),
        EmbedField(name="Source", value=cited(kb, item)),
    ]
    note = curator_note(item)
    if note:
        fields.append(EmbedField(name="Curator's note", value=truncate(note, FIELD_VALUE_LIMIT)))
    footer = "Quoted word for word from the source article."
    if total > 1:
        footer = f"Quote {position + 1} of {total} · run /quote again for another · {footer}"
    title = truncate(name, 256)
    used = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
    room = min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
    words = quoted(f"“{item.text}”")
    if len(words) > room:
        # Only a quote longer than a whole message is shortened, visibly and at a word.
        words = truncate(words, room - len(SHORTENED)) + SHORTENED
    embed = Embed(
        title=title,
        description=words,
        fields=tuple(fields),
        footer=footer,
        colour=COLOUR_INFO,
    )
    return Reply(embeds=(embed,))


def _unknown_speaker(kb: KnowledgeBase, speaker: str) -> Reply:
    index = names.speakers(kb)
    available = [name for _, name in index.suggest("", limit=SPEAKERS_LISTED)]
    more = len(index) - len(available)
    listing = ", ".join(f"**{name}**" for name in available) + (
        f" and {more} more" if more > 0 else ""
    )
    asked = echo(speaker)
    topic = names.topics(kb).resolve(speaker)
    if topic is not None and topic not in index:
        opening = f"I have no quotes from {kb.topics[topic].name}."
    else:
        opening = f"I don't know a speaker called “{asked}”."
    return Reply.notice(
        f"{opening} I can quote: {listing}. Leave `speaker` empty for the next quote in rotation.",
        title="No such speaker",
    )
