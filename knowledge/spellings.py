"""Misspellings of the knowledge base's own words, mended before the model reads a question.

Japanese is typed through an input method, which offers every word of the same reading: 制裁
(sanctions) comes out as 正妻 or 性際, 大使 (ambassador) as 大師, or the user leaves the kana
(くりるしょとう for クリル諸島). Character n-grams cannot see 正妻 as close to 制裁: they share no
character. Taught as training questions, such a typo helps only the phrasing it was taught in;
mended here, it helps every question that uses the word.

`knowledge/data/spellings/<language>.toml` holds a table per word as the knowledge base writes
it, with `variants = [...]`: the wrong conversions and kana spellings to read as that word.
A language without a file mends nothing. The text is first NFKC-normalised, so full-width
letters and digits (７６人) and half-width kana (ﾛｼｱ) meet the variants as written.

A variant must never occur inside a correctly written word: the loader checks that none occurs
in the curators' text of any entry (a kana variant such as たいし would break 対して), and that
no variant is listed for two words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

from knowledge.problems import Problem, read_optional_toml

SPELLINGS_DIR = "spellings"


@dataclass(frozen=True)
class Spellings:
    """Each known misspelling, and the word it stands for, in one language."""

    words: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Variant -> the word as the knowledge base writes it."""

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        if not self.words:
            return None
        # Longest first, so 害務省 is mended whole before a shorter variant inside it.
        variants = sorted(self.words, key=len, reverse=True)
        return re.compile("|".join(map(re.escape, variants)))

    def mend(self, text: str) -> str:
        """`text` with each known misspelling replaced by its word."""
        pattern = self._pattern
        if pattern is None:
            return text
        return pattern.sub(lambda match: self.words[match.group()], _width(text))


def _width(text: str) -> str:
    """Full-width Latin letters and digits as ASCII, half-width kana as full-width (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def read_spellings(
    data_dir: Path, language: str, correct_texts: Iterable[str] = ()
) -> tuple[Spellings, list[Problem]]:
    """`data_dir/spellings/<language>.toml`, validated against `correct_texts` (the curators'
    wording in that language), which no variant may occur in."""
    name = f"{SPELLINGS_DIR}/{language}.toml"
    document, problems = read_optional_toml(data_dir / name, name)
    words: dict[str, str] = {}
    for word, table in document.items():
        variants = table.get("variants") if isinstance(table, dict) else None
        if not isinstance(variants, list) or not all(
            isinstance(variant, str) and variant.strip() for variant in variants
        ):
            problems.append(Problem(name, word, "variants must be a list of non-empty strings"))
            continue
        for variant in variants:
            variant = _width(variant.strip())
            if variant == word:
                problems.append(Problem(name, word, f"{variant!r} is the word itself"))
            elif variant in words and words[variant] != word:
                problems.append(
                    Problem(name, word, f"{variant!r} is also a variant of {words[variant]!r}")
                )
            else:
                words[variant] = word
    texts = [_width(text) for text in correct_texts]
    for variant, word in words.items():
        inside = next((text for text in texts if variant in text), None)
        if inside is not None:
            problems.append(
                Problem(name, word, f"{variant!r} occurs in correct text: {inside[:40]!r}")
            )
    return Spellings(MappingProxyType(words)), problems
