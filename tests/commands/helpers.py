"""Shared helpers for command tests: a fresh load of the real knowledge base, a grown one, and
the text a reader sees. (Discord's limits need no checking here: the message models refuse
anything over them, `tests/commands/test_messages.py`.)"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from commands.context import Invocation, Services
from commands.messages import Reply
from knowledge.base import KnowledgeBase
from knowledge.models import Actor

REPO = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


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
                        "by": side,
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


class _NoFreeText:
    """For commands that never answer free text, on a knowledge base of the test's own: a
    model trained on it would cost seconds. Asking it a question fails the test."""

    def answer(self, question: str) -> None:
        raise AssertionError("this Services answers no free text: build Services(kb) instead")


def services_without_free_text(kb: KnowledgeBase) -> Services:
    return Services(kb, answerer=_NoFreeText())  # type: ignore[arg-type]


def text_of(reply: Reply) -> str:
    """Everything a reader sees, for checking facts are present."""
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer or ""]
        parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    return "\n".join(parts)
