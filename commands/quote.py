"""`/quote [speaker]`: a verbatim quote with speaker, role, context and source.

Without a speaker it rotates through every quote, per channel (or per user in DMs), so the
next call shows a different one; with a speaker it rotates through that speaker's quotes.
The speaker may be an id, name, alias or typo ("kishda", "Japan's PM"); anyone else gets an
ephemeral list of who can be quoted.
"""

from __future__ import annotations

from commands.context import Invocation, Services
from commands.formatting import cited, curator_note, echo, quoted, topic_name
from commands.i18n import N_, say
from commands.messages import (
    COLOUR_INFO,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Quote
from knowledge.translations import view

SPEAKERS_LISTED = 20
SHORTENED = N_("(Shortened to fit Discord; the source has it in full.)")


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
    language = invocation.ui_language
    try:
        speaker_id = names.speakers(kb).resolve_given(speaker)
    except names.UnknownNameError as unknown:
        return _unknown_speaker(kb, unknown.query, language)
    pool = quotes_by(kb, speaker_id)
    if not pool:
        return Reply.notice(say(language, "The knowledge base has no quotes yet."))
    position = services.rotation.advance(rotation_key(invocation, speaker_id), len(pool))
    return render_quote(kb, pool[position], position, len(pool), language)


def render_quote(
    kb: KnowledgeBase, item: Quote, position: int = 0, total: int = 1, language: str = "en"
) -> Reply:
    """One quote: who said it (the title), the words verbatim, role, context and source.
    In Japanese or Russian, the role and context are the curators' translation (the footer
    says so); the words stay the speaker's English."""
    shown = view(kb, item, language)
    fields = [
        EmbedField(name=say(language, "Role"), value=truncate(str(shown.role), FIELD_VALUE_LIMIT)),
        EmbedField(
            name=say(language, "Context"), value=truncate(str(shown.context), FIELD_VALUE_LIMIT)
        ),
        EmbedField(name=say(language, "Source"), value=cited(kb, item, language=language)),
    ]
    note = curator_note(item, kb, language)
    if note:
        fields.append(
            EmbedField(
                name=say(language, "Curator's note"), value=truncate(note, FIELD_VALUE_LIMIT)
            )
        )
    footer = say(language, "Quoted word for word from the source article.")
    if language != "en":
        footer += " " + say(language, "Role and context: the curators' translation.")
    if total > 1:
        counted = say(
            language,
            "Quote {number} of {total} · run /quote again for another",
            number=position + 1,
            total=total,
        )
        footer = f"{counted} · {footer}"
    title = truncate(str(shown.speaker), EMBED_TITLE_LIMIT)
    used = len(title) + len(footer) + sum(len(f.name) + len(f.value) for f in fields)
    room = min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used)
    words = quoted(f"“{item.text}”")
    if len(words) > room:
        # Only a quote longer than a whole message is shortened, visibly and at a word.
        shortened = f"\n*{say(language, SHORTENED)}*"
        words = truncate(words, room - len(shortened)) + shortened
    embed = Embed(
        title=title,
        description=words,
        fields=tuple(fields),
        footer=footer,
        colour=COLOUR_INFO,
    )
    return Reply(embeds=(embed,))


def _unknown_speaker(kb: KnowledgeBase, speaker: str, language: str = "en") -> Reply:
    index = names.speakers(kb)
    available = [
        topic_name(kb, item, language) for item, _ in index.suggest("", limit=SPEAKERS_LISTED)
    ]
    more = len(index) - len(available)
    listing = ", ".join(f"**{name}**" for name in available)
    if more > 0:
        listing = say(language, "{shown} and {more} more", shown=listing, more=more)
    asked = echo(speaker)
    topic = names.topics(kb).resolve(speaker)
    if topic is not None and topic not in index:
        subject = topic_name(kb, topic, language)
        opening = say(language, "I have no quotes from {subject}.", subject=subject)
    else:
        opening = say(language, "I don't know a speaker called “{speaker}”.", speaker=asked)
    rest = say(
        language,
        "I can quote: {listing}. Leave `speaker` empty for the next quote in rotation.",
        listing=listing,
    )
    return Reply.notice(f"{opening} {rest}", title=say(language, "No such speaker"))
