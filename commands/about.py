"""`/about`: what the bot knows, where it comes from, and how it finds answers."""

from __future__ import annotations

from commands.context import Services
from commands.messages import FIELD_VALUE_LIMIT, Embed, EmbedField, Reply, truncate

_KIND_LABELS = {
    "event": "events",
    "sanction": "sanctions and countermeasures",
    "quote": "verbatim quotes",
    "actor": "people, bodies and places",
    "fact": "background facts",
}

HOW_ANSWERS_ARE_FOUND = (
    "Every answer comes from a curated knowledge base. Each entry quotes, word for word, the "
    "sentence of a source article it rests on, and answers show that source. Free-text "
    "questions go to a small model trained on curated example questions for every entry and "
    "on questions the bot must decline; it tolerates typos, chat style and other wordings. "
    "When no entry fits confidently, the bot says it does not know rather than guess. "
    "Anything a curator added that the article does not say is labelled a curator's note."
)


def about(services: Services) -> Reply:
    kb = services.kb
    counts = kb.counts()
    known = "\n".join(
        f"• {counts.get(kind, 0)} {label}"  # type: ignore[call-overload]
        for kind, label in _KIND_LABELS.items()
    )
    sources = fit_lines(
        [
            f"• **{seed.title}** ({len(seed.sentences)} sentences). {seed.provenance}"
            for seed in kb.seeds.values()
        ],
        FIELD_VALUE_LIMIT,
    )
    embed = Embed(
        title="About Kuril Brief",
        description=(
            "Briefings on the Russia–Japan dispute over the Kuril Islands, "
            "from a curated, sourced knowledge base."
        ),
        fields=(
            EmbedField(name=f"What I know ({len(kb.entries)} entries)", value=known),
            EmbedField(name="Sources", value=sources),
            EmbedField(name="How answers are found", value=HOW_ANSWERS_ARE_FOUND),
        ),
        footer=f"Knowledge base version {kb.version}",
    )
    return Reply(embeds=(embed,))


def fit_lines(lines: list[str], limit: int) -> str:
    """As many whole lines as fit, then "…and N more", so a long list never cuts a line."""
    shown: list[str] = []
    for number, line in enumerate(lines):
        rest = len(lines) - number - 1
        more = f"\n…and {rest} more" if rest else ""
        candidate = "\n".join([*shown, truncate(line, limit)])
        if len(candidate) + len(more) > limit:
            return "\n".join([*shown, f"…and {len(lines) - number} more"])
        shown.append(truncate(line, limit))
    return "\n".join(shown)
