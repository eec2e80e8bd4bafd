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

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
CATALOGUED = ("ja", "ru")
KEYWORDS = {"say": (2,), "say_plural": (2, 3), "N_": None, "NP_": (1, 2)}
"""For Babel's extractor: `say`'s second argument, `say_plural`'s second and third (singular
and plural), `N_`'s only one and `NP_`'s two (singular and plural), are message ids."""


def N_(message: str) -> str:
    """Marks `message` for the catalogue where it is defined; `say` translates it where used."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Marks a singular and plural pair for the catalogue; `say_plural` translates it."""
    return singular, plural


@dataclass(frozen=True)
class Catalogue:
    """One language's translated messages: plain ones, plural ones (all forms), and the
    `.po` header's plural rule (which form a count takes)."""

    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]]
    plural_form: Callable[[int], int]


@lru_cache(maxsize=len(CATALOGUED))
def catalogue(language: str) -> Catalogue:
    """`language`'s `.po` file, fuzzy and untranslated messages left out."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as file:
        read = read_po(file, locale=language)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in read:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(str(form) for form in message.string or ())
            if forms and all(forms):
                plurals[str(message.id[0])] = forms
        elif message.string:
            messages[str(message.id)] = str(message.string)
    return Catalogue(messages, plurals, gettext.c2py(read.plural_expr))


def say(language: str | None, message: str, **values: object) -> str:
    """`message` in `language`, with `values` filled in (English when it has no translation)."""
    wording = message
    if language in CATALOGUED:
        wording = catalogue(language).messages.get(message, message)
    return wording.format(**values) if values else wording


def say_plural(
    language: str | None, singular: str, plural: str, count: int, **values: object
) -> str:
    """The form of `singular`/`plural` that `count` takes in `language` (Russian has three),
    with `count` and `values` filled in."""
    wording = singular if count == 1 else plural
    if language in CATALOGUED:
        found = catalogue(language)
        forms = found.plurals.get(singular)
        if forms:
            wording = forms[min(found.plural_form(count), len(forms) - 1)]
    return wording.format(count=count, **values)


def language_of(locale: str | None) -> str:
    """A Discord locale (`ja`, `ru`, `en-US`, `pt-BR`...) as a language the bot speaks."""
    base = (locale or "").split("-")[0].lower()
    return base if base in CATALOGUED else "en"
