"""The free-text answerer: match a question to one knowledge-base entry, or decline.

Built once per `KnowledgeBase` (everything is normalised and indexed at construction), then
`Answerer.answer(question)` is a pure, thread-safe lookup that takes well under a millisecond.

How a question is matched:

1. Clean and normalise it (Discord mentions and markup dropped, case, accents, punctuation,
   possessives), expand chat shorthand (`pm`, `abt`), and correct typos word by word against the
   knowledge base's own vocabulary with rapidfuzz.
2. Read its cue ("when", "how many", "who", "what did X say", "why", "where").
3. Turn words into terms (light stems folded into the synonym families and phrases of
   `knowledge/data/synonyms.toml`, read by `knowledge.matching`) and
   find the knowledge base's aliases in it (USSR, the Kremlin, Tokyo, the Kurils, Japan's PM), so
   each word also carries the topic it names.
4. Score entries by *coverage*: the share of the question's content (weighted by how rare each
   term is, unknown words weighing most) that the entry explains, through its text, title,
   source sentence, curated `match_phrases` and topics. Then, among the best few, add how much
   of one of the entry's phrases the question covers, and a bonus when the entry is the kind
   the cue asks for.
   The words of one name count once; a word an entry has only inside a longer name
   ("minister" of "Prime Minister") half-matches a question using it outside that name. A
   "when" question needs an entry that places something in time, "how many" a figure (a year
   or a number inside a name, "World War Two", is not one). The side that acts in the question
   (the name after "did": "why did Japan sanction Russia") is preferred over the other side,
   and "what did X say" takes a quote only when X fits its speaker.
5. Answer only when coverage is high: a question that shares one name with the knowledge base
   but asks about something it does not state (Hokkaido's population) leaves most of its
   content unexplained and is declined, with up to three related topics as suggestions.
"""

from __future__ import annotations

import heapq
import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR
from knowledge.matching import (
    CUE_WORDS,
    PARTY_WORDS,
    STOPWORDS,
    VOCABULARY_FILE,
    Cue,
    Vocabulary,
    is_content,
    read_cues,
    read_vocabulary,
    words,
)
from knowledge.models import Actor, Entry, Event, Fact, Quote, Sanction
from knowledge.problems import KnowledgeBaseError

MAX_QUESTION_CHARS = 500
MAX_WORDS = 60

# Field weights: how strongly a word in a field ties the entry to a question.
W_CORE = 1.0
W_PHRASE = 1.0
W_SOURCE = 0.6
W_TOPIC = 0.5
ALIAS_MATCH = 0.85  # a word matched only through the topic it names (Moscow -> Russia)
# A word an entry has only inside a longer name ("minister" of "Prime Minister") half-matches
# a question that uses it outside that name ("foreign minister").
PART_OF_NAME = 0.5

COVERAGE_MIN = 0.6
SCORE_MIN = 0.55
CANDIDATES = 12
RARE_POSTINGS = 64  # a term in more entries than this (and 1/16 of all) is looked up, not walked
CUE_BONUS = 0.12
# Who acts: a question whose subject is one side ("why did Japan sanction Russia") prefers
# entries where that side acts over entries where the other side does.
AGENT_PENALTY = 0.4
_DEMONYM_ENDINGS = ("ese", "ian", "ish", "ean")  # "Japanese citizens": describes, does not act
_AUXILIARIES = frozenset(
    [
        "did",
        "does",
        "do",
        "has",
        "have",
        "had",
        "is",
        "was",
        "were",
        "are",
        "will",
        "would",
        "can",
        "could",
        "should",
    ]
)
# "when" needs an entry that places something in time; "how many" needs a figure.
WHEN_PENALTY = 0.3
COUNT_PENALTY = 0.5
# An actor's entry is a summary: a detailed question (three or more content words) that is
# not a "who" question is better answered by a specific entry when one fits as well.
ACTOR_DETAIL_PENALTY = 0.06

DeclineReason = Literal["unknown", "empty", "vague", "too_long", "not_english"]

_MENTION = re.compile(r"<(?:@[!&]?|#|a?:\w+:)\d+>|@(?:everyone|here)\b", re.IGNORECASE)
_URL = re.compile(r"https?://\S+", re.IGNORECASE)
# Upper-case abbreviations that lower-case into other words ("US" is not "us"); read before
# case is folded. General English, not the dispute's.
_CASED = ((re.compile(r"\bU\.?S\.?(?:A\b\.?)?(?![\w.])"), " United States "),)
_TIME_WORDS = frozenset(
    [
        "when",
        "since",
        "after",
        "before",
        "during",
        "until",
        "day",
        "days",
        "year",
        "years",
        "now",
        "meanwhile",
        "then",
        "later",
    ]
)
_ASCII_ALNUM = re.compile(r"[a-z0-9]")
_NUMBER_WORDS = frozenset(
    ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "dozen"]
)
# General English; the dispute's own reason words are `reasons` in the vocabulary file.
_REASON_WORDS = ("why", "reason", "because", "response", "cause", "motive")
_LOCATION_WORDS = ("lie", "located", "situated", "near", "north", "south", "east", "west")
QUESTION_WORDS = ("what", "when", "where", "which", "who", "whose", "why", "how", "say", "said")


@dataclass(frozen=True)
class Answer:
    """What the answerer found: an entry to show, or a decline with suggested topics.

    `text` is the plain answer body (for a decline, empty: the caller words the decline);
    `entry_ids` name the entries it rests on, `score` is the match confidence in [0, 1].
    """

    answered: bool
    entry_ids: tuple[str, ...] = ()
    text: str = ""
    sources: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    score: float = 0.0
    reason: DeclineReason | None = None
    cues: frozenset[Cue] = field(default_factory=frozenset)


@dataclass(frozen=True)
class _Token:
    word: str
    term: str
    concepts: frozenset[str]
    weight: float


@dataclass(frozen=True)
class _Phrase:
    tokens: tuple[tuple[str, frozenset[str]], ...]
    terms: frozenset[str]
    concepts: frozenset[str]

    @classmethod
    def of(cls, tokens: tuple[tuple[str, frozenset[str]], ...]) -> _Phrase:
        return cls(
            tokens,
            frozenset(t for t, _ in tokens),
            frozenset(concept for _, concepts in tokens for concept in concepts),
        )


@dataclass(frozen=True)
class _Doc:
    entry: Entry
    phrases: tuple[_Phrase, ...]
    has_number: bool
    has_year: bool
    has_time: bool
    agents: frozenset[str]
    reason: bool
    location: bool


class Answerer:
    """Answers free-text questions from one knowledge base; build once, call many times."""

    def __init__(self, kb: KnowledgeBase, vocabulary: Vocabulary | None = None) -> None:
        self.kb = kb
        self._vocab = vocabulary if vocabulary is not None else default_vocabulary()
        self._aliases = _alias_spans(kb, self._vocab)
        self._reason_terms = frozenset(
            self._vocab.term(word) for word in (*_REASON_WORDS, *self._vocab.reasons)
        )
        self._location_terms = frozenset(self._vocab.term(word) for word in _LOCATION_WORDS)
        # Topics that can act (say, sanction, annex): countries, people, bodies; not places.
        self._actor_concepts = frozenset(
            f"@{actor.id}" for actor in kb.actors if actor.category != "place"
        )
        self._topic_names = {topic_id: topic.name for topic_id, topic in kb.topics.items()}
        self._docs: list[_Doc] = []
        weights: list[dict[str, float]] = []
        vocabulary: set[str] = set(STOPWORDS) | set(CUE_WORDS)
        vocabulary |= self._vocab.words
        single_names = {
            span[0] for spans in self._aliases.values() for span, _ in spans if len(span) == 1
        }
        for entry in kb.entries:
            entry_weights: dict[str, float] = {}
            phrases = []
            for text, weight, is_phrase, concept_only in _fields(kb, entry):
                entry_words = self._vocab.merge(words(text))
                vocabulary.update(entry_words)
                tokens = self._terms(entry_words)
                for word, token_term, concepts in tokens:
                    if is_content(word) and not concept_only:
                        part = bool(concepts) and token_term not in single_names
                        _raise(entry_weights, token_term, weight * (PART_OF_NAME if part else 1))
                    for concept in concepts:
                        _raise(entry_weights, concept, weight)
                if is_phrase:
                    phrase = tuple((t, c) for w, t, c in tokens if is_content(w))
                    if phrase:
                        phrases.append(_Phrase.of(phrase))
            for topic in entry.topics:
                _raise(entry_weights, f"@{topic}", W_TOPIC)
            weights.append(entry_weights)
            self._docs.append(self._doc(entry, tuple(phrases)))
        for spans in self._aliases.values():
            for span, _ in spans:
                vocabulary.update(span)
        self._weights = weights
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, entry_weights in enumerate(weights):
            for token_term, weight in entry_weights.items():
                self._postings[token_term].append((index, weight))
        n = len(self._docs)
        self._idf = {
            t: math.log(1 + (n - len(posting) + 0.5) / (len(posting) + 0.5))
            for t, posting in self._postings.items()
        }
        self._unknown_weight = math.log(1 + (n + 0.5) / 0.5)
        self._vocabulary = frozenset(vocabulary)
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for word in sorted(vocabulary):
            if is_content(word) and len(word) >= 4:
                self._by_initial[word[0]].append(word)
        self._corrections: dict[str, str] = {}

    # -- public ---------------------------------------------------------------------------

    def answer(self, question: str) -> Answer:
        """Match `question` to one entry, or decline. Never raises on any string."""
        if len(question) > MAX_QUESTION_CHARS:
            return Answer(False, reason="too_long", suggestions=self._defaults())
        cleaned = _URL.sub(" ", _MENTION.sub(" ", question))
        for pattern, replacement in _CASED:
            cleaned = pattern.sub(replacement, cleaned)
        raw = words(cleaned)[:MAX_WORDS]
        if not raw:
            return Answer(False, reason="empty", suggestions=self._defaults())
        if not any(_ASCII_ALNUM.search(word) for word in raw):
            return Answer(False, reason="not_english", suggestions=self._defaults())
        corrected = self._vocab.merge([self._correct(word) for word in raw])
        cues = read_cues(corrected)
        corrected = [  # "which country/side": the cue, not a subject
            word
            for position, word in enumerate(corrected)
            if not (position and corrected[position - 1] == "which" and word in PARTY_WORDS)
        ]
        tokens = self._question_tokens(corrected)
        if not tokens:
            return Answer(False, reason="vague", suggestions=self._defaults(), cues=cues)
        ranked = self._rank(tokens, cues, self._subject(corrected, cues))
        if ranked:
            best_score, coverage, doc = ranked[0]
            if coverage >= COVERAGE_MIN and best_score >= SCORE_MIN:
                return Answer(
                    True,
                    entry_ids=(doc.entry.id,),
                    text=answer_text(doc.entry, self.kb),
                    sources=(doc.entry.source.quote,),
                    score=round(min(best_score, 1.0), 3),
                    cues=cues,
                )
        return Answer(
            False,
            reason="unknown",
            suggestions=self._suggest(tokens, ranked),
            score=round(min(ranked[0][0], 1.0), 3) if ranked else 0.0,
            cues=cues,
        )

    # -- question analysis ----------------------------------------------------------------

    def _correct(self, word: str) -> str:
        """The word a misspelt `word` most likely means, else `word` itself.

        Short words are only corrected to question words ("waht", "sey"): a short unknown word
        is as likely a real word the knowledge base lacks ("musk", "york") as a typo. Longer
        words are corrected to the knowledge base's own content words, keeping the first letter.
        """
        if word in self._vocabulary or not word.isalpha():
            return word
        cached = self._corrections.get(word)
        if cached is not None:
            return cached
        corrected = word
        if len(word) <= 4:
            for candidate in QUESTION_WORDS:
                if abs(len(candidate) - len(word)) <= 1 and _one_typo(word, candidate):
                    corrected = candidate
                    break
        else:
            best = 0.0
            for initial in dict.fromkeys(word[:2]):  # same first letter, or first two swapped
                match = process.extractOne(
                    word,
                    self._by_initial.get(initial, ()),
                    scorer=fuzz.ratio,
                    processor=None,
                    score_cutoff=80.0,
                )
                if match is None or match[1] <= best:
                    continue
                if match[0][0] == word[0] or match[0][:2] == word[1::-1]:
                    corrected, best = match[0], match[1]
        if len(self._corrections) > 4096:
            self._corrections.clear()
        self._corrections[word] = corrected
        return corrected

    def _terms(self, sequence: list[str]) -> list[tuple[str, str, frozenset[str]]]:
        """Each word with its term and the topics that alias spans over it name."""
        terms = [self._vocab.term(word) for word in sequence]
        concepts: list[set[str]] = [set() for _ in sequence]
        position = 0
        while position < len(terms):
            step = 1
            for span, concept in self._aliases.get(terms[position], ()):
                end = position + len(span)
                if tuple(terms[position:end]) == span:
                    for covered in range(position, end):
                        concepts[covered].add(concept)
                    step = len(span)
                    break
            position += step
        return [
            (word, t, frozenset(c)) for word, t, c in zip(sequence, terms, concepts, strict=True)
        ]

    def _question_tokens(self, corrected: list[str]) -> list[_Token]:
        """The question's content words, weighted by rarity (unknown words weigh most).

        The words of one name ("Prime Minister Fumio Kishida") share the weight of the topic it
        names, so a long name counts once, not once per word.
        """
        tokens: dict[str, _Token] = {}
        named = [item for item in self._terms(corrected) if is_content(item[0])]
        runs = [1] * len(named)
        start = 0
        for position in range(1, len(named) + 1):
            if (
                position == len(named)
                or not named[position][2]
                or (named[position][2] != named[start][2])
            ):
                for covered in range(start, position):
                    runs[covered] = position - start
                start = position
        for (word, token_term, concepts), run in zip(named, runs, strict=True):
            if token_term in tokens:
                continue
            if concepts:  # an alias weighs what the topic it names weighs (Moscow = Russia)
                weight = min(self._idf.get(c, self._unknown_weight) for c in concepts)
                weight = min(weight, self._idf.get(token_term, weight))
            elif token_term in self._idf:
                weight = self._idf[token_term]
            else:
                weight = self._unknown_weight * (0.5 if len(word) <= 3 else 1.0)
            if concepts:
                weight /= run
            tokens[token_term] = _Token(word, token_term, concepts, weight)
        return list(tokens.values())

    # -- scoring --------------------------------------------------------------------------

    def _subject(self, corrected: list[str], cues: frozenset[Cue]) -> tuple[frozenset[str], ...]:
        """The topics acting in a question: the name right after "did/has/is..." (or first).

        "Why did Japan sanction Russia" -> Japan. For "what did X say", every content word
        before the cue names the speaker ("the ambassador"), known topic or not.
        """
        named = self._terms(corrected)
        if Cue.SAID in cues:
            said = next(
                (i for i, (w, _, _) in enumerate(named) if CUE_WORDS.get(w) is Cue.SAID),
                len(named),
            )
            return tuple(c or frozenset([t]) for w, t, c in named[:said] if is_content(w))
        position = 0
        while position < len(named) and named[position][0] in QUESTION_WORDS:
            position += 1
        if position < len(named) and named[position][0] in _AUXILIARIES:
            position += 1
        while position < len(named) and named[position][0] in ("the", "a", "an"):
            position += 1
        if position < len(named) and not named[position][0].endswith(_DEMONYM_ENDINGS):
            actors = frozenset(c for c in named[position][2] if c in self._actor_concepts)
            if actors:
                return (actors,)
        return ()

    def _agents(self, entry: Entry) -> frozenset[str]:
        """Who acts in an entry: a sanction's side, a quote's speaker, else its first name."""
        if isinstance(entry, Sanction):
            first = {f"@{entry.by}"}
        elif isinstance(entry, Quote):
            first = {f"@{entry.speaker}"}
        else:
            first = {f"@{entry.id}"} if isinstance(entry, Actor) else set()
            for word, _, concepts in self._terms(self._vocab.merge(words(entry.text))):
                if concepts & self._actor_concepts:
                    first |= concepts & self._actor_concepts
                elif is_content(word) or (first and word != "and"):
                    break
        agents = set(first)
        for concept in first:
            actor = self.kb.get(concept[1:])
            if isinstance(actor, Actor):
                agents |= {f"@{topic}" for topic in actor.topics}
                agents |= {self._vocab.term(word) for word in words(actor.name)}
        if isinstance(entry, Quote):
            agents |= {self._vocab.term(word) for word in words(entry.role)}
        return frozenset(agents)

    def _rank(
        self, tokens: list[_Token], cues: frozenset[Cue], subject: tuple[frozenset[str], ...] = ()
    ) -> list[tuple[float, float, _Doc]]:
        total = sum(token.weight for token in tokens)
        covered = self._coverage(tokens)
        if not covered:
            return []
        top = heapq.nlargest(CANDIDATES, covered.items(), key=lambda item: item[1])
        ranked = []
        for index, value in top:
            doc = self._docs[index]
            coverage = value / total
            precision = _precision(doc, tokens, total)
            score = 0.7 * coverage + 0.3 * precision + _cue_bonus(doc, cues)
            if Cue.COUNT in cues and not doc.has_number:
                score -= COUNT_PENALTY
            if Cue.WHEN in cues and Cue.COUNT not in cues and not doc.has_time:
                score -= WHEN_PENALTY
            if subject and doc.agents and _acts_elsewhere(subject, doc, cues):
                score -= AGENT_PENALTY
            if isinstance(doc.entry, Actor) and Cue.WHO not in cues and len(tokens) >= 3:
                score -= ACTOR_DETAIL_PENALTY
            ranked.append((score, coverage, doc))
        ranked.sort(key=lambda item: (-item[0], -item[1]))
        return ranked

    def _coverage(self, tokens: list[_Token]) -> dict[int, float]:
        """The question weight each entry explains, by entry index.

        Tokens go rarest first. A token found in few entries walks its postings; a common one
        (Russia, Japan) is only looked up in the entries rarer tokens already found, which
        keeps a large knowledge base fast. On today's knowledge base every token is rare
        enough to walk, so the result is exact.
        """
        limit = max(RARE_POSTINGS, len(self._docs) // 16)
        sized = sorted(
            ((self._postings_size(token), token) for token in tokens), key=lambda x: x[0]
        )
        covered: dict[int, float] = defaultdict(float)
        for size, token in sized:
            if size == 0:
                continue
            if covered and size > limit:
                for index in covered:
                    weights = self._weights[index]
                    value = weights.get(token.term, 0.0)
                    for concept in token.concepts:
                        value = max(value, weights.get(concept, 0.0) * ALIAS_MATCH)
                    covered[index] += value * token.weight
                continue
            best: dict[int, float] = {}
            for concept in token.concepts:
                for index, weight in self._postings.get(concept, ()):
                    value = weight * ALIAS_MATCH
                    if value > best.get(index, 0.0):
                        best[index] = value
            for index, weight in self._postings.get(token.term, ()):
                if weight > best.get(index, 0.0):
                    best[index] = weight
            for index, value in best.items():
                covered[index] += value * token.weight
        return covered

    def _postings_size(self, token: _Token) -> int:
        size = len(self._postings.get(token.term, ()))
        return size + sum(len(self._postings.get(concept, ())) for concept in token.concepts)

    # -- suggestions ----------------------------------------------------------------------

    def _suggest(
        self, tokens: list[_Token], ranked: list[tuple[float, float, _Doc]]
    ) -> tuple[str, ...]:
        chosen: list[str] = []
        for token in tokens:
            chosen += sorted(concept[1:] for concept in token.concepts)
        for _, coverage, doc in ranked:
            if coverage >= 0.25:
                chosen += doc.entry.topics
        names = [
            self._topic_names[topic]
            for topic in dict.fromkeys(chosen)
            if topic in self._topic_names
        ]
        return tuple(names[:3]) or self._defaults()

    def _defaults(self) -> tuple[str, ...]:
        return tuple(
            self._topic_names[topic]
            for topic in self._vocab.suggestions
            if topic in self._topic_names
        )

    def _doc(self, entry: Entry, phrases: tuple[_Phrase, ...]) -> _Doc:
        """What kinds of question an entry can answer: figures, years, reasons, places.

        A number word inside a name ("World War Two") is part of the name, not a figure.
        """
        body = [entry.text]
        if isinstance(entry, Event):
            body.append(entry.when)
        named = self._terms(self._vocab.merge(words(" ".join(body))))
        body_words = {word for word, _, concepts in named if not concepts}
        has_year = any(word.isdigit() and len(word) == 4 for word, _, _ in named)
        has_number = (isinstance(entry, Sanction) and entry.amount is not None) or any(
            (word.isdigit() and len(word) != 4) or word in _NUMBER_WORDS for word in body_words
        )
        core = [entry.text, *entry.match_phrases]
        if isinstance(entry, Event | Fact):
            core.append(entry.title)
        core_terms = {self._vocab.term(word) for word in self._vocab.merge(words(" ".join(core)))}
        return _Doc(
            entry=entry,
            phrases=phrases,
            has_number=has_number,
            has_year=has_year,
            has_time=has_year or bool(body_words & _TIME_WORDS),
            agents=self._agents(entry),
            reason=bool(core_terms & self._reason_terms),
            location=bool(core_terms & self._location_terms),
        )


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The synonym families of `knowledge/data/synonyms.toml` (checked by the loader too)."""
    vocabulary, problems = read_vocabulary(DATA_DIR / VOCABULARY_FILE)
    if problems:
        raise KnowledgeBaseError(problems)
    return vocabulary


@lru_cache(maxsize=8)
def answerer_for(kb: KnowledgeBase) -> Answerer:
    """The shared answerer of a knowledge base, built on first use."""
    return Answerer(kb)


def answer_text(entry: Entry, kb: KnowledgeBase) -> str:
    """The plain body of an answer from one entry, as a user reads it (source added by callers)."""
    lines: list[str]
    if isinstance(entry, Quote):
        speaker = kb.get(entry.speaker)
        name = speaker.name if isinstance(speaker, Actor) else entry.speaker
        lines = [f"{name} ({entry.role}) said: “{entry.text}”", f"Context: {entry.context}"]
    elif isinstance(entry, Event):
        lines = [entry.text, f"When: {entry.when}"]
    else:
        lines = [entry.text]
    if entry.curator_note:
        lines.append(f"Curator's note: {entry.curator_note}")
    return "\n".join(lines)


def _fields(kb: KnowledgeBase, entry: Entry) -> Iterable[tuple[str, float, bool, bool]]:
    """(text, weight, is a phrase for precision, names only its topic) per matchable field.

    An actor's aliases count only as naming the actor's topic: "Moscow" in a question then
    matches every entry about Russia equally, not the Russia entry alone.
    """
    yield entry.text, W_CORE, True, False
    yield entry.source.quote, W_SOURCE, False, False
    for phrase in entry.match_phrases:
        yield phrase, W_PHRASE, True, False
    if isinstance(entry, Event | Fact):
        yield entry.title, W_CORE, True, False
    if isinstance(entry, Event):
        yield entry.when, W_CORE, False, False
    if isinstance(entry, Sanction):
        yield entry.measure, W_CORE, True, False
        if entry.unit:
            yield entry.unit, W_CORE, False, False
    if isinstance(entry, Quote):
        speaker = kb.get(entry.speaker)
        if isinstance(speaker, Actor):
            yield speaker.name, W_CORE, True, False
        yield entry.role, W_CORE, False, False
        yield entry.context, W_CORE, False, False
    if isinstance(entry, Actor):
        yield entry.name, W_CORE, True, False
        for alias in entry.aliases:
            yield alias, W_CORE, True, True


def _alias_spans(
    kb: KnowledgeBase, vocabulary: Vocabulary
) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Every topic name and alias as a term sequence, indexed by its first term, longest first."""
    spans: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
    for topic in kb.topics.values():
        for name in (topic.name, *topic.aliases):
            sequence = vocabulary.merge(words(name))
            while sequence and sequence[0] == "the":
                sequence = sequence[1:]
            if not sequence:
                continue
            span = tuple(vocabulary.term(word) for word in sequence)
            if (span, f"@{topic.id}") not in spans[span[0]]:
                spans[span[0]].append((span, f"@{topic.id}"))
    for candidates in spans.values():
        candidates.sort(key=lambda item: -len(item[0]))
    return dict(spans)


def _acts_elsewhere(subject: tuple[frozenset[str], ...], doc: _Doc, cues: frozenset[Cue]) -> bool:
    """Whether the entry's actor is not the question's subject.

    For "what did X say" every part of X must fit the speaker; otherwise one shared topic
    is enough ("Moscow" fits Russia's Foreign Ministry).
    """
    if Cue.SAID in cues and isinstance(doc.entry, Quote):
        return any(part.isdisjoint(doc.agents) for part in subject)
    if not all(concept[0] == "@" for part in subject for concept in part):
        return False  # "the Russian envoy": a description, not a name that acts
    return all(part.isdisjoint(doc.agents) for part in subject)


def _one_typo(word: str, candidate: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours, never of the first letter."""
    if word[0] != candidate[0]:
        return False
    if Levenshtein.distance(word, candidate, score_cutoff=1) <= 1:
        return True
    return len(word) == len(candidate) and any(
        word[:i] + word[i + 1] + word[i] + word[i + 2 :] == candidate for i in range(len(word) - 1)
    )


def _raise(weights: dict[str, float], key: str, weight: float) -> None:
    if weight > weights.get(key, 0.0):
        weights[key] = weight


def _precision(doc: _Doc, tokens: list[_Token], total: float) -> float:
    """How well one of the entry's phrases and the question fit each other, both ways.

    The share of the phrase the question covers times the (weighted) share of the question
    the phrase covers: a name alone fits a bare name well and a long question poorly.
    """
    terms = {token.term for token in tokens}
    concepts = {concept for token in tokens for concept in token.concepts}
    best = 0.0
    for phrase in doc.phrases:
        hit = sum(1 for t, c in phrase.tokens if t in terms or not c.isdisjoint(concepts))
        if not hit:
            continue
        explained = sum(
            token.weight
            for token in tokens
            if token.term in phrase.terms or not token.concepts.isdisjoint(phrase.concepts)
        )
        fit = hit / len(phrase.tokens) * explained / total
        if fit > best:
            best = fit
    return best


def _cue_bonus(doc: _Doc, cues: frozenset[Cue]) -> float:
    entry = doc.entry
    bonus = 0.0
    if Cue.SAID in cues and isinstance(entry, Quote):
        bonus += CUE_BONUS
    if Cue.WHEN in cues:
        bonus += CUE_BONUS if isinstance(entry, Event) else 0.0
        bonus += CUE_BONUS / 2 if doc.has_year else 0.0
    if Cue.COUNT in cues and doc.has_number:
        bonus += CUE_BONUS
    if Cue.WHO in cues and isinstance(entry, Actor):
        bonus += CUE_BONUS
    if Cue.WHY in cues and doc.reason:
        bonus += CUE_BONUS
    if Cue.WHERE in cues and doc.location:
        bonus += CUE_BONUS
    return bonus
