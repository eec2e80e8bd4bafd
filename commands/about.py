"""`/about`: what the bot knows, where it comes from, and how it finds answers."""

from __future__ import annotations

from commands.context import Invocation, Services
from commands.i18n import N_, NP_, say, say_plural
from commands.messages import FIELD_VALUE_LIMIT, Embed, EmbedField, Reply, truncate
from knowledge.models import EntryKind

_KIND_LABELS: dict[EntryKind, tuple[str, str]] = {
    "event": NP_("{count} event", "{count} events"),
    "sanction": NP_("{count} sanction or countermeasure", "{count} sanctions and countermeasures"),
    "quote": NP_("{count} verbatim quote", "{count} verbatim quotes"),
    "actor": NP_("{count} person, body or place", "{count} people, bodies and places"),
    "fact": NP_("{count} background fact", "{count} background facts"),
}

HOW_ANSWERS_ARE_FOUND = N_(
    "Every answer comes from a curated knowledge base. Each entry quotes, word for word, the "
    "sentence of a source article it rests on, and answers show that source. Free-text "
    "questions go to a small model trained on curated example questions for every entry and "
    "on questions the bot must decline; it tolerates typos, chat style and other wordings. "
    "When no entry fits confidently, the bot says it does not know rather than guess. "
    "Anything a curator added that the article does not say is labelled a curator's note."
)
IN_YOUR_LANGUAGE = N_(
    "Entries in Japanese and Russian are the curators' translations; source sentences are "
    "always shown in the article's own English."
)


def about(services: Services, invocation: Invocation) -> Reply:
    """`/about`, in the invoker's language."""
    language = invocation.ui_language
    kb = services.kb
    counts = kb.counts()
    known = "\n".join(
        "• " + say_plural(language, singular, plural, counts.get(kind, 0))
        for kind, (singular, plural) in _KIND_LABELS.items()
    )
    sources = fit_lines(
        [
            "• "
            + say_plural(
                language,
                "**{title}** ({count} sentence). {provenance}",
                "**{title}** ({count} sentences). {provenance}",
                len(seed.sentences),
                title=seed.title,
                provenance=seed.provenance,
            )
            for seed in kb.seeds.values()
        ],
        FIELD_VALUE_LIMIT,
        language,
    )
    how = say(language, HOW_ANSWERS_ARE_FOUND)
    if language != "en":
        how += " " + say(language, IN_YOUR_LANGUAGE)
    embed = Embed(
        title=say(language, "About Kuril Brief"),
        description=say(
            language,
            "Briefings on the Russia–Japan dispute over the Kuril Islands, "
            "from a curated, sourced knowledge base.",
        ),
        fields=(
            EmbedField(
                name=say_plural(
                    language,
                    "What I know ({count} entry)",
                    "What I know ({count} entries)",
                    len(kb.entries),
                ),
                value=known,
            ),
            EmbedField(name=say(language, "Sources"), value=sources),
            EmbedField(name=say(language, "How answers are found"), value=how),
        ),
        footer=say(language, "Knowledge base version {version}", version=kb.version),
    )
    return Reply(embeds=(embed,))


def fit_lines(lines: list[str], limit: int, language: str = "en") -> str:
    """As many whole lines as fit, then "…and N more", so a long list never cuts a line."""
    shown: list[str] = []
    for number, line in enumerate(lines):
        rest = len(lines) - number - 1
        more = "\n" + say(language, "…and {more} more", more=rest) if rest else ""
        candidate = "\n".join([*shown, truncate(line, limit)])
        if len(candidate) + len(more) > limit:
            left = say(language, "…and {more} more", more=len(lines) - number)
            return "\n".join([*shown, left])
        shown.append(truncate(line, limit))
    return "\n".join(shown)
