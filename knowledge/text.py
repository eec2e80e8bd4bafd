"""Text normalisation shared by every fuzzy lookup, so users' spellings meet the data's halfway.

Lower-case, Unicode-folded (accents and combining marks dropped, curly quotes straightened),
possessives removed, punctuation turned to spaces, whitespace collapsed.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
_POSSESSIVE = re.compile(r"(\w)'s\b")
_NON_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """The matching form of `text`: `"Japan’s PM!"` becomes `"japan pm"`."""
    text = text.translate(_QUOTES)
    if not text.isascii():  # ASCII has nothing to decompose or drop
        text = unicodedata.normalize("NFKD", text)
        text = "".join(char for char in text if not unicodedata.combining(char))
    text = _POSSESSIVE.sub(r"\1", text.casefold())
    text = _NON_WORD.sub(" ", text.replace("_", " "))
    return " ".join(text.split())
