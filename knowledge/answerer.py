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
   stop?") is split (`split_parts`) at question marks, semicolons, numbered items, and a word
   or sign that joins a new question ("and", "also", "plus", "as well as", "+", "&", "/"), or
   a line break or full stop between two questions; an "and" inside one question never
   splits it. When every part is answered, each part gets its own entry (see `_read_parts`;
   a part saying "they" borrows its subject from the other). When some
   parts are answered and the others are plainly out of scope (the out-of-scope class beats
   every entry), the answered parts are given and `unanswered_parts` says how many are not in
   the sources, rather than declining the whole question.
3. Otherwise the whole question goes to the learned model (`knowledge.question_model`),
   trained on the curated questions. It answers only when its best entry beats the
   out-of-scope class by `MIN_LEAD` and clears `MIN_SCORE`; else it declines, offering up to
   three entries it rated highest as "did you mean", if they are related at all. After
   sentences of context, the question sentence weighs more than the story around it. An
   entry is never the answer to a question naming a party the article never speaks of (the
   US, NATO, Putin: `knowledge.parties`) unless the entry involves that party, nor to a
   question asking for a kind of detail the entry does not state ("which seven banks": names;
   the banks' entry states their number: `knowledge.details`); the entry is offered instead.

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
from knowledge.languages import detect_language, romanised_russian
from knowledge.model_cache import cache_key, load_or_build
from knowledge.models import Actor, Sanction, Titled
from knowledge.question_model import QuestionModel, Vector
from knowledge.questions import OUT_OF_SCOPE
from knowledge.spellings import Spellings
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
question: not worth a "did you mean" (unless the question asks for a particular kind of
detail, `knowledge.details`: then only `SUGGEST_MIN_SCORE` counts)."""

OUTSIDE_MIN_WORDS = 3
"""A shorter part ("lol", "thank you") is not a question of its own the sources fail to answer."""

CONTEXT_QUESTION_WEIGHT = 2
"""After sentences of context, the question sentence is read this many times more: what is
asked outweighs a long story around it ("Been following the Ukraine war closely ... How did
Tokyo's PM react?")."""

MAX_ANTECEDENTS = 4
"""Words of a neighbour tried, one at a time, as what a part's pronoun stands for."""

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
_STARTS = frozenset(_QUESTION_STARTS.split("|"))
_SINCE = r"since\s+(?:when|what|how)"
"""A question may open with "since when" ("since when have the talks been going")."""
_ASKS = rf"(?=(?:{_QUESTION_STARTS}|{_SINCE})\b)"
# Where a question surely turns into another: "?", ";", a numbered item ("1) ... 2) ..."), or
# a joining word or sign ("and", "also", "plus", "as well as", "oh and", "+", "&", "/")
# that opens a new question ("..., and why did they stop", "... + what other talks ..."); an
# "and" inside one question ("why did Russia and Japan ...") opens none, so never splits.
_PART_BREAK = re.compile(
    r"\?+\s*|;\s*"
    r"|[,.:]?\s+(?:(?:and|also|plus|as\s+well\s+as|oh|but|then|&|\+|/)\s+)+" + _ASKS,
    re.IGNORECASE,
)
# Where a question may turn into another: a line break or a full stop before a question word.
# Only when the text before it is a question too; else it is context for what follows ("My
# teacher said ... . What did Russia announce?") and stays with it.
_SENTENCE_BREAK = re.compile(r"\s*\n\s*|\.+\s+" + _ASKS, re.IGNORECASE)
# "1) ... 2) ...", "(a) ... (b)", and "1. ... 2. ..." at the start of a line or after a "?".
_NUMBERED = re.compile(
    r"(?:^|(?<=\s))\(?(?:[1-3]|[a-c])\)\s+|(?:^|(?<=[?\n]))\s*[1-3]\.\s+", re.MULTILINE
)
_SENTENCE_END = re.compile(r"(?<=[.!])\s+")
_OPENERS = frozenset(["and", "also", "so", "ok", "okay", "oh", "plus", "but", "then", "btw"])
# A part with one of these leans on its neighbour for its subject ("why are they ending now").
_ANAPHORA = frozenset(
    ["they", "them", "their", "it", "its", "he", "him", "his", "she", "her", "these", "those"]
)
_RU_QUESTION_STARTS = (
    r"почему|отчего|когда|что|чем|чего|чему|кто|кого|кому|ком|где|куда|откуда|как|каков|сколько"
    r"|какие|какой|какая|какое|какую|каким|какими|каких|каком|какого|зачем|чей|чья|чьё|чьи|ли"
    r"|чё|че|чо|шо|што|скока|скоко"  # chat spellings of "что", "сколько"
)
_RU_PREPOSITIONS = r"на|с|со|за|о|об|от|для|из-за|из|у|к|по|в|во|при|про"
# Russian joins a second question with "и", "а", "а также", "а ещё", "ещё", "плюс", "и ещё" before
# a question word, maybe after a preposition ("... и на кого он возложил ответственность").
_RU_JOINED = (
    rf",?\s+(?:(?:и|а|а\s+также|также|а\s+ещё|а\s+еще|и\s+ещё|и\s+еще|ещё|еще|плюс)\s+)+"
    rf"(?=(?:(?:{_RU_PREPOSITIONS})\s+)?(?:{_RU_QUESTION_STARTS})\b)"
)
# Japanese joins a second question with a connective after a comma or full stop: 「、あと」
# 「それと」「それから」「ついでに」「また」「あとさ」.
_JA_JOINED = r"[、,]\s*(?:あと|それと|それから|ついでに|また|あとさ|あと、)[、,]?\s*"
# Japanese puts context before a question with "けど" ("…って聞いたけど、日本は何かしたの？").
_JA_CONTEXT_END = r"(?<=けど)[、,]\s*|(?<=けれど)[、,]\s*"
_PART_BREAKS: dict[str, re.Pattern[str]] = {
    "ja": re.compile(rf"[?？;；!！]+\s*|。\s*|{_JA_JOINED}|{_JA_CONTEXT_END}"),
    "ru": re.compile(rf"\?+\s*|;\s*|{_RU_JOINED}", re.IGNORECASE),
}
# Where a Japanese question may ask two things with no connective: "AとB(は)?" ("制裁された個人の
# 数と銀行の数、それぞれ教えて") or two clauses at a comma ("いつから続いてて、なんで止まったの").
# A split there is kept only when both halves are answered on their own, by different entries.
_JA_MAYBE_TWO = re.compile(
    r"、|(?<=[\u3040-\u30ff\u4e00-\u9fff])と(?=[\u3040-\u30ff\u4e00-\u9fff])"
)
_QUESTION_MARK = re.compile(r"[?？]")
# Russian reports what someone said with "что" ("мне сказали, что ...", "говорят что ..."):
# there it is a conjunction, not the question word.
_RU_REPORTED_THAT = re.compile(
    r"(?<!\w)(?:сказал|сказала|сказали|говорят|говорил|говорила|говорили|говорит|слышал"
    r"|слышала|слышали|читал|читала|читали|пишут|писали|пишет|знаю|думал|думала|думаю|понял"
    r"|поняла|видел|видела|считают|утверждают|заявили|заявил)\s*,?\s+что(?!\w)",
    re.IGNORECASE,
)
_QUESTION_WORDS: dict[str, re.Pattern[str]] = {
    # "なんか" is "something" ("なんか言ってた？" asks yes or no), not "what".
    "ja": re.compile(
        r"なぜ|なんで|何|なに|なん(?!か)|いつ|どこ|誰|だれ|どう|どの|どれ|どんな|いくつ|いくら|幾"
    ),
    "ru": re.compile(rf"(?<!\w)(?:{_RU_QUESTION_STARTS})(?!\w)", re.IGNORECASE),
}
"""Words that make a piece of Japanese or Russian text a question of its own."""
# A yes/no question: Russian asks with "ли" (or "разве", "неужели") or by tone alone (no question
# word, a question mark: "Япония заморозила резервы?"); Japanese has no question word and ends
# in a question mark ("凍結した？", "制裁してる？", "あるの？"; not after は or って: "ロシアの対応は？"
# asks "what about") or, without one, in a question ending: か, の, じゃん, でしょ, だろ, よね,
# っけ, かな ("禁止されたんじゃん").
_RU_YES_NO = frozenset(["ли", "разве", "неужели", "правда"])
_JA_YES_NO_END = re.compile(
    r"(?:(?<!は)(?<!って)(?<!とは)[?？]|か|の|じゃん|じゃね|でしょ|でしょう|だろ|だろう|よね|っけ|かな)"
    r"[\s?？!！ｗw]*$"
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
    outside: bool = False
    """Whether the out-of-scope class beats every entry: the question is not in the sources."""


class Answerer:
    """Answers free-text questions from one knowledge base; build once, call many times.

    Built for English (the default), it also builds a reader per language the knowledge base
    has training questions in, and hands each question to the reader of its language."""

    def __init__(
        self, kb: KnowledgeBase, cache_dir: Path | None = None, *, language: Language = "en"
    ) -> None:
        """Trains the model, or loads it from `cache_dir` when it was built for this very
        knowledge base and code before (`knowledge.model_cache`)."""
        self.kb = kb
        self.language: Language = language
        texts, labels = training_examples(kb, language)
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
        self._parties = kb.questions.parties
        self._states = kb.questions.states
        questions = kb.questions if language == "en" else kb.translations[language].questions
        self._spellings = kb.translations[language].spellings if language != "en" else Spellings()
        self._details = questions.details
        self._abuse = questions.abuse
        self._involves = parties_involved(kb, texts, labels)
        self._min_lead = LANGUAGE_MIN_LEAD.get(language, MIN_LEAD)
        self.readers: dict[Language, Answerer] = {language: self}
        if language == "en":
            for other, translation in kb.translations.items():
                if translation.questions.examples:
                    # Each language's model is cached in its own folder: the cache keeps one
                    # model per folder.
                    own = cache_dir / f"lang-{other}" if cache_dir is not None else None
                    # The loader keys translations by the Language it read them as.
                    self.readers[other] = Answerer(kb, own, language=other)  # pyright: ignore[reportArgumentType]

    def answer(self, question: str) -> Answer:
        """The entries answering `question`, or a decline. Never raises on any string."""
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(False, reason="too_long")
        cleaned = _URL.sub(" ", _MENTION.sub(" ", question))
        if self.language == "ru":  # Russian typed in Latin letters is read in Cyrillic
            cleaned = romanised_russian(cleaned) or cleaned
        cleaned = self._spellings.mend(cleaned)  # 正妻 -> 制裁 (`knowledge.spellings`)
        words = normalise(cleaned).split()
        if not words:
            return Answer(False, reason="empty", language=self.language)
        if len(self.readers) > 1:
            language = detect_language(cleaned)
            if language == "en" and "ru" in self.readers and romanised_russian(cleaned):
                language = "ru"
            if language is None or language not in self.readers:
                return Answer(False, reason="not_english", language=None)
            if language != self.language:
                return self.readers[language].answer(question)
        elif self.language == "en" and not _LATIN.search(" ".join(words)):
            return Answer(False, reason="not_english", language=None)
        if self._abuse.asked(cleaned):  # hate, insults, slurs: declined, nothing offered
            return Answer(False, reason="unknown", language=self.language)
        if self.language == "en" and all(word in _VAGUE for word in words):
            return Answer(False, reason="vague")
        yes_no = _asks_yes_or_no(self.language, cleaned, words)
        vectors: dict[str, Vector] = {}
        if self.language == "en":
            parts = split_parts(cleaned)
        else:
            parts = _language_parts(self.language, cleaned)
        if 2 <= len(parts) <= MAX_PARTS:
            readings = self._read_parts(parts, vectors)
            answered = [r for r in readings if r.entry_id is not None]
            found = tuple(dict.fromkeys(r.entry_id for r in answered if r.entry_id is not None))
            weakest = _confidence(min((r.value for r in answered), default=0.0))
            if len(answered) == len(parts) and len(found) >= 2:
                return Answer(True, found, score=weakest, yes_no=yes_no, language=self.language)
            missing = [part for part, r in zip(parts, readings, strict=True) if r.entry_id is None]
            outside = [part for part in missing if self._outside(part, vectors)]
            if answered and all(part in outside or _fragment(part) for part in missing):
                return Answer(
                    True,
                    found,
                    score=weakest,
                    yes_no=yes_no,
                    unanswered_parts=len(outside),
                    language=self.language,
                )
        if self.language == "en":
            asked = _asked_after_context(cleaned)
        else:
            asked = question_after_context(self.language, cleaned)
        weighed = (
            cleaned if asked is None else " ".join([cleaned, *[asked] * CONTEXT_QUESTION_WEIGHT])
        )
        reading = self._read(weighed, MIN_SCORE, vectors=vectors)
        if self.language == "ja" and len(parts) == 1:
            found = self._two_clauses(cleaned, reading, vectors)
            if found is not None:
                entry_ids, value = found
                score = _confidence(value)
                return Answer(True, entry_ids, score=score, yes_no=yes_no, language="ja")
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

    def _two_clauses(
        self, text: str, whole: _Reading, vectors: dict[str, Vector]
    ) -> tuple[tuple[str, str], float] | None:
        """Two entries for a Japanese question asking two things with no connective ("個人の数と
        銀行の数は？", "いつから続いてて、なんで止まったの？"), or None. Each place it may
        split (`_JA_MAYBE_TWO`) is tried; a split counts only when neither half is a fragment and
        each is answered on its own, by different entries, and when the whole question
        is answered, its entry's group is one of the two (else the whole asks one thing)."""
        best: tuple[tuple[str, str], float] | None = None
        for match in _JA_MAYBE_TWO.finditer(text):
            halves = (text[: match.start()], text[match.end() :])
            if any(_fragment(half) for half in halves):
                continue
            first, second = (self._read(half, PART_MIN_SCORE, vectors=vectors) for half in halves)
            if first.entry_id is None or second.entry_id is None:
                continue
            found = (first.entry_id, second.entry_id)
            groups = {self.model.class_of(entry_id) for entry_id in found}
            if first.entry_id == second.entry_id:
                continue
            if whole.entry_id is not None and self.model.class_of(whole.entry_id) not in groups:
                continue
            value = min(first.value, second.value)
            if best is None or value > best[1]:
                best = (found, value)
        return best

    def _read_parts(self, parts: list[str], vectors: dict[str, Vector]) -> list[_Reading]:
        """Each part on its own, then once more for a part that leans on a neighbour ("when did
        the talks start and why are they ending?", "how many people and how many banks...").

        Next to an answered part, a part says too little alone, so it is held to a lower bar:
        its best entry may trail the out-of-scope class a little. It must name another sentence
        group than its neighbour's, unless it leans on that same group: then it gets another
        entry of the group, picked with the neighbour's words as context. A part naming its
        subject only by a pronoun ("why are they ending now") is first read with what the
        pronoun may stand for in its neighbour ("talks"): alone, its nearest entry may be
        another question altogether."""
        readings = [self._read(part, PART_MIN_SCORE, vectors=vectors) for part in parts]
        relaxed = (FOLLOW_UP_MIN_SCORE, FOLLOW_UP_MIN_LEAD)
        for number, part in enumerate(parts):
            for neighbour in (number - 1, number + 1):
                answered = readings[neighbour].entry_id if 0 <= neighbour < len(parts) else None
                if readings[number].entry_id is not None or answered is None:
                    continue
                if _leans_on_neighbour(part) and not _fragment(part):
                    reading = self._resolve(part, parts[neighbour], answered, vectors)
                    if reading is not None:
                        readings[number] = reading
                        continue
                reading = self._read(part, *relaxed, besides=answered, vectors=vectors)
                if reading.entry_id is None:
                    reading = self._read(
                        f"{part} {parts[neighbour]}",
                        *relaxed,
                        sibling_of=answered,
                        alone=part,
                        vectors=vectors,
                    )
                readings[number] = reading
        # A pronoun standing for a party the article never speaks of ("who was japan's foreign
        # minister ... and what did they say") carries that party into its part: the entry the
        # part reads as alone does not answer it.
        for number in range(1, len(parts)):
            chosen = readings[number].entry_id
            if (
                chosen is not None
                and readings[number - 1].entry_id is None
                and _leans_on_neighbour(parts[number])
                and self._names_strangers(parts[number - 1], chosen)
            ):
                held = readings[number]
                readings[number] = _Reading(None, held.value, held.ranked, outside=True)
        return readings

    def _resolve(
        self, part: str, neighbour: str, answered: str, vectors: dict[str, Vector]
    ) -> _Reading | None:
        """`part` read with what its pronoun may stand for: each word naming the neighbour's
        subject ("talks", "start"), then all of them; the most confident answer wins, among
        the entries other than the neighbour's."""
        words = _subject(neighbour).split()
        if not words:
            return None
        candidates = dict.fromkeys([*words[:MAX_ANTECEDENTS], " ".join(words)])
        readings = [
            self._read(
                f"{part} {words}",
                FOLLOW_UP_MIN_SCORE,
                FOLLOW_UP_MIN_LEAD,
                besides=answered,
                vectors=vectors,
            )
            for words in candidates
        ]
        answers = [reading for reading in readings if reading.entry_id is not None]
        return max(answers, key=lambda reading: reading.value, default=None)

    def _outside(self, part: str, vectors: dict[str, Vector]) -> bool:
        """Whether `part` asks something of its own that the sources do not answer: not a
        fragment, and the out-of-scope class beats every entry."""
        return not _fragment(part) and self._read(part, MIN_SCORE, vectors=vectors).outside

    def _read(
        self,
        text: str,
        floor: float,
        lead: float | None = None,
        *,
        besides: str | None = None,
        sibling_of: str | None = None,
        alone: str | None = None,
        vectors: dict[str, Vector],
    ) -> _Reading:
        """The entry `text` asks about, if it clears `floor` and beats the out-of-scope class
        by `lead`. `besides`: not that entry's group. `sibling_of`: only another entry of that
        entry's group, when `alone` (the part without context) leans that way most. `vectors`
        keeps each text's features for the rest of the question (parts are read more than
        once)."""
        vector = self._vector(text, vectors)
        scores = self.model.scores(vector if alone is None else self._vector(alone, vectors))
        if besides is not None:
            scores[self._classes.index(self.model.class_of(besides))] = -np.inf
        if self._out_of_scope is None:
            beyond = -np.inf
        else:
            beyond = float(scores[self._out_of_scope])
            scores[self._out_of_scope] = -np.inf
        order = _best(scores, SUGGESTIONS)
        value = float(scores[order[0]])
        cutoff = max(SUGGEST_MIN_SCORE, beyond - SUGGEST_MAX_GAP)
        ranked = tuple(
            label
            for rank, i in enumerate(order)
            if rank == 0 or scores[i] >= cutoff
            if (label := self.model.label(self._classes[i], vector)) is not None
        )
        # A question asking for a particular detail ("what is the population of Hokkaido") is
        # a near miss of the entry it names, however firmly its near-miss siblings taught the
        # model to decline it: that entry is still worth offering.
        related = value >= cutoff or (
            value >= SUGGEST_MIN_SCORE and bool(self._details.asked(alone or text))
        )
        if value < floor or value - beyond < (self._min_lead if lead is None else lead):
            return _Reading(None, value, ranked, related, outside=value < beyond)
        if sibling_of is None:
            chosen: str | None = ranked[0]
        else:
            target = self.model.class_of(sibling_of)
            chosen = self.model.label(target, vector, besides=sibling_of)
            if self._classes[order[0]] != target or chosen is None:
                return _Reading(None, value, ranked)
        if self._names_strangers(text, chosen) or self._asks_unstated(alone or text, chosen):
            return _Reading(None, value, ranked, related, outside=True)
        return _Reading(chosen, value, ranked)

    def _asks_unstated(self, text: str, entry_id: str) -> bool:
        """Whether `text` asks for a kind of detail (`knowledge.details`) that `entry_id` does
        not state ("which seven banks" asks for names; the banks' entry states their number):
        the entry is then offered as "did you mean", never given as the answer."""
        asked = self._details.asked(text)
        return bool(asked) and not asked <= self._states.get(entry_id, frozenset())

    def _names_strangers(self, text: str, entry_id: str) -> bool:
        """Whether `text` names a party the article never speaks of (the US, NATO, Putin)
        that the entry does not involve: "what has the US said about the suspension" asks
        about the US, which the suspension's entry cannot answer."""
        named = self._parties.named_in(text)
        return bool(named) and not named <= self._involves.get(entry_id, frozenset())

    def _vector(self, text: str, vectors: dict[str, Vector]) -> Vector:
        vector = vectors.get(text)
        if vector is None:
            vector = vectors[text] = self.model.vector(text)
        return vector


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """The indices of the `count` highest scores, highest first: a partial sort, since a large
    knowledge base has thousands of classes and only the best few are read."""
    if len(scores) <= count:
        return np.argsort(-scores, kind="stable")
    top = np.argpartition(-scores, count - 1)[:count]
    return top[np.argsort(-scores[top], kind="stable")]


def split_parts(text: str) -> list[str]:
    """The questions `text` asks, in order (one, for a single question).

    Split at `_PART_BREAK` always, and at a line break or full stop (`_SENTENCE_BREAK`) only
    between two questions: a sentence that asks nothing ("my teacher said ...") is context for
    the question after it (or, last, before it) and stays with it."""
    parts: list[str] = []
    for piece in _PART_BREAK.split(_NUMBERED.sub("; ", text)):
        asked: list[str] = []
        context = ""
        for sentence in _SENTENCE_BREAK.split(piece):
            if _asks(sentence):
                asked.append(f"{context} {sentence}".strip())
                context = ""
            elif set(normalise(sentence).split()) - _OPENERS:
                context = f"{context} {sentence}".strip()
        if context and asked:
            asked[-1] = f"{asked[-1]} {context}"
        elif context:
            asked.append(context)
        parts += asked
    return parts


def _asks(sentence: str) -> bool:
    """Whether `sentence` opens with a question word ("and why ...", "so what ..." too)."""
    words = [word for word in normalise(sentence).split() if word not in _OPENERS]
    if not words:
        return False
    return words[0] in _STARTS or words[0] in _YES_NO or bool(re.match(_SINCE, " ".join(words)))


def _language_pieces(language: Language, text: str) -> list[tuple[str, bool]]:
    """`text` split at `_PART_BREAKS`, each piece with whether it asks something (a question
    mark after it, or a question word)."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    for match in _PART_BREAKS[language].finditer(text):
        piece = text[start : match.start()]
        marked = bool(_QUESTION_MARK.search(match.group()))
        pieces.append((piece, marked or _has_question_word(language, piece)))
        start = match.end()
    piece = text[start:]
    pieces.append((piece, _has_question_word(language, piece)))
    return [(piece, asks) for piece, asks in pieces if normalise(piece)]


def _has_question_word(language: Language, piece: str) -> bool:
    if language == "ru":  # "мне сказали, что ...": reported speech, not "what"
        piece = _RU_REPORTED_THAT.sub(" ", piece)
    return bool(_QUESTION_WORDS[language].search(piece))


def question_after_context(language: Language, text: str) -> str | None:
    """The one question a Japanese or Russian `text` asks after context that asks nothing
    ("мне сказали, что ..., а почему ...?", "…って聞いたけど、日本は何かしたの？"), or None."""
    pieces = _language_pieces(language, text)
    if len(pieces) < 2 or pieces[0][1] or sum(asks for _, asks in pieces) != 1:
        return None
    return next(piece for piece, asks in pieces if asks)


def _language_parts(language: Language, text: str) -> list[str]:
    """The questions a Japanese or Russian `text` asks, split at `_PART_BREAKS`. A piece that
    asks nothing (no question mark after it, no question word) goes with its neighbour: a
    qualifier after a question ("…言ったの？正確に", "кто премьер? полное имя") with the one
    before it, context before the first question with that question."""
    parts: list[str] = []
    context = ""
    for piece, asks in _language_pieces(language, text):
        if asks:
            parts.append(f"{context} {piece}".strip())
            context = ""
        elif parts:
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            context = f"{context} {piece}".strip()
    return [*parts, context] if context else parts


def _asked_after_context(text: str) -> str | None:
    """The question sentence that ends `text`, when sentences of context come before it ("Been
    following the war closely but I'm new to this. How did Tokyo react?"): what is asked
    outweighs the context, which may name other things. None when there is no context, or the
    question leans on it for its subject ("... what reason did they give?")."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s]
    if len(sentences) < 2:
        return None
    last = sentences[-1]
    if not _asks(last) or _leans_on_neighbour(last) or _fragment(last):
        return None
    return last


def _leans_on_neighbour(part: str) -> bool:
    """Whether `part` names its subject only by a pronoun ("why did they stop")."""
    return any(word in _ANAPHORA for word in normalise(part).split())


_NOT_SUBJECT = _STARTS | _YES_NO | _ANAPHORA | _VAGUE | _OPENERS


def _subject(part: str) -> str:
    """The words of `part` that name what it asks about ("when did the talks start": "talks
    start"): not question words, pronouns or the vague words every question has."""
    return " ".join(word for word in normalise(part).split() if word not in _NOT_SUBJECT)


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
        if seed is None:
            continue
        for number, sentence in enumerate(seed.sentences):
            if sentence in entry.source.quote or entry.source.quote in sentence:
                other = first_on.setdefault((seed.id, number), entry.id)
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
        if isinstance(entry, Titled):
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
    if language == "ru":  # as the reader reads them
        texts = [romanised_russian(text) or text for text in texts]
    texts = [translation.spellings.mend(text) for text in texts]
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
    if language == "ru":  # "ли", or a question mark after a question with no question word
        asked_by_tone = text.rstrip().endswith("?") and not _QUESTION_WORDS["ru"].search(text)
        return bool(_RU_YES_NO & set(words)) or asked_by_tone
    if language == "ja":
        return not _QUESTION_WORDS["ja"].search(text) and bool(_JA_YES_NO_END.search(text))
    return words[0] in _YES_NO


def parties_involved(
    kb: KnowledgeBase, texts: list[str], labels: list[str]
) -> dict[str, frozenset[str]]:
    """The parties of `parties.toml` each entry involves: named in its own wording, topics,
    quote, or the questions it was taught ("is china part of the kuril dispute")."""
    taught: dict[str, list[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        taught.setdefault(label, []).append(text)
    parties = kb.questions.parties

    def named(texts: list[str]) -> frozenset[str]:
        # One search per entry, not per text: the texts joined by a word no name contains.
        # All-capital texts apart, where "US" is a word ("TELL US"), not a country.
        shouting = [text for text in texts if text == text.upper()]
        talking = [text for text in texts if text != text.upper()]
        return parties.named_in(_JOIN.join(talking)) | parties.named_in(
            _JOIN.upper().join(shouting)
        )

    return {
        entry.id: named(
            [
                *taught.get(entry.id, ()),
                entry.source.quote,
                *(topic.replace("-", " ") for topic in entry.topics),
            ]
        )
        for entry in kb.entries
    }


_JOIN = " zzseparatorzz "


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
    """The shared answerer of a knowledge base (every language it reads), built on first use
    (cached on disk in `cache_dir`, when given)."""
    return Answerer(kb, cache_dir)
