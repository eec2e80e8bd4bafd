"""The free-text answerer: which entries answer a question, or a decline with suggestions.

Built once per `KnowledgeBase` (`answerer_for`), then `Answerer.answer(question)` is a pure,
thread-safe lookup well under a millisecond. It finds entries, never words: how an answer
reads is `commands.ask`'s job.

1. The question is cleaned (Discord mentions, links) and checked: empty or too long get a
   reason instead of an answer. Its language is read from its script (`knowledge.languages`):
   a Japanese or Russian question goes to that language's model, trained on that language's
   curated questions and the curators' translations (char n-grams, so Japanese needs no word
   segmenter); another script or a mix gets a reason (`not_english`: a language it cannot read).
2. A question that asks two or three things ("when did the talks start and why did they
   stop?") is split at question marks, semicolons and an "and" that starts a new question;
   when every part is answered, each part gets its own entry (see `_read_parts`).
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
from typing import Literal

import numpy as np

from knowledge.base import KnowledgeBase
from knowledge.languages import detect_language
from knowledge.models import Actor, Event, Fact, Sanction
from knowledge.question_model import QuestionModel
from knowledge.questions import OUT_OF_SCOPE
from knowledge.text import normalise
from knowledge.translations import Language

MAX_QUESTION_CHARS = 500
MAX_PARTS = 3
SUGGESTIONS = 3

MIN_SCORE = -0.6
"""The least decision value an entry needs to be the answer (the SVM's margin is 0)."""

MIN_LEAD = 0.3
"""How far the best entry must beat the out-of-scope class."""

LANGUAGE_MIN_LEAD: dict[str, float] = {"ja": 0.45, "ru": 0.45}
"""`MIN_LEAD` for the Japanese and Russian readers, from their own 5-fold CV (fewer questions
per entry, so a wider margin keeps out-of-scope questions declined)."""

PART_MIN_SCORE = -0.2
"""A part of a several-part question is held to a higher bar: it is short and out of context."""

SUGGEST_MIN_SCORE = -0.9
SUGGEST_MAX_GAP = 1.4
"""Entries scoring lower, or this far behind the out-of-scope class, are unrelated to the
question: not worth a "did you mean"."""

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
_RU_QUESTION_STARTS = r"почему|когда|что|кто|где|как|сколько|какие|какой|какая|зачем|чем|кого"
_PART_BREAKS: dict[str, re.Pattern[str]] = {
    "en": _PART_BREAK,
    "ja": re.compile(r"[?？;；]+\s*|。\s*"),
    "ru": re.compile(
        rf"\?+\s*|;\s*|,?\s+(?:и|а|а также)\s+(?=(?:{_RU_QUESTION_STARTS})\b)", re.IGNORECASE
    ),
}
# A yes/no question: Russian asks with "ли" (or "разве", "неужели"); Japanese ends in か or の
# without a question word.
_RU_YES_NO = frozenset(["ли", "разве", "неужели", "правда"])
_JA_QUESTION_WORDS = re.compile(r"なぜ|何|なん|いつ|どこ|誰|だれ|どう|どの|どれ|どんな|いくつ|幾")
_JA_YES_NO_END = re.compile(r"(?:か|の|んですか|ますか|ですか)\s*[?？]*\s*$")
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
    ]
)


@dataclass(frozen=True)
class Answer:
    """Entries that answer a question (one per part asked), or a decline.

    `suggestions` are entry ids offered as "did you mean" on a decline; `score` is the
    confidence in [0, 1] of the weakest part answered (on a decline, of the best entry);
    `yes_no` says the question asks yes or no, so the reply leads with the settling fact.
    """

    answered: bool
    entry_ids: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    reason: DeclineReason | None = None
    yes_no: bool = False
    language: Language | None = "en"
    """The language the question is written in (None: one the bot cannot read)."""


@dataclass(frozen=True)
class _Reading:
    """The model's view of one question or part: the entry it answers with (None to decline),
    the best entry's decision value, and the entries ranked best first."""

    entry_id: str | None
    value: float
    ranked: tuple[str, ...]
    related: bool = True
    """Whether the best entry is related enough to suggest."""


class Answerer:
    """Answers free-text questions from one knowledge base; build once, call many times.

    Built for English (the default), it also builds a reader per language the knowledge base
    has training questions in, and hands each question to the reader of its language."""

    def __init__(self, kb: KnowledgeBase, language: Language = "en") -> None:
        self.kb = kb
        self.language = language
        texts, labels = training_examples(kb, language)
        self.model = QuestionModel.fit(texts, labels, OUT_OF_SCOPE, same_sentence_groups(kb))
        self._classes = self.model.classes
        self._out_of_scope = (
            self._classes.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in self._classes else None
        )
        self._min_lead = LANGUAGE_MIN_LEAD.get(language, MIN_LEAD)
        self.readers: dict[Language, Answerer] = {language: self}
        if language == "en":
            for other, translation in kb.translations.items():
                if translation.questions.examples:
                    self.readers[other] = Answerer(kb, other)  # type: ignore[arg-type]

    def answer(self, question: str) -> Answer:
        """The entries answering `question`, or a decline. Never raises on any string."""
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(False, reason="too_long")
        cleaned = _URL.sub(" ", _MENTION.sub(" ", question))
        words = normalise(cleaned).split()
        if not words:
            return Answer(False, reason="empty", language=self.language)
        if len(self.readers) > 1:
            language = detect_language(cleaned)
            if language is None or language not in self.readers:
                return Answer(False, reason="not_english", language=None)
            if language != self.language:
                return self.readers[language].answer(question)
        elif self.language == "en" and not _LATIN.search(" ".join(words)):
            return Answer(False, reason="not_english", language=None)
        if self.language == "en" and all(word in _VAGUE for word in words):
            return Answer(False, reason="vague")
        yes_no = _asks_yes_or_no(self.language, cleaned, words)
        parts = [part for part in _PART_BREAKS[self.language].split(cleaned) if normalise(part)]
        if 2 <= len(parts) <= MAX_PARTS:
            readings = self._read_parts(parts)
            found = list(dict.fromkeys(r.entry_id for r in readings if r.entry_id is not None))
            if all(r.entry_id is not None for r in readings) and len(found) >= 2:
                weakest = min(r.value for r in readings)
                return Answer(
                    True,
                    tuple(found),
                    score=_confidence(weakest),
                    yes_no=yes_no,
                    language=self.language,
                )
        reading = self._read(cleaned, MIN_SCORE)
        if reading.entry_id is not None:
            return Answer(
                True,
                (reading.entry_id,),
                score=_confidence(reading.value),
                yes_no=yes_no,
                language=self.language,
            )
        related = reading.ranked if reading.related else ()
        return Answer(
            False,
            suggestions=related,
            score=_confidence(reading.value),
            reason="unknown",
            yes_no=yes_no,
            language=self.language,
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
        if value < floor or value - beyond < (self._min_lead if lead is None else lead):
            return _Reading(None, value, ranked, related)
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


def training_examples(kb: KnowledgeBase, language: Language = "en") -> tuple[list[str], list[str]]:
    """The curated questions, plus each entry's own wording (its text, title, name, aliases),
    in `language` (another language's: its questions and the curators' translations)."""
    if language != "en":
        return _translated_examples(kb, language)
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


def _translated_examples(kb: KnowledgeBase, language: Language) -> tuple[list[str], list[str]]:
    translation = kb.translations[language]
    texts = [text for text, _ in translation.questions.examples]
    labels = [label for _, label in translation.questions.examples]
    for entry in kb.entries:
        fields = translation.entries.get(entry.id, {})
        for key in ("text", "title", "measure", "name", "aliases"):
            value = fields.get(key)
            own = [value] if isinstance(value, str) else list(value or ())
            texts += own
            labels += [entry.id] * len(own)
    return texts, labels


def _asks_yes_or_no(language: Language, text: str, words: list[str]) -> bool:
    if language == "ru":
        return bool(_RU_YES_NO & set(words))
    if language == "ja":
        return not _JA_QUESTION_WORDS.search(text) and bool(_JA_YES_NO_END.search(text))
    return words[0] in _YES_NO


def _confidence(value: float) -> float:
    """A decision value as a confidence in [0, 1] (0.5 at the SVM's margin)."""
    return round(1.0 / (1.0 + math.exp(-3.0 * value)), 3)


@lru_cache(maxsize=8)
def answerer_for(kb: KnowledgeBase) -> Answerer:
    """The shared answerer of a knowledge base (every language it reads), built on first use."""
    return Answerer(kb)
