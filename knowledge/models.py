"""The knowledge base's shapes: what users ask about, each tied to the seed sentence it rests on.

Models are frozen so a loaded knowledge base can be shared freely between handlers, the
scheduler and the console without copies or locks.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

EntryId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=60)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Side = Literal["japan", "russia"]


class Frozen(BaseModel):
    """Immutable, and strict about unknown keys so a typo in a data file is an error, not a gap."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(Frozen):
    """Where an entry comes from: a seed article and the verbatim sentence or span it rests on."""

    seed: NonEmpty
    quote: NonEmpty


class EntryBase(Frozen):
    """What every entry has: an id, the bot's wording, its source, and optional curator additions.

    `text` is the bot's own short statement of the source; `curator_note` holds anything the
    article does not say (shown as the curator's, never as the article's words). `topics` name
    actors or themes for `/timeline topic:`. How users ask about an entry is taught to the
    free-text answerer by the curated questions in `data/questions/` (`knowledge.questions`).
    """

    id: EntryId
    text: NonEmpty
    source: Source
    curator_note: NonEmpty | None = None
    topics: tuple[EntryId, ...] = ()
    added: dt.date


class Titled(EntryBase):
    """An entry with a headline of its own, which lists, buttons and embeds show as its name."""

    title: NonEmpty


class Event(Titled):
    """Something that happened, placed in order; `when` is as the article puts it."""

    kind: Literal["event"] = "event"
    when: NonEmpty
    order: int


class Sanction(EntryBase):
    """A measure one side took against the other, with its figure when the article gives one."""

    kind: Literal["sanction"] = "sanction"
    by: Side
    against: EntryId
    measure: NonEmpty
    amount: int | None = Field(default=None, ge=0)
    unit: NonEmpty | None = None

    @computed_field
    @property
    def side(self) -> Side:
        """The side that took the measure: the party it is `by` (one fact, one home; still
        exported as `side`)."""
        return self.by


class Quote(EntryBase):
    """A verbatim quotation: `text` is the speaker's exact words, character for character."""

    kind: Literal["quote"] = "quote"
    speaker: EntryId
    role: NonEmpty
    context: NonEmpty


class Actor(EntryBase):
    """A person, body, country or place, with the other names users call it by."""

    kind: Literal["actor"] = "actor"
    name: NonEmpty
    category: Literal["person", "organisation", "country", "place"]
    aliases: tuple[NonEmpty, ...] = ()


class Fact(Titled):
    """A standing piece of background (the unsigned peace, the islands' location, trade ties...)."""

    kind: Literal["fact"] = "fact"


Entry = Annotated[Event | Sanction | Quote | Actor | Fact, Field(discriminator="kind")]
EntryKind = Literal["event", "sanction", "quote", "actor", "fact"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("event", "sanction", "quote", "actor", "fact")


class Theme(Frozen):
    """A subject that cuts across entries (sanctions, the talks, WWII), used as a topic filter."""

    id: EntryId
    name: NonEmpty
    aliases: tuple[NonEmpty, ...] = ()


class Seed(Frozen):
    """A source article as stored in `seeds/`, split into the sentences entries must cover."""

    id: EntryId
    title: NonEmpty
    covers: NonEmpty
    provenance: NonEmpty
    text: str
    sentences: tuple[str, ...]
