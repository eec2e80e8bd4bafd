"""Free-text questions: `/ask`, mentions, DMs, the console and `kuril-brief ask`.

`knowledge.answerer` finds the entry (or declines); this module words the result, once as a
Discord reply and once as the plain text and JSON of `kuril-brief ask --json`. Both show the
same answer and the same source. The question is never echoed back, and everything shown is
stripped of working mentions, so nothing here can ping anyone.
"""

from __future__ import annotations

from typing import Any

from commands.context import Invocation, Services
from commands.formatting import no_pings, source_quote
from commands.messages import (
    COLOUR_INFO,
    COLOUR_JAPAN,
    COLOUR_NOTICE,
    COLOUR_RUSSIA,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from knowledge.answerer import MAX_QUESTION_CHARS, Answer
from knowledge.base import KnowledgeBase
from knowledge.models import Actor, Entry, Event, Fact, Quote, Sanction

EXAMPLES = "“Why were the talks suspended?” or “What sanctions has Japan imposed?”"
GUIDANCE = {
    "empty": (
        "Ask me anything about the Russia–Japan dispute over the Kuril Islands, "
        f"for example {EXAMPLES}"
    ),
    "vague": (
        "Could you be a little more specific? Ask about the Kuril Islands dispute, "
        f"for example {EXAMPLES}"
    ),
    "too_long": (
        f"That question is too long for me. Please ask in under {MAX_QUESTION_CHARS} "
        f"characters, for example {EXAMPLES}"
    ),
    "not_english": (
        f"Sorry, I can only read questions in English for now. Try, for example, {EXAMPLES}"
    ),
}
DONT_KNOW = (
    "I don't know that: nothing in my sources answers it, and I would rather say so than guess."
)
MORE = "You can also browse with /timeline, /sanctions and /quote."
EXTRA_MIN_CHARS = 120  # the least a shortened "When" or curator's note keeps


def answer_question(services: Services, question: str) -> Answer:
    return services.free_text().answer(question)


def plain_text(kb: KnowledgeBase, answer: Answer) -> str:
    """The whole answer as plain text, exactly what a user reads (source included)."""
    if answer.answered:
        entry = kb.get(answer.entry_ids[0])
        title = kb.seed_title(entry.source.seed) if entry else ""
        sources = "\n".join(f"Source ({title}): {quote}" for quote in answer.sources)
        return no_pings(f"{answer.text}\n\n{sources}")
    if answer.reason in GUIDANCE:
        return GUIDANCE[answer.reason]
    return no_pings(f"{DONT_KNOW} {_suggestion_sentence(answer, markdown=False)} {MORE}")


def ask_payload(services: Services, question: str) -> dict[str, Any]:
    """The `kuril-brief ask --json` object of PRODUCT.md."""
    answer = answer_question(services, question)
    return {
        "question": question,
        "answered": answer.answered,
        "answer": plain_text(services.kb, answer),
        "sources": [no_pings(quote) for quote in answer.sources],
        "suggestions": [no_pings(name) for name in answer.suggestions],
        "score": float(answer.score),
    }


def ask_reply(services: Services, invocation: Invocation, question: str) -> Reply:
    """A public answer with its source, a public "I don't know" with suggestions, or guidance."""
    answer = answer_question(services, question)
    if answer.answered:
        entry = services.kb.get(answer.entry_ids[0])
        if entry is not None:
            return render_answer(services.kb, entry, answer.score)
    if answer.reason in GUIDANCE:
        return Reply.notice(GUIDANCE[answer.reason], title="Ask about the Kuril Islands dispute")
    description = f"{DONT_KNOW}\n\n{_suggestion_sentence(answer, markdown=True)}\n{MORE}"
    return Reply(
        embeds=(
            Embed(
                title="I don't know that one",
                description=no_pings(description),
                colour=COLOUR_NOTICE,
            ),
        )
    )


def render_answer(kb: KnowledgeBase, entry: Entry, score: float) -> Reply:
    """One answer as an embed that fits Discord's limits, whatever the entry's lengths.

    The embed has one budget (`EMBED_TOTAL_LIMIT`, as `/quote` does). The entry's text and its
    verbatim source are kept whole where Discord allows; when everything cannot fit, the
    curator's note and the "When" line give way first, then the text. Anything shortened is
    cut at a word, with a visible ellipsis.
    """
    if isinstance(entry, Quote):
        description = no_pings(f"“{entry.text}”\n\n*Context:* {entry.context}")
    else:
        description = no_pings(entry.text)
    title = truncate(_heading(kb, entry), EMBED_TITLE_LIMIT)
    footer = f"Match confidence {score:.0%} · knowledge base {kb.version}"
    citation = f"\n— *{truncate(no_pings(kb.seed_title(entry.source.seed)), 200)}*"
    source = source_quote(entry, FIELD_VALUE_LIMIT - len(citation))
    source = truncate(no_pings(source), FIELD_VALUE_LIMIT - len(citation)) + citation
    extras: list[tuple[str, str]] = []  # these give way before the text and the source
    if entry.curator_note:
        extras.append(("Curator's note", no_pings(entry.curator_note)))
    if isinstance(entry, Event):
        extras.append(("When", no_pings(entry.when)))
    fixed = len(title) + len(footer) + len("Source") + len(source)
    fixed += sum(len(name) for name, _ in extras)
    text_room = min(EMBED_DESCRIPTION_LIMIT, len(description))
    extra_room = max(EMBED_TOTAL_LIMIT - fixed - text_room, 0)
    # Extras share what is left, but each keeps at least a readable line (the text gives way).
    wanted = [min(len(value), FIELD_VALUE_LIMIT) for _, value in extras]
    floors = [min(want, EXTRA_MIN_CHARS) for want in wanted]
    sizes = _share(wanted, max(extra_room, sum(floors)))
    values = {
        name: truncate(value, size) for (name, value), size in zip(extras, sizes, strict=True)
    }
    used = fixed + sum(len(value) for value in values.values())
    description = truncate(description, min(EMBED_DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - used))
    order = [name for name in ("When", "Curator's note") if name in values]
    fields = [EmbedField(name=name, value=values[name]) for name in order]
    embed = Embed(
        title=title,
        description=description,
        fields=(*fields, EmbedField(name="Source", value=source)),
        footer=footer,
        colour=_colour(entry),
    )
    return Reply(embeds=(embed,))


def _share(wanted: list[int], room: int) -> list[int]:
    """Split `room` between wants: the small ones whole, the rest in equal parts."""
    sizes = [0] * len(wanted)
    left = room
    for position, index in enumerate(sorted(range(len(wanted)), key=wanted.__getitem__)):
        sizes[index] = min(wanted[index], left // (len(wanted) - position))
        left -= sizes[index]
    return sizes


def _heading(kb: KnowledgeBase, entry: Entry) -> str:
    if isinstance(entry, Event | Fact):
        return no_pings(entry.title)
    if isinstance(entry, Sanction):
        return no_pings(entry.measure)
    if isinstance(entry, Quote):
        speaker = kb.get(entry.speaker)
        name = speaker.name if isinstance(speaker, Actor) else entry.speaker
        return no_pings(f"{name}, {entry.role}")
    return no_pings(entry.name)


def _colour(entry: Entry) -> int:
    if isinstance(entry, Sanction):
        return COLOUR_JAPAN if entry.side == "japan" else COLOUR_RUSSIA
    return COLOUR_INFO


def _suggestion_sentence(answer: Answer, *, markdown: bool) -> str:
    if not answer.suggestions:
        return ""
    names = [f"**{name}**" if markdown else name for name in answer.suggestions]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    them = "it" if len(names) == 1 else "one of them"
    return f"Did you mean {listed}? Ask me about {them}."
