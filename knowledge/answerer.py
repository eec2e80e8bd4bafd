"""The free-text answerer: which entries answer a question, or a decline with suggestions.

Built once per `KnowledgeBase` (`answerer_for`), then `Answerer.answer(question)` is a pure,
thread-safe lookup well under a millisecond. It finds entries, never words: how an answer
reads is `commands.ask`'s job.

1. The question is cleaned (Discord mentions, links) and checked: empty, too long or
   without a Latin letter (not English) get a reason instead of an answer.
2. A question that asks two or three things ("when did the talks start and why did they
   stop?") is split at question marks, semicolons and an "and" that starts a new question;
   when every part is answered, each part gets its own entry (see `_read_parts`). When some
   parts are answered and the others are plainly out of scope (the out-of-scope class beats
   every entry), the answered parts are given and `unanswered_parts` says how many are not in
   the sources, rather than declining the whole question.
3. Otherwise the whole question goes to the learned model (`knowledge.question_model`),
   trained on the curated questions. It answers only when its best entry beats the
   out-of-scope class by `MIN_LEAD` and clears `MIN_SCORE`; else it declines, offering up to
   three entries it rated highest as "did you mean", if they are related at all.

The thresholds come from stratified 5-fold cross-validation of the training questions
(`benchmarks/answerer.py --cv`), never from the blind sets.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

from knowledge.base import KnowledgeBase
from knowledge.model_cache import cache_key, load_or_build
from knowledge.models import Actor, Event, Fact, Sanction
from knowledge.question_model import QuestionModel
from knowledge.questions import OUT_OF_SCOPE
from knowledge.text import normalise

MAX_QUESTION_CHARS = 500
MAX_PARTS = 3
SUGGESTIONS = 3

MIN_SCORE = -0.6
"""The least decision value an entry needs to be the answer (the SVM's margin is 0)."""

MIN_LEAD = 0.3
"""How far the best entry must beat the out-of-scope class."""

PART_MIN_SCORE = -0.2
"""A part of a several-part question is held to a higher bar: it is short and out of context."""

SUGGEST_MIN_SCORE = -0.9
SUGGEST_MAX_GAP = 1.4
"""Entries scoring lower, or this far behind the out-of-scope class, are unrelated to the
question: not worth a "did you mean"."""

OUTSIDE_MIN_WORDS = 3
"""A shorter part ("lol", "thank you") is not a question of its own the sources fail to answer."""

FOLLOW_UP_MIN_SCORE = -0.8
FOLLOW_UP_MIN_LEAD = -0.15
"""A follow-up part ("and why did they stop?") may trail the out-of-scope class by this much."""

DeclineReason = Literal["unknown", "empty", "vague", "too_long", "not_english"]

_MENTION = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@(?:everyone|here)\b", re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_LATIN = re.compile(r"[a-z0-9]")
_QUESTION_STARTS = (
    r"why|when|what|whats|who|whom|whose|where|which|how|did|does|do|is|are|was|were|has|have"
    r"|had|can|could|will|would"
)
# Where a question turns into another: "?", ";", or "and"/"also" opening a new question.
_PART_BREAK = re.compile(
    rf"\?+\s*|;\s*|,?\s+(?:and|also|plus|&)\s+(?:also\s+)?(?=(?:{_QUESTION_STARTS})\b)",
    re.IGNORECASE,
)
_YES_NO = frozenset(
    [
        "is",
        "are",
        "was",
        "were",
        "did",
        "does",
        "do",
        "has",
        "have",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "isnt",
        "arent",
        "wasnt",
        "didnt",
        "doesnt",
        "dont",
        "hasnt",
        "havent",
    ]
)
# A question made of nothing but these asks nothing in particular ("what?", "why tho").
_VAGUE = frozenset(
    [
        "what",
        "why",
        "when",
        "who",
        "where",
        "which",
        "how",
        "whats",
        "is",
        "are",
        "was",
        "were",
        "it",
        "that",
        "this",
        "so",
        "huh",
        "tho",
        "the",
        "a",
        "and",
        "or",
        "do",
        "does",
        "did",
        "please",
        "pls",
        "hmm",
        "eh",
        "ok",
        "okay",
        "true",
        "really",
    ]
)


@dataclass(frozen=True)
class Answer:
    """Entries that answer a question (one per part asked), or a decline.

    `suggestions` are entry ids offered as "did you mean" on a decline; `score` is the
    confidence in [0, 1] of the weakest part answered (on a decline, of the best entry);
    `yes_no` says the question asks yes or no, so the reply leads with the settling fact;
    `unanswered_parts` counts the parts of a several-part question the sources do not answer
    (the others are answered).
    """

    answered: bool
    entry_ids: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    reason: DeclineReason | None = None
    yes_no: bool = False
    unanswered_parts: int = 0


@dataclass(frozen=True)
class _Reading:
    """The model's view of one question or part: the entry it answers with (None to decline),
    the best entry's decision value, and the entries ranked best first."""

    entry_id: str | None
    value: float
    ranked: tuple[str, ...]
    related: bool = True
    """Whether the best entry is related enough to suggest."""
    outside: bool = False
    """Whether the out-of-scope class beats every entry: the question is not in the sources."""


class Answerer:
    """Answers free-text questions from one knowledge base; build once, call many times."""

    def __init__(self, kb: KnowledgeBase, cache_dir: Path | None = None) -> None:
        """Trains the model, or loads it from `cache_dir` when it was built for this very
        knowledge base and code before (`knowledge.model_cache`)."""
        self.kb = kb
        texts, labels = training_examples(kb)
        groups = same_sentence_groups(kb)
        key = cache_key(kb.version, zip(texts, labels, strict=True), groups)
        classes = frozenset(groups.get(label, label) for label in labels)
        self.model = load_or_build(
            cache_dir,
            key,
            classes,
            lambda: QuestionModel.fit(texts, labels, OUT_OF_SCOPE, groups),
        )
        self._classes = self.model.classes
        self._out_of_scope = (
            self._classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self._classes else None
        )

    def answer(self, question: str) -> Answer:
        """The entries answering `question`, or a decline. Never raises on any string."""
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(False, reason="too_long")
        cleaned = _URL.sub(" ", _MENTION.sub(" ", question))
        words = normalise(cleaned).split()
        if not words:
            return Answer(False, reason="empty")
        if not _LATIN.search(" ".join(words)):
            return Answer(False, reason="not_english")
        if all(word in _VAGUE for word in words):
            return Answer(False, reason="vague")
        yes_no = words[0] in _YES_NO
        parts = [part for part in _PART_BREAK.split(cleaned) if normalise(part)]
        if 2 <= len(parts) <= MAX_PARTS:
            readings = self._read_parts(parts)
            answered = [r for r in readings if r.entry_id is not None]
            found = tuple(dict.fromkeys(r.entry_id for r in answered if r.entry_id is not None))
            weakest = _confidence(min((r.value for r in answered), default=0.0))
            if len(answered) == len(parts) and len(found) >= 2:
                return Answer(True, found, score=weakest, yes_no=yes_no)
            missing = [part for part, r in zip(parts, readings, strict=True) if r.entry_id is None]
            outside = [part for part in missing if self._outside(part)]
            if answered and all(part in outside or _fragment(part) for part in missing):
                return Answer(
                    True, found, score=weakest, yes_no=yes_no, unanswered_parts=len(outside)
                )
        reading = self._read(cleaned, MIN_SCORE)
        if reading.entry_id is not None:
            return Answer(
                True, (reading.entry_id,), score=_confidence(reading.value), yes_no=yes_no
            )
        related = reading.ranked if reading.related else ()
        return Answer(
            False,
            suggestions=related,
            score=_confidence(reading.value),
            reason="unknown",
            yes_no=yes_no,
        )

    def _read_parts(self, parts: list[str]) -> list[_Reading]:
        """Each part on its own, then once more for a part that leans on a neighbour ("when did
        the talks start and why did they stop?", "how many people and how many banks...").

        Next to an answered part, a part says too little alone, so it is held to a lower bar:
        its best entry may trail the out-of-scope class a little. It must name another sentence
        group than its neighbour's, unless it leans on that same group: then it gets another
        entry of the group, picked with the neighbour's words as context."""
        readings = [self._read(part, PART_MIN_SCORE) for part in parts]
        for number, part in enumerate(parts):
            for neighbour in (number - 1, number + 1):
                answered = readings[neighbour].entry_id if 0 <= neighbour < len(parts) else None
                if readings[number].entry_id is not None or answered is None:
                    continue
                relaxed = (FOLLOW_UP_MIN_SCORE, FOLLOW_UP_MIN_LEAD)
                reading = self._read(part, *relaxed, besides=answered)
                if reading.entry_id is None:
                    reading = self._read(
                        f"{part} {parts[neighbour]}", *relaxed, sibling_of=answered, alone=part
                    )
                readings[number] = reading
        return readings

    def _outside(self, part: str) -> bool:
        """Whether `part` asks something of its own that the sources do not answer: not a
        fragment, and the out-of-scope class beats every entry."""
        return not _fragment(part) and self._read(part, MIN_SCORE).outside

    def _read(
        self,
        text: str,
        floor: float,
        lead: float | None = None,
        *,
        besides: str | None = None,
        sibling_of: str | None = None,
        alone: str | None = None,
    ) -> _Reading:
        """The entry `text` asks about, if it clears `floor` and beats the out-of-scope class
        by `lead`. `besides`: not that entry's group. `sibling_of`: only another entry of that
        entry's group, when `alone` (the part without context) leans that way most."""
        vector = self.model.vector(text)
        scores = self.model.scores(vector if alone is None else self.model.vector(alone))
        if besides is not None:
            scores[self._classes.index(self.model.class_of(besides))] = -np.inf
        order = [int(i) for i in np.argsort(-scores) if i != self._out_of_scope]
        value = float(scores[order[0]])
        beyond = -np.inf if self._out_of_scope is None else float(scores[self._out_of_scope])
        ranked = tuple(
            self.model.label(self._classes[i], vector)
            for i in order[:SUGGESTIONS]
            if i == order[0] or scores[i] >= max(SUGGEST_MIN_SCORE, beyond - SUGGEST_MAX_GAP)
        )
        related = value >= max(SUGGEST_MIN_SCORE, beyond - SUGGEST_MAX_GAP)
        if value < floor or value - beyond < (MIN_LEAD if lead is None else lead):
            return _Reading(None, value, ranked, related, outside=value < beyond)
        if sibling_of is None:
            return _Reading(ranked[0], value, ranked)
        target = self.model.class_of(sibling_of)
        sibling = self.model.label(target, vector, besides=sibling_of)
        if self._classes[order[0]] != target or sibling is None:
            return _Reading(None, value, ranked)
        return _Reading(sibling, value, ranked)


def same_sentence_groups(kb: KnowledgeBase) -> dict[str, str]:
    """Entries resting on a common seed sentence, as one class for the model: they answer alike
    (an event and the quote it reports, a sanctions summary and each measure)."""
    owner: dict[str, str] = {entry.id: entry.id for entry in kb.entries}

    def root(entry_id: str) -> str:
        while owner[entry_id] != entry_id:
            entry_id = owner[entry_id]
        return entry_id

    first_on: dict[tuple[str, int], str] = {}
    for entry in kb.entries:
        seed = kb.seeds.get(entry.source.seed)
        for number, sentence in enumerate(seed.sentences if seed else ()):
            if sentence in entry.source.quote or entry.source.quote in sentence:
                other = first_on.setdefault((seed.id, number), entry.id)  # type: ignore[union-attr]
                owner[root(entry.id)] = root(other)
    return {entry.id: f"group:{root(entry.id)}" for entry in kb.entries}


def training_examples(kb: KnowledgeBase) -> tuple[list[str], list[str]]:
    """The curated questions, plus each entry's own wording (its text, title, name, aliases)."""
    texts = [text for text, _ in kb.questions.examples]
    labels = [label for _, label in kb.questions.examples]
    for entry in kb.entries:
        own = [entry.text]
        if isinstance(entry, Event | Fact):
            own.append(entry.title)
        if isinstance(entry, Sanction):
            own.append(entry.measure)
        if isinstance(entry, Actor):
            own += [entry.name, *entry.aliases]
        texts += own
        labels += [entry.id] * len(own)
    return texts, labels


def _fragment(part: str) -> bool:
    """Too little to be a question of its own ("why?", "lol", "thank you"): beside an answered
    part it is neither answered nor reported as missing."""
    words = normalise(part).split()
    return len(words) < OUTSIDE_MIN_WORDS or all(word in _VAGUE for word in words)


def _confidence(value: float) -> float:
    """A decision value as a confidence in [0, 1] (0.5 at the SVM's margin)."""
    return round(1.0 / (1.0 + math.exp(-3.0 * value)), 3)


@lru_cache(maxsize=8)
def answerer_for(kb: KnowledgeBase, cache_dir: Path | None = None) -> Answerer:
    """The shared answerer of a knowledge base, built on first use (cached on disk in
    `cache_dir`, when given)."""
    return Answerer(kb, cache_dir)
