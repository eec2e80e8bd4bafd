"""Free-text questions: `/ask`, mentions, DMs, the console and `kuril-brief ask`.

`knowledge.answerer` finds the entries (or declines); this module words the result, once as a
Discord reply and once as the plain text and JSON of `kuril-brief ask --json`. Both show the
same parts and the same sources. A question asking several things gets one embed per part; a
yes/no question leads with the line that settles it; a decline offers its "did you mean"
entries as buttons that answer the chosen one for whoever asked (the owner and the entry
travel in the button's custom id, so the buttons keep working after a restart). The question
is never echoed back, and everything shown is stripped of working mentions, so nothing here
can ping anyone.
"""

from __future__ import annotations

import re
from typing import Any

from commands.context import Invocation, Services
from commands.formatting import entry_label, no_pings, source_quote
from commands.messages import (
    BUTTON_LABEL_LIMIT,
    COLOUR_INFO,
    COLOUR_JAPAN,
    COLOUR_NOTICE,
    COLOUR_RUSSIA,
    EMBED_DESCRIPTION_LIMIT,
    EMBED_TITLE_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_VALUE_LIMIT,
    Button,
    Embed,
    EmbedField,
    Reply,
    truncate,
)
from knowledge.answerer import MAX_QUESTION_CHARS, Answer
from knowledge.base import KnowledgeBase
from knowledge.models import Actor, Entry, Event, Fact, Quote, Sanction

PREFIX = "ak"
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
NOT_IN_SOURCES = {
    1: "The other part of your question is not in my sources, so I have left it unanswered.",
    2: "The other parts of your question are not in my sources, so I have left them unanswered.",
}
EXTRA_MIN_CHARS = 120  # the least a shortened "When" or curator's note keeps
STALE = "That suggestion is no longer available. Please ask your question again."
NOT_YOURS = "Only the person who asked can pick a suggestion. Ask your own question with /ask."
_SUGGESTION_ID = re.compile(r"^ak:(\d{1,20}):([a-z0-9-]{1,60})$")


def answer_question(services: Services, question: str) -> Answer:
    return services.free_text().answer(question)


def answer_text(kb: KnowledgeBase, entry: Entry) -> str:
    """The plain body of an answer from one entry, as a user reads it (source added by callers)."""
    lines: list[str]
    if isinstance(entry, Quote):
        speaker = kb.get(entry.speaker)
        name = speaker.name if isinstance(speaker, Actor) else entry.speaker
        lines = [f"{name} ({entry.role}) said: “{entry.text}”", f"Context: {entry.context}"]
    elif isinstance(entry, Event):
        lines = [entry.text, f"When: {entry.when}"]
    else:
        lines = [entry.text]
    if entry.curator_note:
        lines.append(f"Curator's note: {entry.curator_note}")
    return "\n".join(lines)


def lead_of(kb: KnowledgeBase, answer: Answer, entry: Entry) -> str | None:
    """The curated line that settles a yes/no question about `entry`, when one was asked and
    the entry's text does not already say exactly that (it would read twice)."""
    lead = kb.questions.leads.get(entry.id) if answer.yes_no else None
    return None if lead is None or lead.strip() == entry.text.strip() else lead


def answered_entries(kb: KnowledgeBase, answer: Answer) -> list[Entry]:
    return [entry for entry in map(kb.get, answer.entry_ids) if entry is not None]


def unanswered_note(answer: Answer) -> str | None:
    """Said plainly when only some parts of a question are answered (never echoing them)."""
    if not answer.unanswered_parts:
        return None
    return NOT_IN_SOURCES[min(answer.unanswered_parts, 2)]


def plain_text(kb: KnowledgeBase, answer: Answer) -> str:
    """The whole answer as plain text, exactly what a user reads (every part with its source)."""
    entries = answered_entries(kb, answer)
    if answer.answered and entries:
        parts = []
        for entry in entries:
            lead = lead_of(kb, answer, entry)
            body = answer_text(kb, entry)
            title = kb.seed_title(entry.source.seed)
            source = f"Source ({title}): {entry.source.quote}"
            parts.append("\n".join(part for part in (lead, body, source) if part))
        note = unanswered_note(answer)
        return no_pings("\n\n".join([*parts, note] if note else parts))
    if answer.reason in GUIDANCE:
        return GUIDANCE[answer.reason]
    names = suggestion_names(kb, answer)
    return no_pings(" ".join(part for part in (DONT_KNOW, _did_you_mean(names), MORE) if part))


def suggestion_names(kb: KnowledgeBase, answer: Answer) -> list[str]:
    return [entry_label(kb, entry) for entry in map(kb.get, answer.suggestions) if entry]


def ask_payload(services: Services, question: str) -> dict[str, Any]:
    """The `kuril-brief ask --json` object of PRODUCT.md: one source per part answered."""
    kb = services.kb
    answer = answer_question(services, question)
    entries = answered_entries(kb, answer) if answer.answered else []
    return {
        "question": question,
        "answered": answer.answered,
        "answer": plain_text(kb, answer),
        "sources": [no_pings(entry.source.quote) for entry in entries],
        "suggestions": [no_pings(name) for name in suggestion_names(kb, answer)],
        "score": float(answer.score),
    }


def ask_reply(services: Services, invocation: Invocation, question: str) -> Reply:
    """A public answer (a part per embed, each with its source), a public "I don't know"
    with "did you mean" buttons, or private guidance for input that is not a question."""
    kb = services.kb
    answer = answer_question(services, question)
    entries = answered_entries(kb, answer)
    if answer.answered and entries:
        budget = EMBED_TOTAL_LIMIT // len(entries)
        embeds = tuple(
            render_embed(
                kb,
                entry,
                answer.score,
                budget=budget,
                lead=lead_of(kb, answer, entry),
                part=(number, len(entries)),
            )
            for number, entry in enumerate(entries, 1)
        )
        return Reply(content=unanswered_note(answer), embeds=embeds)
    if answer.reason in GUIDANCE:
        return Reply.notice(GUIDANCE[answer.reason], title="Ask about the Kuril Islands dispute")
    names = suggestion_names(kb, answer)
    description = "\n\n".join(
        part for part in (DONT_KNOW, _did_you_mean(names, markdown=True), MORE) if part
    )
    buttons = tuple(
        Button(
            label=truncate(no_pings(entry_label(kb, entry)), BUTTON_LABEL_LIMIT),
            custom_id=f"{PREFIX}:{invocation.user_id}:{entry.id}",
            style="primary",
        )
        for entry in map(kb.get, answer.suggestions)
        if entry is not None
    )
    return Reply(
        embeds=(
            Embed(
                title="I don't know that one",
                description=no_pings(description),
                colour=COLOUR_NOTICE,
            ),
        ),
        buttons=(buttons,) if buttons else (),
    )


def suggestion_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    """A "did you mean" press: answer the chosen entry, for the person who asked only."""
    match = _SUGGESTION_ID.match(custom_id)
    entry = services.kb.get(match.group(2)) if match else None
    if match is None or entry is None:
        return Reply.notice(STALE)
    if int(match.group(1)) != invocation.user_id:
        return Reply.notice(NOT_YOURS)
    return render_answer(services.kb, entry, None)


def render_answer(kb: KnowledgeBase, entry: Entry, score: float | None) -> Reply:
    """One entry as a reply of one embed (a chosen suggestion has no match score)."""
    return Reply(embeds=(render_embed(kb, entry, score),))


def render_embed(
    kb: KnowledgeBase,
    entry: Entry,
    score: float | None,
    *,
    budget: int = EMBED_TOTAL_LIMIT,
    lead: str | None = None,
    part: tuple[int, int] = (1, 1),
) -> Embed:
    """One answer as an embed within `budget` characters, whatever the entry's lengths.

    The entry's text and its verbatim source are kept whole where the budget allows; when
    everything cannot fit, the curator's note and the "When" line give way first, then the
    text, then the source. Anything shortened is cut at a word, with a visible ellipsis.
    """
    if isinstance(entry, Quote):
        description = f"“{entry.text}”\n\n*Context:* {entry.context}"
    else:
        description = entry.text
    if lead:
        description = f"**{lead}**\n{description}"
    description = no_pings(description)
    title = truncate(_heading(kb, entry), min(EMBED_TITLE_LIMIT, budget // 8))
    number, parts = part
    footer = f"Part {number} of {parts} · " if parts > 1 else ""
    footer += f"Match confidence {score:.0%} · " if score is not None else ""
    footer += f"knowledge base {kb.version}"
    citation = f"\n— *{truncate(no_pings(kb.seed_title(entry.source.seed)), 200)}*"
    source_room = min(FIELD_VALUE_LIMIT, budget // 3) - len(citation)
    source = truncate(no_pings(source_quote(entry, source_room)), source_room) + citation
    extras: list[tuple[str, str]] = []  # these give way before the text and the source
    if entry.curator_note:
        extras.append(("Curator's note", no_pings(entry.curator_note)))
    if isinstance(entry, Event):
        extras.append(("When", no_pings(entry.when)))
    fixed = len(title) + len(footer) + len("Source") + len(source)
    fixed += sum(len(name) for name, _ in extras)
    text_room = min(EMBED_DESCRIPTION_LIMIT, len(description))
    extra_room = max(budget - fixed - text_room, 0)
    # Extras share what is left, but each keeps at least a readable line (the text gives way).
    wanted = [min(len(value), FIELD_VALUE_LIMIT) for _, value in extras]
    floors = [min(want, EXTRA_MIN_CHARS) for want in wanted]
    sizes = _share(wanted, max(extra_room, sum(floors)))
    values = {
        name: truncate(value, size) for (name, value), size in zip(extras, sizes, strict=True)
    }
    used = fixed + sum(len(value) for value in values.values())
    description = truncate(description, min(EMBED_DESCRIPTION_LIMIT, budget - used))
    order = [name for name in ("When", "Curator's note") if name in values]
    fields = [EmbedField(name=name, value=values[name]) for name in order]
    return Embed(
        title=title,
        description=description,
        fields=(*fields, EmbedField(name="Source", value=source)),
        footer=footer,
        colour=_colour(entry),
    )


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


def _did_you_mean(names: list[str], *, markdown: bool = False) -> str:
    if not names:
        return ""
    shown = [f"**{name}**" if markdown else name for name in names]
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"
    return f"Did you mean {listed}?" + (" Pick one below." if markdown else "")
