"""Plain message models that handlers return and both the console and Discord layer render.

The models enforce Discord's documented limits when built, so a handler cannot produce a
message Discord would reject; `paginate` splits long material at line, sentence or word
boundaries so nothing is cut mid-word or silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, model_validator

CONTENT_LIMIT = 2000
EMBED_TITLE_LIMIT = 256
EMBED_DESCRIPTION_LIMIT = 4096
EMBED_FIELDS_LIMIT = 25
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
EMBEDS_PER_MESSAGE = 10
BUTTON_ROWS = 5
BUTTONS_PER_ROW = 5
BUTTON_LABEL_LIMIT = 80
CUSTOM_ID_LIMIT = 100
AUTOCOMPLETE_LIMIT = 25
"""Suggestions Discord takes in one autocomplete answer (and fixed choices per option)."""
CHOICE_LIMIT = 100
"""Characters in a suggestion's or choice's name, and in its value."""

# Colours by purpose, so every command looks like part of one product.
COLOUR_INFO = 0x2B6CB0
COLOUR_JAPAN = 0xBC002D
COLOUR_RUSSIA = 0x0039A6
COLOUR_NOTICE = 0xB7791F


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EmbedField(_Model):
    name: str = Field(min_length=1, max_length=FIELD_NAME_LIMIT)
    value: str = Field(min_length=1, max_length=FIELD_VALUE_LIMIT)
    inline: bool = False


class Embed(_Model):
    title: str | None = Field(default=None, min_length=1, max_length=EMBED_TITLE_LIMIT)
    description: str | None = Field(default=None, min_length=1, max_length=EMBED_DESCRIPTION_LIMIT)
    fields: tuple[EmbedField, ...] = Field(default=(), max_length=EMBED_FIELDS_LIMIT)
    footer: str | None = Field(default=None, min_length=1, max_length=FOOTER_LIMIT)
    colour: int = Field(default=COLOUR_INFO, ge=0, le=0xFFFFFF)

    @model_validator(mode="after")
    def _within_total(self) -> Embed:
        if self.size > EMBED_TOTAL_LIMIT:
            raise ValueError(
                f"embed has {self.size} characters; Discord allows {EMBED_TOTAL_LIMIT}"
            )
        return self

    @property
    def size(self) -> int:
        """Characters Discord counts towards an embed's 6,000 limit."""
        parts = [self.title, self.description, self.footer]
        parts += [text for field in self.fields for text in (field.name, field.value)]
        return sum(len(part) for part in parts if part)


class Button(_Model):
    label: str = Field(min_length=1, max_length=BUTTON_LABEL_LIMIT)
    custom_id: str = Field(min_length=1, max_length=CUSTOM_ID_LIMIT)
    style: Literal["primary", "secondary", "success", "danger"] = "secondary"
    disabled: bool = False


class Choice(NamedTuple):
    """One autocomplete suggestion: `name` is shown (<= 100 chars), `value` is sent back."""

    name: str
    value: str


class Reply(_Model):
    """One message: text, embeds, rows of buttons, whether only the invoker sees it, and pings.

    `mention_role_id` is the only ping a reply may carry: the role an admin chose for briefings.
    Renderers allow no other mentions.
    """

    content: str | None = Field(default=None, max_length=CONTENT_LIMIT)
    embeds: tuple[Embed, ...] = Field(default=(), max_length=EMBEDS_PER_MESSAGE)
    buttons: tuple[tuple[Button, ...], ...] = Field(default=(), max_length=BUTTON_ROWS)
    ephemeral: bool = False
    mention_role_id: int | None = None

    @model_validator(mode="after")
    def _valid_message(self) -> Reply:
        if not self.content and not self.embeds:
            raise ValueError("a reply needs content or at least one embed")
        if sum(embed.size for embed in self.embeds) > EMBED_TOTAL_LIMIT:
            raise ValueError(f"embeds exceed {EMBED_TOTAL_LIMIT} characters in all")
        for row in self.buttons:
            if not 1 <= len(row) <= BUTTONS_PER_ROW:
                raise ValueError(f"a button row holds 1 to {BUTTONS_PER_ROW} buttons")
        ids = [button.custom_id for row in self.buttons for button in row]
        if len(ids) != len(set(ids)):
            raise ValueError("button custom ids must be unique within a message")
        return self

    @classmethod
    def notice(cls, text: str, *, title: str | None = None) -> Reply:
        """An ephemeral, friendly note: errors, refusals, settings confirmations."""
        return cls(
            embeds=(Embed(title=title, description=text, colour=COLOUR_NOTICE),), ephemeral=True
        )


_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def paginate(blocks: Iterable[str], limit: int, separator: str = "\n") -> list[str]:
    """Pack text blocks into pages of at most `limit` characters.

    Blocks stay whole where they fit; a block longer than a page is split at sentence
    boundaries, then at spaces, and only a single word longer than a page is cut.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pages: list[str] = []
    current = ""
    for block in blocks:
        for piece in _split_to_fit(block, limit):
            candidate = f"{current}{separator}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                pages.append(current)
                current = piece
    if current:
        pages.append(current)
    return pages


def _split_to_fit(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_BREAK.split(text):
        if len(sentence) <= limit:
            pieces.append(sentence)
            continue
        for word in sentence.split(" "):
            pieces += [word[i : i + limit] for i in range(0, len(word), limit)] or [""]
    return _pack(pieces, limit)


def _pack(pieces: list[str], limit: int) -> list[str]:
    packed: list[str] = []
    for piece in pieces:
        if packed and len(packed[-1]) + 1 + len(piece) <= limit:
            packed[-1] = f"{packed[-1]} {piece}"
        elif piece:
            packed.append(piece)
    return packed


def truncate(text: str, limit: int) -> str:
    """Shorten to `limit` at a word boundary with an ellipsis; for labels, never for facts.

    Every word that fits is kept; a single word longer than `limit` is the only thing cut.
    """
    if len(text) <= limit:
        return text
    room = text[: limit - 1]
    if not text[limit - 1].isspace():  # the cut falls inside a word: drop that word
        room = re.sub(r"\S+\Z", "", room)
    cut = room.rstrip(" ,;:\n\t")
    return f"{cut or text[: limit - 1]}…"
