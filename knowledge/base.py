"""The loaded knowledge base: immutable, indexed once, and safe to share between tasks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from knowledge.models import (
    Actor,
    Entry,
    EntryKind,
    Event,
    Fact,
    Quote,
    Sanction,
    Seed,
    Side,
    Theme,
)
from knowledge.questions import QuestionSet
from knowledge.translations import Translation


@dataclass(frozen=True, eq=False)
class Topic:
    """Something `/timeline topic:` can narrow to: an actor or a theme, with its other names."""

    id: str
    name: str
    aliases: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """Every entry, seed and theme, with lookups computed once on first use.

    `version` is a short hash of the data files and seeds, so it changes whenever they do;
    `questions` are the curated English training questions the free-text model learns from
    (each translation carries its own language's).
    """

    seeds: Mapping[str, Seed]
    entries: tuple[Entry, ...]
    themes: tuple[Theme, ...]
    version: str
    questions: QuestionSet = field(default_factory=QuestionSet)
    translations: Mapping[str, Translation] = field(default_factory=dict)
    """The curators' translations by language (`ja`, `ru`); English is the entries themselves."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "seeds", MappingProxyType(dict(self.seeds)))
        object.__setattr__(self, "translations", MappingProxyType(dict(self.translations)))

    @cached_property
    def by_id(self) -> Mapping[str, Entry]:
        return MappingProxyType({entry.id: entry for entry in self.entries})

    def get(self, entry_id: str) -> Entry | None:
        return self.by_id.get(entry_id)

    def name_of(self, actor_id: str) -> str:
        """Who an id names, for display (a speaker, a sanction's author): the actor's name,
        else the id as written (the checks flag an id that names no actor)."""
        actor = self.by_id.get(actor_id)
        return actor.name if isinstance(actor, Actor) else actor_id

    def of_kind(self, kind: EntryKind) -> tuple[Entry, ...]:
        return tuple(entry for entry in self.entries if entry.kind == kind)

    @cached_property
    def events(self) -> tuple[Event, ...]:
        """Events in the order the curator gave them."""
        events = [entry for entry in self.entries if isinstance(entry, Event)]
        return tuple(sorted(events, key=lambda event: event.order))

    @cached_property
    def sanctions(self) -> tuple[Sanction, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Sanction))

    def sanctions_by(self, side: Side) -> tuple[Sanction, ...]:
        return tuple(sanction for sanction in self.sanctions if sanction.side == side)

    @cached_property
    def quotes(self) -> tuple[Quote, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Quote))

    @cached_property
    def actors(self) -> tuple[Actor, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Actor))

    @cached_property
    def facts(self) -> tuple[Fact, ...]:
        return tuple(entry for entry in self.entries if isinstance(entry, Fact))

    @cached_property
    def topics(self) -> Mapping[str, Topic]:
        """Actors and themes by id: the vocabulary of topics and speakers."""
        topics = {actor.id: Topic(actor.id, actor.name, actor.aliases) for actor in self.actors}
        topics.update(
            {theme.id: Topic(theme.id, theme.name, theme.aliases) for theme in self.themes}
        )
        return MappingProxyType(topics)

    def about(self, topic_id: str) -> tuple[Entry, ...]:
        """Entries tagged with a topic, in knowledge-base order."""
        return tuple(entry for entry in self.entries if topic_id in entry.topics)

    def counts(self) -> dict[EntryKind, int]:
        counts: dict[EntryKind, int] = {}
        for entry in self.entries:
            counts[entry.kind] = counts.get(entry.kind, 0) + 1
        return counts

    def seed_title(self, seed_id: str) -> str:
        seed = self.seeds.get(seed_id)
        return seed.title if seed else seed_id
