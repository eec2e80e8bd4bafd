"""Text normalisation shared by every fuzzy lookup, so users' spellings meet the data's halfway.

Lower-case, Unicode-folded (accents and combining marks dropped, curly quotes straightened),
possessives removed, punctuation turned to spaces, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_POSSESSIVE = re.compile(r"(\w)'s\b")
_NON_WORD = re.compile(r"[^\w]+")
_KANJI, _HIRAGANA, _KATAKANA = "\u4e00-\u9fff\u3400-\u4dbf々", "\u3040-\u309f", "\u30a0-\u30ff"
# Where Japanese changes script (kanji, hiragana, katakana) a word or particle usually ends:
# "交渉を停止した" reads as "交渉 を 停止 した" with no dictionary or segmenter.
_SCRIPT_CHANGE = re.compile(
    rf"(?<=[{_KANJI}])(?=[{_HIRAGANA}{_KATAKANA}])"
    rf"|(?<=[{_HIRAGANA}])(?=[{_KANJI}{_KATAKANA}])"
    rf"|(?<=[{_KATAKANA}])(?=[{_KANJI}{_HIRAGANA}])"
)


@lru_cache(maxsize=1 << 14)
def normalise(text: str) -> str:
    """The matching form of `text`: `"Japan’s PM!"` becomes `"japan pm"`.

    Accents are folded away, but not the marks that make a different letter in Japanese kana
    (ガ is not カ) or Russian (й is not и); ё folds to е, as Russian writers mostly do.

    Cached: loading the knowledge base normalises each of its 8,000 distinct questions about
    three times (filing, detail kinds, abuse patterns), and a question is normalised again by
    each step of answering it. The cache holds more than the knowledge base's questions, so
    loading it again (`kb check`, a changed copy in a test) finds them all.
    """
    text = text.translate(_QUOTES)
    if not text.isascii():  # ASCII has nothing to decompose or drop
        text = unicodedata.normalize("NFKD", text)
        kept: list[str] = []
        for char in text:
            if not unicodedata.combining(char) or (kept and _keeps_mark(kept[-1], char)):
                kept.append(char)
        text = unicodedata.normalize("NFC", "".join(kept))
    text = _POSSESSIVE.sub(r"\1", text.casefold())
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    text = _SCRIPT_CHANGE.sub(" ", text)
    return " ".join(text.split())


_KANA_MARKS = frozenset("\u3099\u309a")  # (han)dakuten
_BREVE = "\u0306"


def _keeps_mark(base: str, mark: str) -> bool:
    if mark in _KANA_MARKS:
        return "\u3040" <= base <= "\u30ff"
    return mark == _BREVE and base in "иИ"
