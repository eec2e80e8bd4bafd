"""Which of the bot's languages a question is written in, from its letters' scripts.

English, Japanese and Russian use disjoint scripts, so counting letters per script settles
almost every question without a language model: kana or kanji is Japanese, Cyrillic is
Russian (unless it has letters only Ukrainian, Belarusian or other Cyrillic alphabets use),
Latin is English. A question mostly in Japanese or Russian may carry Latin names and terms
(Kishida, G7, WWII); an English one with a real share of another script, kanji among English
words, or two non-Latin scripts is mixed and gets the polite note, as does any other script
(Chinese, Korean, Arabic...).
"""

from __future__ import annotations

import unicodedata

from knowledge.translations import Language

MIXED_SHARE = 0.25
"""An English question with another script at this share of its letters is mixed."""

FOREIGN_SHARE = 0.3
"""A Japanese or Russian question with a second non-Latin script at this share is mixed."""

HIRAGANA_GRAMMAR = 2
"""Hiragana (particles, endings) this often makes a sentence Japanese, whatever Latin terms
it quotes ("Kishidaのquote教えて")."""

KANJI_WEIGHT = 2
"""A kanji or kana says as much as about two Latin letters."""

_CHINESE = frozenset("为么们这吗说罗谈时对还从问样个东谁哪呢吧该经济发")
"""Simplified characters Japanese does not write: kanji with one of these is Chinese."""

_NOT_RUSSIAN = frozenset("іїєґўђћљњџјѓќѕѐѝ")
_LATIN_WORDS_NOT_ENGLISH = frozenset(
    [
        "est",
        "une",
        "les",
        "des",
        "pourquoi",
        "quand",
        "qui",
        "warum",
        "wann",
        "ist",
        "und",
        "der",
        "das",
        "por",
        "qué",
        "porque",
        "cuando",
        "dónde",
        "donde",
        "perché",
        "quando",
        "che",
    ]
)
"""Frequent words of other Latin-script languages, so a French or Spanish question gets the
note rather than an English answer it did not ask for."""


def detect_language(text: str) -> Language | None:
    """`en`, `ja` or `ru`; None for any other script or a mix. Text without letters is `en`."""
    text = unicodedata.normalize("NFKC", text)
    kana = hiragana = kanji = cyrillic = latin = other = 0
    foreign_cyrillic = False
    for char in text:
        if not char.isalpha():
            continue
        if "\u3040" <= char <= "\u30ff" or "\uff66" <= char <= "\uff9f":
            kana += 1
            hiragana += char <= "\u309f"
        elif "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf" or char == "々":
            kanji += 1
        elif "\u0400" <= char <= "\u04ff":
            cyrillic += 1
            foreign_cyrillic |= char.lower() in _NOT_RUSSIAN
        elif _is_latin(char):
            latin += 1
        else:
            other += 1
    scripts = {
        "ja": (kana + kanji) * KANJI_WEIGHT,
        "ru": cyrillic,
        "en": latin,
        "other": other * KANJI_WEIGHT,
    }
    if not sum(scripts.values()):  # digits or symbols only ("1951"): the English reader judges
        return "en"
    ranked = sorted(scripts, key=scripts.__getitem__, reverse=True)
    first = ranked[0]
    if hiragana >= HIRAGANA_GRAMMAR and first == "en":  # Japanese grammar around Latin terms
        first = "ja"
    if first == "en":
        if scripts[ranked[1]] >= MIXED_SHARE * latin:
            return None
        return None if _LATIN_WORDS_NOT_ENGLISH & set(text.lower().split()) else "en"
    # Written in Japanese or Russian: Latin letters are names and terms (Kishida, G7, WWII),
    # but two non-Latin scripts, or kanji among English words, are a mix.
    foreign = [scripts[name] for name in ("ja", "ru", "other") if name != first]
    if first == "other" or max(foreign) >= FOREIGN_SHARE * scripts[first]:
        return None
    if first == "ja":
        if any(char in _CHINESE for char in text):
            return None
        return "ja" if kana or not latin else None
    return None if foreign_cyrillic else "ru"


def _is_latin(char: str) -> bool:
    if char.isascii():
        return True
    try:
        return unicodedata.name(char).startswith("LATIN")
    except ValueError:
        return False
