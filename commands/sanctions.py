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
    pack_blocks,
    page_buttons,
    parse_page_id,
)
from commands.messages import COLOUR_JAPAN, COLOUR_RUSSIA, Embed, Reply
from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.models import Sanction, Side

PREFIX = "sx"
SIDES: tuple[Side, ...] = ("japan", "russia")
HEADINGS: dict[Side, str] = {
    "japan": "Japan's sanctions on Russia",
    "russia": "Russia's countermeasures against Japan",
}
COLOURS: dict[Side, int] = {"japan": COLOUR_JAPAN, "russia": COLOUR_RUSSIA}
MEASURES_PER_PAGE = 12
PAGE_BUDGET = 3800  # all descriptions on a page together, well inside 6,000 per message
SOURCE_ROOM = 1000

BAD_SIDE = "`side` is `japan` or `russia`; leave it empty to see both sides."
STALE = "Those buttons are no longer valid. Run `/sanctions` again for a fresh set."
NOT_YOURS = "Only the person who ran this `/sanctions` can turn its pages."


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
    try:
        parsed = parse_side(side, services.kb)
    except ValueError:
        return Reply.notice(BAD_SIDE, title="Unknown side")
    return render_page(services.kb, invocation.user_id, parsed, 0)


def sanctions_button(services: Services, invocation: Invocation, custom_id: str) -> Reply:
    parsed = parse_page_id(custom_id, PREFIX)
    if parsed is None:
        return Reply.notice(STALE)
    owner, page, state = parsed
    side = next((each for each in SIDES if each == state), None)
    if state is not None and side is None:
        return Reply.notice(STALE)
    if owner != invocation.user_id:
        return Reply.notice(NOT_YOURS)
    return render_page(services.kb, owner, side, page)


def measures(kb: KnowledgeBase, side: Side | None) -> tuple[Sanction, ...]:
    """Japan's measures then Russia's (or one side's), in knowledge-base order."""
    return tuple(sanction for each in _sides(side) for sanction in kb.sanctions_by(each))


def pages_for(kb: KnowledgeBase, side: Side | None) -> list[list[tuple[Side, str]]]:
    """Pages of `(side, block)`; a block is the measures sharing one source, then that source."""
    pages: list[list[tuple[Side, str]]] = []
    current: list[tuple[Side, str]] = []
    size = 0
    count = 0
    for block_side, group in _groups(kb, side):
        block = _block(kb, group)
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


def render_page(kb: KnowledgeBase, user_id: int, side: Side | None, page: int) -> Reply:
    pages = pages_for(kb, side)
    if not pages:
        who = f"{side.title()} has" if side else "Neither side has"
        return Reply.notice(f"{who} no measures in the knowledge base yet.")
    if not 0 <= page < len(pages):
        return Reply.notice(
            f"There are {len(pages)} pages of measures; there is no page {page + 1}. "
            "Run `/sanctions` again to start from the first."
        )
    footer = "Each group of measures is followed by the source sentence it rests on."
    if side is None:
        footer += " Use side:japan or side:russia for one side."
    if len(pages) > 1:
        footer = f"Page {page + 1} of {len(pages)} · {footer}"
    earlier = {each for entry in pages[:page] for each, _ in entry}
    runs = [(each, [text for _, text in run]) for each, run in groupby(pages[page], _side_of)]
    embeds = tuple(
        Embed(
            title=HEADINGS[each] + (" (continued)" if each in earlier else ""),
            description=BLOCK_SEPARATOR.join(texts),
            colour=COLOURS[each],
            footer=footer if number == len(runs) - 1 else None,
        )
        for number, (each, texts) in enumerate(runs)
    )
    buttons = page_buttons(PREFIX, user_id, page, len(pages), side)
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


def _block(kb: KnowledgeBase, group: list[Sanction]) -> str:
    lines = []
    for sanction in group:
        lines.append(f"• **{sanction.measure}**: {sanction.text}")
        note = curator_note(sanction)
        if note:
            lines.append(f"*{note}*")
    lines.append(cited(kb, group[0], SOURCE_ROOM))
    return "\n".join(lines)
