"""Which kind of detail a question asks for: a count, a date, a person's name, an amount...

A question can be about an entry and still ask something the entry does not say: "Which seven
banks did Japan sanction?" is about the banks, but the article gives their number, not their
names. The model (`knowledge.question_model`) learns what a question is about; this reader says
what it asks for, so the answerer can decline, offering the entry as "did you mean", when the
entry does not state that kind of detail. Both halves are curated data:

* `knowledge/data/details/<language>.toml`: a table per kind of detail, whose `asked_by` are
  regular expressions over the question's normalised form (`knowledge.text.normalise`);
  a language without a file asks for no particular kind (its questions are never declined
  this way);
* beside each entry's training questions, `states = [...]`: the kinds of detail it states.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from knowledge.problems import Problem, read_optional_toml
from knowledge.text import normalise

DETAILS_DIR = "details"
ABUSE_DIR = "abuse"
"""Patterns of abuse per language (`abuse/<language>.toml`, the same layout: a table per kind
of abuse, its `asked_by` patterns): a question matching one is declined before the model reads
it, so hateful generalisations, insults and slurs never get an answer however they are worded
around a topic the article covers."""
KINDS_LANGUAGE = "en"
"""The language whose file names every kind; the others may read only some of them."""


@dataclass(frozen=True)
class DetailReader:
    """The patterns that ask for each kind of detail, in one language."""

    patterns: Mapping[str, re.Pattern[str]] = field(default_factory=lambda: MappingProxyType({}))
    """Per kind, its `asked_by` patterns as one alternation (one search per kind)."""

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(self.patterns)

    def asked(self, text: str) -> frozenset[str]:
        """The kinds of detail `text` asks for (none, for most questions)."""
        folded = normalise(text)
        return frozenset(kind for kind, pattern in self.patterns.items() if pattern.search(folded))


def read_details(
    data_dir: Path, language: str = KINDS_LANGUAGE, folder: str = DETAILS_DIR
) -> tuple[DetailReader, list[Problem]]:
    """`data_dir/<folder>/<language>.toml` (`details/` by default, or `ABUSE_DIR`), validated:
    a table per kind, each with a list of regular expressions in `asked_by`. No file, no
    kinds."""
    name = f"{folder}/{language}.toml"
    document, problems = read_optional_toml(data_dir / name, name)
    patterns: dict[str, re.Pattern[str]] = {}
    for kind, table in document.items():
        asked_by = table.get("asked_by") if isinstance(table, dict) else None
        if not isinstance(asked_by, list) or not all(
            isinstance(pattern, str) and pattern for pattern in asked_by
        ):
            problems.append(Problem(name, kind, "asked_by must be a list of regular expressions"))
            continue
        valid: list[str] = []
        for pattern in asked_by:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(
                    Problem(name, kind, f"{pattern!r} is not a regular expression: {exc}")
                )
            else:
                valid.append(f"(?:{pattern})")
        if valid:
            patterns[kind] = re.compile("|".join(valid))
    return DetailReader(MappingProxyType(patterns)), problems
