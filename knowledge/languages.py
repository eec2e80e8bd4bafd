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

import re
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


_ROMANISED_MARKERS = frozenset(
    [
        "kto",
        "chto",
        "cho",
        "chyo",
        "shto",
        "pochemu",
        "pochemy",
        "kogda",
        "gde",
        "skolko",
        "zachem",
        "kakie",
        "kakoy",
        "kakaya",
        "kakim",
        "rossiya",
        "rossii",
        "rossiyu",
        "rossiey",
        "rossiyskiy",
        "rossiyskie",
        "yaponiya",
        "yaponii",
        "yaponiyu",
        "yaponiey",
        "yaponcev",
        "yaponcy",
        "yaponskie",
        "yaponskiy",
        "kurily",
        "kurilah",
        "kurilakh",
        "kurilam",
        "kurilskie",
        "peregovory",
        "peregovorov",
        "peregovorah",
        "sanktsii",
        "sankcii",
        "sanktsiy",
        "sankciy",
        "sankciyami",
        "skazal",
        "skazala",
        "eto",
        "ostrova",
        "ostrovov",
        "sssr",
        "posla",
        "posol",
        "bezviz",
        "ili",
        "tokio",
        "moskva",
        "moskvy",
    ]
)
"""Words of Russian typed in Latin letters ("pochemu rossiya ...") that English never uses."""

ROMANISED_MIN_MARKERS = 2

_TO_CYRILLIC = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("yu", "ю"),
    ("ya", "я"),
    ("yo", "ё"),
    ("ye", "е"),
    ("yy", "ый"),
    ("'", "ь"),
)
_LETTERS = dict(zip("abvgdezijklmnoprstufhcwq", "абвгдезийклмнопрстуфхцвк", strict=True))
_VOWELS = "aeiouy"


def romanised_russian(text: str) -> str | None:
    """Russian typed in Latin letters ("kto premier yaponii i chto on skazal?"), spelled in
    Cyrillic ("кто премиер японии и что он сказал?") for the Russian reader; None when the
    text is not that. Spelling is the common informal one; the reader's character n-grams
    absorb what it gets wrong ("премиер" for "премьер")."""
    if not text.isascii():
        return None
    words = re.findall(r"[a-z']+", text.lower())
    if len(_ROMANISED_MARKERS.intersection(words)) < ROMANISED_MIN_MARKERS:
        return None
    return re.sub(r"[a-z']+", lambda match: _spell(match.group()), text.lower())


def _spell(word: str) -> str:
    """One Latin-spelled Russian word in Cyrillic: digraphs first, then letter by letter; a
    word-initial "e" is "э" ("eto"), "y" is "ы" after a consonant and "й" after a vowel."""
    letters: list[str] = []
    index = 0
    while index < len(word):
        for latin, cyrillic in _TO_CYRILLIC:
            if word.startswith(latin, index):
                letters.append(cyrillic)
                index += len(latin)
                break
        else:
            char = word[index]
            if char == "e" and index == 0:
                letters.append("э")
            elif char == "y":
                after_vowel = index > 0 and word[index - 1] in _VOWELS
                letters.append("й" if after_vowel else "ы")
            elif char == "x":
                letters.append("кс")
            else:
                letters.append(_LETTERS.get(char, char))
            index += 1
    return "".join(letters)
