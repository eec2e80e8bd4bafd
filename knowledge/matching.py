"""The language side of free-text matching: words, stems, synonyms and question cues.

The code here is about English, not about the dispute: which words carry no meaning
(stopwords), which words ask for a kind of answer (cues), and common chat shorthand. The
dispute's own vocabulary is data: which words mean the same thing in questions about it
(synonym families, `knowledge/data/synonyms.toml`, read into a `Vocabulary` here), what it
calls things (USSR, the Kremlin, the Kurils: the knowledge base's aliases), and curated sample
questions (the entries' `match_phrases`); see `knowledge.answerer`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

from knowledge.problems import Problem
from knowledge.text import normalise


class Cue(StrEnum):
    """What kind of answer a question asks for, read from its wording."""

    WHEN = "when"
    COUNT = "count"
    SAID = "said"
    WHO = "who"
    WHY = "why"
    WHERE = "where"


STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "about",
        "into",
        "onto",
        "over",
        "under",
        "and",
        "or",
        "but",
        "if",
        "then",
        "so",
        "than",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "am",
        "do",
        "does",
        "did",
        "doing",
        "done",
        "have",
        "has",
        "had",
        "having",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
        "i",
        "me",
        "my",
        "mine",
        "we",
        "our",
        "us",
        "you",
        "your",
        "yours",
        "he",
        "him",
        "his",
        "she",
        "her",
        "it",
        "its",
        "they",
        "them",
        "their",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "whats",
        "whos",
        "wheres",
        "hows",
        "whens",
        "whys",
        "any",
        "some",
        "all",
        "each",
        "every",
        "both",
        "either",
        "neither",
        "no",
        "not",
        "nor",
        "yes",
        "still",
        "just",
        "only",
        "also",
        "too",
        "very",
        "really",
        "actually",
        "exactly",
        "currently",
        "ever",
        "again",
        "already",
        "yet",
        "now",
        "today",
        "please",
        "tell",
        "explain",
        "know",
        "knew",
        "known",
        "want",
        "wanted",
        "need",
        "like",
        "give",
        "show",
        "let",
        "lets",
        "get",
        "gets",
        "got",
        "getting",
        "take",
        "takes",
        "took",
        "taken",
        "taking",
        "make",
        "makes",
        "made",
        "go",
        "goes",
        "going",
        "went",
        "gone",
        "happen",
        "happens",
        "happened",
        "happening",
        "thing",
        "things",
        "stuff",
        "anything",
        "something",
        "everything",
        "info",
        "information",
        "detail",
        "details",
        "more",
        "most",
        "kind",
        "sort",
        "according",
        "regarding",
        "concerning",
        "around",
        "between",
        "other",
        "others",
        "another",
        "same",
        "else",
        "okay",
        "ok",
        "well",
        "anyway",
        "hey",
        "hi",
        "hello",
        "bot",
        "s",
        "t",
        "d",
        "ll",
        "re",
        "ve",
        "m",
        "put",
        "puts",
        "putting",
        "impose",
        "imposed",
        "imposes",
        "imposing",
        "place",
        "placed",
        "apply",
        "applied",
        "use",
        "used",
        "exact",
        "exactly",
        "specific",
        "specifically",
        "precisely",
        "basically",
        "up",
        "down",
        "out",
        "off",
        "back",
        "history",
        "background",
        "overview",
        "summary",
        "story",
        "situation",
        "latest",
        "news",
        "update",
    ]
)

# Words that ask for a kind of answer rather than name a subject: used as cues, not content.
CUE_WORDS: dict[str, Cue] = {
    **dict.fromkeys(
        [
            "say",
            "says",
            "said",
            "saying",
            "quote",
            "quoted",
            "quotes",
            "statement",
            "statements",
            "comment",
            "comments",
            "remark",
            "remarks",
            "describe",
            "described",
            "describes",
            "call",
            "called",
            "react",
            "reacted",
            "reaction",
            "reactions",
            "think",
            "thinks",
            "thought",
            "feel",
            "feels",
            "opinion",
            "view",
            "views",
            "position",
            "positions",
        ],
        Cue.SAID,
    ),
    **dict.fromkeys(["year", "years", "date", "dates", "since", "long"], Cue.WHEN),
    **dict.fromkeys(["many", "much", "number"], Cue.COUNT),
    **dict.fromkeys(
        [
            "because",
            "cause",
            "caused",
            "causes",
            "reason",
            "reasons",
            "motive",
            "prompt",
            "prompted",
            "motivated",
            "led",
        ],
        Cue.WHY,
    ),
}

# "Which country/side ..." asks who: the word names the kind of answer, not a subject.
PARTY_WORDS = frozenset(["country", "countries", "side", "sides", "nation", "nations"])

# Chat shorthand and abbreviations, expanded before anything else.
SHORTHAND: dict[str, str] = {
    "abt": "about",
    "u": "you",
    "ur": "your",
    "r": "are",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "y": "why",
    "pls": "please",
    "plz": "please",
    "pm": "prime minister",
    "thx": "thanks",
    "govt": "government",
    "gov": "government",
}

_WORD = re.compile(r"[a-z0-9]+|[^\W\d_]+")
_SUFFIXES = (
    ("ibility", ""),
    ("ability", ""),
    ("ations", ""),
    ("ation", ""),
    ("ically", "ic"),
    ("ingly", ""),
    ("ities", ""),
    ("ity", ""),
    ("ible", ""),
    ("able", ""),
    ("ness", ""),
    ("ment", ""),
    ("ful", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("sses", "ss"),
    ("ing", ""),
    ("ed", ""),
    ("ly", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A light, predictable suffix stripper (applied identically to questions and entries)."""
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "xes", "sses", "zes")):
                return word[:-1]
            word = word[: -len(suffix)] + replacement
            break
    if len(word) > 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # stopp -> stop, summonn
    return word


def words(text: str) -> list[str]:
    """Normalised words of `text`, with chat shorthand expanded."""
    out: list[str] = []
    for word in _WORD.findall(normalise(text)):
        expansion = SHORTHAND.get(word)
        out.extend(expansion.split() if expansion else (word,))
    return out


def is_content(word: str) -> bool:
    return word not in STOPWORDS and word not in CUE_WORDS


def read_cues(tokens: list[str]) -> frozenset[Cue]:
    """The cues of a question, from its (typo-corrected) words."""
    cues: set[Cue] = set()
    first = tokens[0] if tokens else ""
    joined = " ".join(tokens)
    if first in ("when", "whens") or "what year" in joined or "which year" in joined:
        cues.add(Cue.WHEN)
    if "how long" in joined or "since when" in joined or "what date" in joined:
        cues.add(Cue.WHEN)
    if "how many" in joined or "how much" in joined or "number" in tokens:
        cues.add(Cue.COUNT)
    if first in ("why", "whys") or "what reason" in joined or "how come" in joined:
        cues.add(Cue.WHY)
    if first == "what" and len(tokens) > 1 and tokens[1] in ("made", "makes", "drove", "led"):
        cues.add(Cue.WHY)
    if first in ("where", "wheres"):
        cues.add(Cue.WHERE)
    for token in tokens:
        cue = CUE_WORDS.get(token)
        if cue is Cue.SAID or cue is Cue.WHY:
            cues.add(cue)
    if first in ("who", "whos", "whose", "whom") and Cue.SAID not in cues:
        cues.add(Cue.WHO)
    if Cue.SAID not in cues and any(
        word == "which" and following in PARTY_WORDS for word, following in pairwise(tokens)
    ):
        cues.add(Cue.WHO)
    return frozenset(cues)


VOCABULARY_FILE = "synonyms.toml"
_VOCABULARY_KEYS = frozenset({"suggestions", "reasons", "family"})
_TOPIC_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Vocabulary:
    """The dispute's synonym families and answerer settings, from `synonyms.toml`.

    `term` folds a word into its family; `merge` reads a family's multi-word phrases ("call
    off") as one word, the family's first, before anything else looks at the words.
    """

    families: tuple[tuple[str, ...], ...] = ()
    reasons: frozenset[str] = frozenset()
    suggestions: tuple[str, ...] = ()
    _synonyms: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _phrases: dict[str, list[tuple[tuple[str, ...], str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for family in self.families:
            head = family[0]
            for entry in family:
                sequence = words(entry)
                if len(sequence) == 1:
                    self._synonyms.setdefault(sequence[0], head)
                    self._synonyms.setdefault(stem(sequence[0]), head)
                elif sequence:
                    key = tuple(stem(word) for word in sequence)
                    self._phrases.setdefault(key[0], []).append((key, head))
        for candidates in self._phrases.values():
            candidates.sort(key=lambda item: -len(item[0]))

    @property
    def words(self) -> frozenset[str]:
        """Every single word the families know (for spelling correction)."""
        return frozenset(self._synonyms)

    def term(self, word: str) -> str:
        """The matching term of a word: its stem, folded into its synonym family."""
        if word in self._synonyms:
            return self._synonyms[word]
        stemmed = stem(word)
        return self._synonyms.get(stemmed, stemmed)

    def merge(self, sequence: list[str]) -> list[str]:
        """`sequence` with each multi-word synonym ("broke off") replaced by its family's word."""
        if not self._phrases:
            return sequence
        stems = [stem(word) for word in sequence]
        out: list[str] = []
        position = 0
        while position < len(sequence):
            for key, head in self._phrases.get(stems[position], ()):
                if tuple(stems[position : position + len(key)]) == key:
                    out.append(head)
                    position += len(key)
                    break
            else:
                out.append(sequence[position])
                position += 1
        return out


def read_vocabulary(
    path: Path, topic_ids: Iterable[str] | None = None
) -> tuple[Vocabulary, list[Problem]]:
    """The vocabulary in `path` and every problem with it (a missing file is an empty one).

    Each family is a list of words or phrases; a word may belong to one family only, and
    `suggestions` must name topics (actors or themes) when `topic_ids` is given.
    """
    name = path.name
    if not path.is_file():
        return Vocabulary(), []
    try:
        document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Vocabulary(), [Problem(name, None, f"not valid TOML: {exc}")]
    problems = [
        Problem(name, None, f"unexpected key {key!r}")
        for key in sorted(set(document) - _VOCABULARY_KEYS)
    ]
    suggestions = _strings(document.get("suggestions", []), name, "suggestions", problems)
    for topic in suggestions:
        if not _TOPIC_ID.match(topic) or (topic_ids is not None and topic not in topic_ids):
            problems.append(Problem(name, None, f"suggestions: unknown topic {topic!r}"))
    reasons = _strings(document.get("reasons", []), name, "reasons", problems)
    families: list[tuple[str, ...]] = []
    owner: dict[str, int] = {}
    rows = document.get("family", [])
    if not isinstance(rows, list):
        rows = []
        problems.append(Problem(name, None, "[[family]] must be an array of tables"))
    for number, row in enumerate(rows, 1):
        where = f"family {number}"
        if not isinstance(row, dict) or set(row) != {"words"}:
            problems.append(Problem(name, where, "a family is a table with one key, `words`"))
            continue
        members = _strings(row["words"], name, f"{where}: words", problems)
        if not members:
            problems.append(Problem(name, where, "a family needs at least one word"))
            continue
        for member in members:
            key = " ".join(words(member))
            if not key or key != member.casefold().strip():
                problems.append(Problem(name, where, f"{member!r} is not in normalised form"))
            elif key in owner and owner[key] != number:
                problems.append(Problem(name, where, f"{member!r} is also in family {owner[key]}"))
            owner.setdefault(key, number)
        families.append(tuple(members))
    vocabulary = Vocabulary(tuple(families), frozenset(reasons), tuple(suggestions))
    return vocabulary, problems


def _strings(value: object, file: str, what: str, problems: list[Problem]) -> list[str]:
    if isinstance(value, list) and all(isinstance(item, str) and item.strip() for item in value):
        return list(value)
    problems.append(Problem(file, None, f"{what} must be a list of non-empty strings"))
    return []
