"""The bot's own words in Japanese and Russian: gettext `.po` catalogues, read with Babel.

Handlers write English and mark it: `say(language, "Did you mean {names}?", names=...)` looks
the English up in `commands/locale/<language>/LC_MESSAGES/messages.po` and fills the
placeholders; a wording marked with `N_` (a constant used later) is found the same way.
`pybabel extract -k say:2 -k N_ commands` lists every marked wording; the tests extract them
the same way and fail when a catalogue lacks one, or a translation loses a placeholder.
English, a language without a catalogue, or a wording without a translation gives the English,
so a reply is never empty. (The entries' own words are the curators' translations in
`knowledge.translations`, not messages.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
CATALOGUED = ("ja", "ru")
KEYWORDS = {"say": (2,), "N_": None}
"""For Babel's extractor: `say`'s second argument, and `N_`'s only one, are message ids."""


def N_(message: str) -> str:
    """Marks `message` for the catalogue where it is defined; `say` translates it where used."""
    return message


@lru_cache(maxsize=len(CATALOGUED))
def catalogue(language: str) -> dict[str, str]:
    """The translated messages of `language`'s `.po` file (fuzzy or empty ones left out)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        messages = read_po(file, locale=language)
    return {
        str(message.id): str(message.string)
        for message in messages
        if message.id and message.string and not message.fuzzy
    }


def say(language: str | None, message: str, **values: object) -> str:
    """`message` in `language`, with `values` filled in (English when it has no translation)."""
    wording = catalogue(language).get(message, message) if language in CATALOGUED else message
    return wording.format(**values) if values else wording


def language_of(locale: str | None) -> str:
    """A Discord locale (`ja`, `ru`, `en-US`, `pt-BR`...) as a language the bot speaks."""
    base = (locale or "").split("-")[0].lower()
    return base if base in CATALOGUED else "en"
