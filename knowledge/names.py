"""Resolving what users type to topics and speakers, and suggesting them while they type.

One `NameIndex` is built per knowledge base and kind (topics, speakers) on first use and cached
for the knowledge base's lifetime. Every name, alias and id is normalised once with
`knowledge.text.normalise`; queries are normalised the same way, then matched:

1. exactly, against ids, names and aliases ("Japan's PM" -> `fumio-kishida`);
2. otherwise fuzzily with rapidfuzz (`token_sort_ratio`: whole-name similarity that forgives
   typos and word order but not a mere shared word; `processor=None` since both sides are
   already normalised), accepting only a confident best match: a score of at least
   `RESOLVE_CUTOFF` that no other id comes close to ("kishda" -> `fumio-kishida`).

`suggest` ranks for autocomplete, where being generous helps: an empty query lists everything
by name; otherwise names with a word starting with the query come first, then `WRatio` (which
also scores partial matches) decides.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz, process

from knowledge.base import KnowledgeBase
from knowledge.text import normalise

RESOLVE_CUTOFF = 85.0
"""The least fuzzy score `resolve` accepts as a confident match."""

AMBIGUITY_MARGIN = 3.0
"""A runner-up for another id within this many points makes a fuzzy match not confident."""

MIN_FUZZY_LENGTH = 3
"""Shorter queries only match exactly: two letters say too little to guess from."""

SUGGEST_CUTOFF = 50.0
Scorer = Callable[..., float]
SUGGESTION_LIMIT = 25
NAME_LIMIT = 100


class UnknownNameError(LookupError):
    """`query`, as the user typed it, names nothing confidently."""

    def __init__(self, query: str) -> None:
        super().__init__(query)
        self.query = query


@dataclass(frozen=True)
class Named:
    """Something that can be looked up by name: its id, display name and other names."""

    id: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class NameIndex:
    """Fuzzy lookup over a fixed set of named things. Build with `NameIndex.of(...)`."""

    names: dict[str, str]
    _exact: dict[str, str] = field(repr=False)
    _keys: tuple[str, ...] = field(repr=False)
    _owners: tuple[str, ...] = field(repr=False)
    _sort_keys: dict[str, str] = field(repr=False)

    @classmethod
    def of(cls, items: Iterable[Named]) -> NameIndex:
        names: dict[str, str] = {}
        exact: dict[str, tuple[int, str]] = {}
        keys: list[str] = []
        owners: list[str] = []
        for item in items:
            names[item.id] = item.name
            texts = [(0, item.id), (0, item.name)] + [(1, alias) for alias in item.aliases]
            for rank, text in texts:
                key = normalise(text)
                if not key:
                    continue
                # An id or name beats an alias that normalises the same; otherwise first wins.
                if key not in exact or rank < exact[key][0]:
                    exact[key] = (rank, item.id)
                keys.append(key)
                owners.append(item.id)
        plain = {key: item_id for key, (_, item_id) in exact.items()}
        sort_keys = {item_id: _sort_key(name) for item_id, name in names.items()}
        return cls(names, plain, tuple(keys), tuple(owners), sort_keys)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self.names

    def name(self, item_id: str) -> str:
        return self.names[item_id]

    def resolve(self, query: str) -> str | None:
        """The id `query` confidently names, or `None`."""
        key = normalise(query)
        if not key:
            return None
        exact = self._exact.get(key)
        if exact is not None:
            return exact
        if len(key) < MIN_FUZZY_LENGTH:
            return None
        best = self._scores(key, RESOLVE_CUTOFF - AMBIGUITY_MARGIN, fuzz.token_sort_ratio)
        if not best:
            return None
        ranked = sorted(best.items(), key=lambda pair: -pair[1])
        top_id, top_score = ranked[0]
        if top_score < RESOLVE_CUTOFF:
            return None
        if len(ranked) > 1 and ranked[1][1] > top_score - AMBIGUITY_MARGIN:
            return None
        return top_id

    def resolve_given(self, query: str | None) -> str | None:
        """For an optional choice: `None` when nothing is given (no query, or only blanks), else
        the id `query` confidently names; `UnknownNameError` when it names none."""
        if query is None or not query.strip():
            return None
        found = self.resolve(query)
        if found is None:
            raise UnknownNameError(query)
        return found

    def suggest(
        self,
        query: str,
        limit: int = SUGGESTION_LIMIT,
        cutoff: float = SUGGEST_CUTOFF,
        among: Container[str] | None = None,
    ) -> list[tuple[str, str]]:
        """Up to `limit` (at most 25) `(id, display name)` pairs for autocomplete, best first.

        A name with a word starting with the query always qualifies; others need a fuzzy
        score of `cutoff`. `among` keeps only those ids, before the limit is applied. Display
        names are cut to Discord's 100 characters at a word.
        """
        limit = max(0, min(limit, SUGGESTION_LIMIT))
        key = normalise(query)
        if not key:
            ordered = sorted(self.names, key=self._sort_keys.__getitem__)
        else:
            scores = self._scores(key, cutoff, fuzz.WRatio)
            prefixed = {
                owner
                for owner, text in zip(self._owners, self._keys, strict=True)
                if text.startswith(key) or f" {key}" in f" {text}"
            }
            ordered = sorted(
                set(scores) | prefixed,
                key=lambda item_id: (
                    item_id not in prefixed,
                    -scores.get(item_id, 0.0),
                    self._sort_keys[item_id],
                ),
            )
        if among is not None:
            ordered = [item_id for item_id in ordered if item_id in among]
        return [(item_id, _short(self.names[item_id])) for item_id in ordered[:limit]]

    def _scores(self, key: str, cutoff: float, scorer: Scorer) -> dict[str, float]:
        """The best score per id, for ids scoring at least `cutoff`."""
        best: dict[str, float] = {}
        matches = process.extract(
            key,
            self._keys,
            scorer=scorer,
            processor=None,
            score_cutoff=cutoff,
            limit=None,
        )
        for _, score, position in matches:
            owner = self._owners[position]
            if score > best.get(owner, -1.0):
                best[owner] = score
        return best


def _sort_key(name: str) -> str:
    """Alphabetical, ignoring a leading "the" ("The peace talks" sorts under P)."""
    return normalise(name).removeprefix("the ")


def _short(name: str) -> str:
    if len(name) <= NAME_LIMIT:
        return name
    cut = name[: NAME_LIMIT - 1].rsplit(" ", 1)[0]
    return f"{cut or name[: NAME_LIMIT - 1]}…"


_Kind = Literal["topics", "speakers"]
_CACHE: weakref.WeakKeyDictionary[KnowledgeBase, dict[_Kind, NameIndex]] = (
    weakref.WeakKeyDictionary()
)


def topics(kb: KnowledgeBase) -> NameIndex:
    """Actors and themes: what `/timeline topic:` narrows to."""
    return _cached(kb, "topics")


def speakers(kb: KnowledgeBase) -> NameIndex:
    """Actors with at least one quote: who `/quote speaker:` can quote."""
    return _cached(kb, "speakers")


def _cached(kb: KnowledgeBase, kind: _Kind) -> NameIndex:
    indexes = _CACHE.setdefault(kb, {})
    index = indexes.get(kind)
    if index is None:
        index = indexes[kind] = _build(kb, kind)
    return index


def _build(kb: KnowledgeBase, kind: _Kind) -> NameIndex:
    if kind == "topics":
        return NameIndex.of(
            Named(t.id, t.name, (*t.aliases, *_translated(kb, t.id))) for t in kb.topics.values()
        )
    quoted = {quote.speaker for quote in kb.quotes}
    return NameIndex.of(
        Named(actor.id, actor.name, (*actor.aliases, *_translated(kb, actor.id)))
        for actor in kb.actors
        if actor.id in quoted
    )


def _translated(kb: KnowledgeBase, topic_id: str) -> tuple[str, ...]:
    """The curators' Japanese and Russian names and aliases of an actor or theme, so
    `topic:制裁` and `speaker:Кисида` find what their English names find."""
    found: list[str] = []
    for translation in kb.translations.values():
        fields = translation.entries.get(topic_id) or translation.themes.get(topic_id) or {}
        name = fields.get("name")
        if isinstance(name, str):
            found.append(name)
        aliases = fields.get("aliases")
        if isinstance(aliases, tuple):
            found += aliases
    return tuple(found)
