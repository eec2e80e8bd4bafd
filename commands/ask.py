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
from commands.i18n import N_, NP_, say, say_plural
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
from knowledge.models import Entry, Quote, Sanction
from knowledge.translations import LANGUAGES, view

PREFIX = "ak"
EXAMPLES = N_("“Why were the talks suspended?” or “What sanctions has Japan imposed?”")
GUIDANCE: dict[str, str | tuple[str, str]] = {
    "empty": N_(
        "Ask me anything about the Russia–Japan dispute over the Kuril Islands, "
        "for example {examples}"
    ),
    "vague": N_(
        "Could you be a little more specific? Ask about the Kuril Islands dispute, "
        "for example {examples}"
    ),
    # A count (the length limit, which the answerer accepts): Russian has three forms.
    "too_long": NP_(
        "That question is too long for me. Please ask in {count} character or fewer, "
        "for example {examples}",
        "That question is too long for me. Please ask in {count} characters or fewer, "
        "for example {examples}",
    ),
    "not_english": N_(
        "Sorry, I can only read questions in English, Japanese (日本語) or Russian (русский), "
        "one language at a time. Try, for example, {examples}"
    ),
}
GUIDANCE_TITLE = N_("Ask about the Kuril Islands dispute")
DONT_KNOW = N_(
    "I don't know that: nothing in my sources answers it, and I would rather say so than guess."
)
MORE = N_("You can also browse with /timeline, /sanctions and /quote.")
NOTE = N_("Curator's note")
TRANSLATION = N_("Curators' translation")
NOT_IN_SOURCES = {
    1: N_("The other part of your question is not in my sources, so I have left it unanswered."),
    2: N_(
        "The other parts of your question are not in my sources, so I have left them unanswered."
    ),
}
EXTRA_MIN_CHARS = 120  # the least a shortened "When" or curator's note keeps
STALE = N_("That suggestion is no longer available. Please ask your question again.")
_SUGGESTION_ID = re.compile(r"^ak:([0-9]{1,20}):([a-z0-9-]{1,60})(?::(ja|ru))?$")


def reply_language(answer: Answer, chosen: str | None = None) -> str:
    """The language a reply is in: `chosen` by hand (`ask --lang`), else the question's own,
    else English (a question in a language the bot cannot read gets English guidance)."""
    if chosen in LANGUAGES:
        return chosen
    return answer.language or "en"


def answer_text(kb: KnowledgeBase, entry: Entry, language: str = "en") -> str:
    """The plain body of an answer from one entry, as a user reads it (source added by callers).
    In Japanese or Russian the entry's words are the curators' translation (and say so); a
    quotation stays the speaker's English words."""
    shown = view(kb, entry, language)
    lines: list[str]
    if isinstance(entry, Quote):
        said = say(
            language,
            "{name} ({role}) said: “{text}”",
            name=shown.speaker,
            role=shown.role,
            text=shown.text,
        )
        lines = [said, labelled(language, say(language, "Context"), str(shown.context))]
    elif shown.when:
        lines = [shown.text, labelled(language, say(language, "When"), shown.when)]
    else:
        lines = [shown.text]
    if shown.curator_note:
        lines.append(labelled(language, say(language, NOTE), shown.curator_note))
    if shown.translated:
        marked = say(language, TRANSLATION)
        lines.append(f"（{marked}）" if language == "ja" else f"({marked})")
    return "\n".join(lines)


def labelled(language: str, label: str, value: str) -> str:
    """`label: value`, with Japanese's full-width colon in Japanese."""
    return f"{label}：{value}" if language == "ja" else f"{label}: {value}"


def lead_of(kb: KnowledgeBase, answer: Answer, entry: Entry, language: str = "en") -> str | None:
    """The curated line that settles a yes/no question about `entry`, when one was asked and
    the entry's text does not already say exactly that (it would read twice).

    In Japanese or Russian a quotation always leads with it: the quoted words stay the
    speaker's English, so a reader gets their gist in reported speech, marked with the rest
    of the answer as the curators' translation."""
    if not answer.yes_no and not (language != "en" and isinstance(entry, Quote)):
        return None
    shown = view(kb, entry, language)
    lead = shown.lead
    return None if lead is None or lead.strip() == shown.text.strip() else lead


def answered_entries(kb: KnowledgeBase, answer: Answer) -> list[Entry]:
    return [entry for entry in map(kb.get, answer.entry_ids) if entry is not None]


def unanswered_note(answer: Answer, language: str = "en") -> str | None:
    """Said plainly when only some parts of a question are answered (never echoing them)."""
    if not answer.unanswered_parts:
        return None
    return say(language, NOT_IN_SOURCES[min(answer.unanswered_parts, 2)])


def plain_text(kb: KnowledgeBase, answer: Answer, language: str | None = None) -> str:
    """The whole answer as plain text, exactly what a user reads (every part with its source).
    The source is always the article's English sentence, labelled as the original."""
    language = reply_language(answer, language)
    entries = answered_entries(kb, answer)
    if answer.answered and entries:
        parts = []
        for entry in entries:
            lead = lead_of(kb, answer, entry, language)
            body = answer_text(kb, entry, language)
            title = kb.seed_title(entry.source.seed)  # the article's own title, like its words
            heading = say(language, "Source ({title})", title=title)
            source = labelled(language, heading, entry.source.quote)
            parts.append("\n".join(part for part in (lead, body, source) if part))
        note = unanswered_note(answer, language)
        return no_pings("\n\n".join([*parts, note] if note else parts))
    if answer.reason in GUIDANCE:
        return guidance(answer, language)
    names = suggestion_names(kb, answer, language)
    sentences = (say(language, DONT_KNOW), _did_you_mean(names, language), say(language, MORE))
    return no_pings(" ".join(part for part in sentences if part))


def guidance(answer: Answer, language: str) -> str:
    """The note for input that is not a question it can answer, with example questions."""
    examples = say(language, EXAMPLES)
    wording = GUIDANCE[answer.reason or "empty"]
    if isinstance(wording, tuple):
        return say_plural(language, *wording, MAX_QUESTION_CHARS, examples=examples)
    return say(language, wording, examples=examples)


def suggestion_names(kb: KnowledgeBase, answer: Answer, language: str = "en") -> list[str]:
    return [entry_label(kb, entry, language) for entry in map(kb.get, answer.suggestions) if entry]


def ask_payload(services: Services, question: str, language: str | None = None) -> dict[str, Any]:
    """The `kuril-brief ask --json` object of PRODUCT.md: one source per part answered, and
    `lang`, the language of the answer (the question's, or `language` chosen by hand); sources
    are always the article's verbatim English sentences."""
    kb = services.kb
    answer = services.free_text().answer(question)
    entries = answered_entries(kb, answer) if answer.answered else []
    shown = reply_language(answer, language)
    return {
        "question": question,
        "answered": answer.answered,
        "answer": plain_text(kb, answer, shown),
        "sources": [no_pings(entry.source.quote) for entry in entries],
        "suggestions": [no_pings(name) for name in suggestion_names(kb, answer, shown)],
        "score": float(answer.score),
        "lang": shown,
    }


def ask_reply(services: Services, invocation: Invocation, question: str) -> Reply:
    """A public answer (a part per embed, each with its source), a public "I don't know"
    with "did you mean" buttons, or private guidance for input that is not a question.
    A Japanese or Russian question is answered in its own language."""
    kb = services.kb
    answer = services.free_text().answer(question)
    language = reply_language(answer, invocation.language)
    entries = answered_entries(kb, answer)
    if answer.answered and entries:
        budget = EMBED_TOTAL_LIMIT // len(entries)
        embeds = tuple(
            render_embed(
                kb,
                entry,
                answer.score,
                budget=budget,
                lead=lead_of(kb, answer, entry, language),
                part=(number, len(entries)),
                language=language,
            )
            for number, entry in enumerate(entries, 1)
        )
        return Reply(content=unanswered_note(answer, language), embeds=embeds)
    if answer.reason in GUIDANCE:
        # Not a question it can answer: guidance in the asker's own language.
        spoken = invocation.ui_language
        return Reply.notice(guidance(answer, spoken), title=say(spoken, GUIDANCE_TITLE))
    names = suggestion_names(kb, answer, language)
    description = "\n\n".join(
        part
        for part in (
            say(language, DONT_KNOW),
            _did_you_mean(names, language, markdown=True),
            say(language, MORE),
        )
        if part
    )
    suffix = f":{language}" if language != "en" else ""
    buttons = tuple(
        Button(
            label=truncate(no_pings(entry_label(kb, entry, language)), BUTTON_LABEL_LIMIT),
            custom_id=f"{PREFIX}:{invocation.user_id}:{entry.id}{suffix}",
            style="primary",
        )
        for entry in map(kb.get, answer.suggestions)
        if entry is not None
    )
    return Reply(
        embeds=(
            Embed(
                title=say(language, "I don't know that one"),
                description=no_pings(description),
                colour=COLOUR_NOTICE,
            ),
        ),
        buttons=(buttons,) if buttons else (),
    )


def suggestion_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    """A "did you mean" press (by the asker: `commands.registry.stranger_refusal`): answer the
    chosen entry in the language the question was asked in (it travels in the button's id)."""
    match = _SUGGESTION_ID.match(custom_id)
    entry = services.kb.get(match.group(2)) if match else None
    spoken = invocation.ui_language
    if match is None or entry is None:
        return Reply.notice(say(spoken, STALE))
    return render_answer(services.kb, entry, None, match.group(3) or "en")


def render_answer(
    kb: KnowledgeBase, entry: Entry, score: float | None, language: str = "en"
) -> Reply:
    """One entry as a reply of one embed (a chosen suggestion has no match score)."""
    return Reply(embeds=(render_embed(kb, entry, score, language=language),))


def render_embed(
    kb: KnowledgeBase,
    entry: Entry,
    score: float | None,
    *,
    budget: int = EMBED_TOTAL_LIMIT,
    lead: str | None = None,
    part: tuple[int, int] = (1, 1),
    language: str = "en",
) -> Embed:
    """One answer as an embed within `budget` characters, whatever the entry's lengths.

    The entry's text and its verbatim source are kept whole where the budget allows; when
    everything cannot fit, the curator's note and the "When" line give way first, then the
    text, then the source. Anything shortened is cut at a word, with a visible ellipsis.
    In Japanese or Russian, the entry's words are the curators' translation (the footer says
    so) and the source is the article's English sentence, headed as the original.
    """
    shown = view(kb, entry, language)
    if isinstance(entry, Quote):
        description = f"“{shown.text}”\n\n*{say(language, 'Context')}:* {shown.context}"
    else:
        description = shown.text
    if lead:
        description = f"**{lead}**\n{description}"
    description = no_pings(description)
    title = truncate(no_pings(shown.heading), min(EMBED_TITLE_LIMIT, budget // 8))
    number, parts = part
    notes = []
    if parts > 1:
        notes.append(say(language, "Part {number} of {parts}", number=number, parts=parts))
    if score is not None:
        notes.append(say(language, "Match confidence {score}", score=f"{score:.0%}"))
    if shown.translated:
        notes.append(say(language, TRANSLATION))
    notes.append(say(language, "knowledge base {version}", version=kb.version))
    footer = " · ".join(notes)
    citation = f"\n— *{truncate(no_pings(kb.seed_title(entry.source.seed)), 200)}*"
    source_room = min(FIELD_VALUE_LIMIT, budget // 3) - len(citation)
    source = truncate(no_pings(source_quote(entry, source_room)), source_room) + citation
    source_name = say(language, "Source")
    extras: list[tuple[str, str]] = []  # these give way before the text and the source
    if shown.curator_note:
        extras.append((say(language, NOTE), no_pings(shown.curator_note)))
    if shown.when:
        extras.append((say(language, "When"), no_pings(shown.when)))
    fixed = len(title) + len(footer) + len(source_name) + len(source)
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
    order = [say(language, name) for name in ("When", NOTE) if say(language, name) in values]
    fields = [EmbedField(name=name, value=values[name]) for name in order]
    return Embed(
        title=title,
        description=description,
        fields=(*fields, EmbedField(name=source_name, value=source)),
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


def _colour(entry: Entry) -> int:
    if isinstance(entry, Sanction):
        return COLOUR_JAPAN if entry.side == "japan" else COLOUR_RUSSIA
    return COLOUR_INFO


def _did_you_mean(names: list[str], language: str = "en", *, markdown: bool = False) -> str:
    if not names:
        return ""
    shown = [f"**{name}**" if markdown else name for name in names]
    listed = shown[0]
    if len(shown) > 1:
        first = "、".join(shown[:-1]) if language == "ja" else ", ".join(shown[:-1])
        listed = say(language, "{first} or {last}", first=first, last=shown[-1])
    sentence = say(language, "Did you mean {names}?", names=listed)
    return sentence + (" " + say(language, "Pick one below.") if markdown else "")
