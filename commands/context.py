"""What a handler is given: long-lived services and the plain facts of one invocation.

Handlers never see Discord objects; the bot layer and the console both build these.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Protocol

from commands.i18n import language_of
from knowledge.answerer import Answerer, answerer_for
from knowledge.base import KnowledgeBase


class Rotation(Protocol):
    """Hands out positions in a cycle per key, so repeated calls show different items."""

    def advance(self, key: str, size: int) -> int:
        """Return the next position in `range(size)` for `key` and remember it."""
        ...

    def cursor(self, key: str) -> int:
        """Where a free-running cursor (such as `/brief`'s) stands for `key`; 0 at first."""
        ...

    def move_to(self, key: str, cursor: int) -> None:
        """Remember where that cursor stands now."""
        ...


class MemoryRotation:
    """An in-process rotation: enough for `/quote` and `/brief`, reset on restart.

    Scheduled briefings keep their cursor in the database instead (see `bot.storage`).
    """

    def __init__(self) -> None:
        self._positions: dict[str, int] = {}
        self._cursors: dict[str, int] = {}
        self._lock = threading.Lock()

    def advance(self, key: str, size: int) -> int:
        if size < 1:
            raise ValueError("cannot rotate through nothing")
        with self._lock:
            position = self._positions.get(key, -1) + 1
            self._positions[key] = position
        return position % size

    def cursor(self, key: str) -> int:
        with self._lock:
            return self._cursors.get(key, 0)

    def move_to(self, key: str, cursor: int) -> None:
        with self._lock:
            self._cursors[key] = cursor


@dataclass(frozen=True)
class Services:
    """Built once at start-up and shared by every handler call."""

    kb: KnowledgeBase
    rotation: Rotation = field(default_factory=MemoryRotation)
    answerer: Answerer | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # The free-text model is trained here, at start-up, not on the first question.
        if self.answerer is None:
            object.__setattr__(self, "answerer", answerer_for(self.kb))

    def free_text(self) -> Answerer:
        """The free-text answerer: the one given, else the knowledge base's shared one."""
        return self.answerer or answerer_for(self.kb)


@dataclass(frozen=True)
class Invocation:
    """Who asked, where and when. `now` is timezone-aware UTC."""

    user_id: int
    now: dt.datetime
    channel_id: int | None = None
    guild_id: int | None = None
    language: str | None = None
    """A reply language picked by hand (`console --lang`); None: a free-text question is
    answered in its own language."""
    locale: str | None = None
    """The user's Discord locale (`ja`, `ru`, `en-US`...): the language of the bot's own words
    where no question's language decides."""

    def __post_init__(self) -> None:
        if self.now.tzinfo is None:
            raise ValueError("Invocation.now must be timezone-aware")

    @property
    def ui_language(self) -> str:
        """The language of the bot's own words (notices, headings, buttons): the one picked by
        hand, else the user's locale's, else English."""
        return self.language or language_of(self.locale)

    @property
    def place_key(self) -> str:
        """A key for per-place state such as rotations: the channel, else the user (DMs)."""
        return f"channel:{self.channel_id}" if self.channel_id else f"user:{self.user_id}"
