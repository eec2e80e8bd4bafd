"""`/sanctions [side]`: Japan's sanctions on Russia and Russia's countermeasures, sourced.

Each side gets an embed in its colour. Measures that rest on the same source sentence are
listed together above that sentence, so a source shows once however many figures it gives.
Should a side ever outgrow one message, the reply pages like the timeline, with buttons whose
custom id is `sx:<user id>:<page>:<side or ->`.
"""

from __future__ import annotations

from itertools import groupby

from commands.context import Invocation, Services
from commands.formatting import (
    BLOCK_SEPARATOR,
    cited,
    curator_note,
    no_such_page,
    pack_blocks,
    page_buttons,
    parse_page_id,
)
from commands.i18n import N_, NP_, say
from commands.messages import COLOUR_JAPAN, COLOUR_RUSSIA, Embed, Reply
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Sanction, Side
from knowledge.translations import view

PREFIX = "sx"
SIDES: tuple[Side, ...] = ("japan", "russia")
HEADINGS: dict[Side, str] = {
    "japan": N_("Japan's sanctions on Russia"),
    "russia": N_("Russia's countermeasures against Japan"),
}
NO_MEASURES: dict[Side | None, str] = {
    "japan": N_("Japan has no measures in the knowledge base yet."),
    "russia": N_("Russia has no measures in the knowledge base yet."),
    None: N_("Neither side has measures in the knowledge base yet."),
}
COLOURS: dict[Side, int] = {"japan": COLOUR_JAPAN, "russia": COLOUR_RUSSIA}
MEASURES_PER_PAGE = 12
PAGE_BUDGET = 3800  # all descriptions on a page together, well inside 6,000 per message
SOURCE_ROOM = 1000

BAD_SIDE = N_("`side` is `japan` or `russia`; leave it empty to see both sides.")
STALE = N_("Those buttons are no longer valid. Run `/sanctions` again for a fresh set.")
NO_SUCH_PAGE = NP_(
    "There is {count} page of measures; there is no page {page}. "
    "Run `/sanctions` again to start from the first.",
    "There are {count} pages of measures; there is no page {page}. "
    "Run `/sanctions` again to start from the first.",
)


def parse_side(value: str | None, kb: KnowledgeBase) -> Side | None:
    """`japan`, `russia`, or `None` (both) for an empty value; `ValueError` for anything else.

    Besides the two values it accepts what names either country ("Japanese", "Moscow").
    """
    if value is None or not value.strip():
        return None
    resolved = names.topics(kb).resolve(value)
    for side in SIDES:
        if value.strip().lower() == side or resolved == side:
            return side
    raise ValueError(BAD_SIDE)


def sanctions(services: Services, invocation: Invocation, side: str | None = None) -> Reply:
    """Both sides' measures, or one side's, page 0; a polite notice for an unknown side."""
    language = invocation.ui_language
    try:
        parsed = parse_side(side, services.kb)
    except ValueError:
        return Reply.notice(say(language, BAD_SIDE), title=say(language, "Unknown side"))
    return render_page(services.kb, invocation.user_id, parsed, 0, language)


def sanctions_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    language = invocation.ui_language
    parsed = parse_page_id(custom_id, PREFIX)
    if parsed is None:
        return Reply.notice(say(language, STALE))
    owner, page, state = parsed
    side: Side | None = next((each for each in SIDES if each == state), None)
    if state is not None and side is None:
        return Reply.notice(say(language, STALE))
    return render_page(services.kb, owner, side, page, language)


def measures(kb: KnowledgeBase, side: Side | None) -> tuple[Sanction, ...]:
    """Japan's measures then Russia's (or one side's), in knowledge-base order."""
    return tuple(sanction for each in _sides(side) for sanction in kb.sanctions_by(each))


def pages_for(
    kb: KnowledgeBase, side: Side | None, language: str = "en"
) -> list[list[tuple[Side, str]]]:
    """Pages of `(side, block)`; a block is the measures sharing one source, then that source."""
    pages: list[list[tuple[Side, str]]] = []
    current: list[tuple[Side, str]] = []
    size = 0
    count = 0
    for block_side, group in _groups(kb, side):
        block = _block(kb, group, language)
        for [part] in pack_blocks([block], PAGE_BUDGET, 1):
            weight = len(group)
            added = len(part) + (len(BLOCK_SEPARATOR) if current else 0)
            if current and (size + added > PAGE_BUDGET or count + weight > MEASURES_PER_PAGE):
                pages.append(current)
                current, size, count = [], 0, 0
                added = len(part)
            current.append((block_side, part))
            size += added
            count += weight
    if current:
        pages.append(current)
    return pages


def render_page(
    kb: KnowledgeBase, user_id: int, side: Side | None, page: int, language: str = "en"
) -> Reply:
    """One page of measures; in Japanese or Russian the curators' translation, marked."""
    pages = pages_for(kb, side, language)
    if not pages:
        return Reply.notice(say(language, NO_MEASURES[side]))
    if not 0 <= page < len(pages):
        return no_such_page(NO_SUCH_PAGE, len(pages), page, language)
    footer = say(language, "Each group of measures is followed by the source sentence it rests on.")
    if side is None:
        footer += " " + say(language, "Use side:japan or side:russia for one side.")
    if language != "en":
        footer += " " + say(language, "Curators' translation") + "."
    if len(pages) > 1:
        footer = (
            f"{say(language, 'Page {page} of {pages}', page=page + 1, pages=len(pages))} · {footer}"
        )
    earlier = {each for entry in pages[:page] for each, _ in entry}
    runs: list[tuple[Side, list[str]]] = [
        (each, [text for _, text in run]) for each, run in groupby(pages[page], _side_of)
    ]
    continued = say(language, " (continued)")
    embeds = tuple(
        Embed(
            title=say(language, HEADINGS[each]) + (continued if each in earlier else ""),
            description=BLOCK_SEPARATOR.join(texts),
            colour=COLOURS[each],
            footer=footer if number == len(runs) - 1 else None,
        )
        for number, (each, texts) in enumerate(runs)
    )
    buttons = page_buttons(PREFIX, user_id, page, len(pages), side, language)
    return Reply(embeds=embeds, buttons=buttons)


def _side_of(pair: tuple[Side, str]) -> Side:
    return pair[0]


def _sides(side: Side | None) -> tuple[Side, ...]:
    return SIDES if side is None else (side,)


def _groups(kb: KnowledgeBase, side: Side | None) -> list[tuple[Side, list[Sanction]]]:
    """Consecutive measures of one side that rest on the same source sentence."""
    groups: list[tuple[Side, list[Sanction]]] = []
    for each in _sides(side):
        for _, run in groupby(kb.sanctions_by(each), key=lambda s: (s.source.seed, s.source.quote)):
            groups.append((each, list(run)))
    return groups


def _block(kb: KnowledgeBase, group: list[Sanction], language: str = "en") -> str:
    lines = []
    for sanction in group:
        shown = view(kb, sanction, language)
        lines.append(f"• **{shown.heading}**: {shown.text}")
        note = curator_note(sanction, kb, language)
        if note:
            lines.append(f"*{note}*")
    lines.append(cited(kb, group[0], SOURCE_ROOM, language))
    return "\n".join(lines)
