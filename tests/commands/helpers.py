"""Shared helpers for command tests: the real knowledge base, a grown one, and limit checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from commands.context import Invocation
from commands.messages import Reply
from knowledge.base import KnowledgeBase
from knowledge.loader import load_knowledge_base
from knowledge.models import Actor

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


def real_kb() -> KnowledgeBase:
    return load_knowledge_base(REPO / "seeds")


def invocation(user_id: int = 42, channel_id: int | None = 7) -> Invocation:
    return Invocation(user_id=user_id, now=NOW, channel_id=channel_id)


def grown_kb(base: KnowledgeBase, extra: int = 200) -> KnowledgeBase:
    """`base` plus `extra` events, sanctions per side, quotes and speakers, made by copying.

    Copies keep their real sources and have longer texts, so limits and paging are tested
    well beyond today's data without inventing new source sentences.
    """
    event, sanction, quote = base.events[0], base.sanctions[0], base.quotes[0]
    speaker = base.get(quote.speaker)
    assert isinstance(speaker, Actor)
    entries: list = list(base.entries)
    for n in range(extra):
        entries.append(
            event.model_copy(
                update={
                    "id": f"grown-event-{n}",
                    "order": 1000 + n,
                    "title": f"{event.title} (copy {n})" + " long" * (n % 40),
                    "text": f"{event.text} " * (1 + n % 6),
                    "topics": (*event.topics, "peace-talks"),
                }
            )
        )
        for side in ("japan", "russia"):
            entries.append(
                sanction.model_copy(
                    update={
                        "id": f"grown-{side}-{n}",
                        "side": side,
                        "measure": f"Measure {n}",
                        "text": f"{sanction.text} " * (1 + n % 4),
                    }
                )
            )
        entries.append(
            quote.model_copy(
                update={
                    "id": f"grown-quote-{n}",
                    "speaker": f"grown-speaker-{n % 30}",
                    "context": f"{quote.context} " * (1 + n % 5),
                }
            )
        )
    for n in range(30):
        entries.append(
            speaker.model_copy(
                update={
                    "id": f"grown-speaker-{n}",
                    "name": f"Speaker number {n} " + "with a long name " * (n % 8),
                    "aliases": (f"grown alias {n}",),
                }
            )
        )
    return KnowledgeBase(base.seeds, tuple(entries), base.themes, f"{base.version}-grown")


def check_limits(reply: Reply) -> None:
    """Discord's documented limits, checked independently of the message model's own checks."""
    assert reply.content or reply.embeds
    assert len(reply.content or "") <= 2000
    assert len(reply.embeds) <= 10
    total = 0
    for embed in reply.embeds:
        assert len(embed.title or "") <= 256
        assert len(embed.description or "") <= 4096
        assert len(embed.fields) <= 25
        for field in embed.fields:
            assert 1 <= len(field.name) <= 256
            assert 1 <= len(field.value) <= 1024
        assert len(embed.footer or "") <= 2048
        size = sum(len(part or "") for part in (embed.title, embed.description, embed.footer))
        size += sum(len(field.name) + len(field.value) for field in embed.fields)
        assert size <= 6000
        total += size
    assert total <= 6000
    assert len(reply.buttons) <= 5
    ids = []
    for row in reply.buttons:
        assert 1 <= len(row) <= 5
        for button in row:
            assert len(button.label) <= 80
            assert len(button.custom_id) <= 100
            ids.append(button.custom_id)
    assert len(ids) == len(set(ids))


def text_of(reply: Reply) -> str:
    """Everything a reader sees, for checking facts are present."""
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)
