"""Free-text questions: `/ask`, mentions, DMs, the console and `kuril-brief ask`.

Until the fuzzy answerer lands this declines every question politely and points to the
commands that do work, so every interface already has its final shape.
"""

from __future__ import annotations

from typing import Any

from commands.context import Invocation, Services
from commands.messages import Reply

NOT_YET = (
    "I can't answer free-text questions yet. Try `/timeline`, `/sanctions`, `/quote` or `/about`."
)


def ask_payload(services: Services, question: str) -> dict[str, Any]:
    """The `kuril-brief ask --json` object of PRODUCT.md."""
    return {
        "question": question,
        "answered": False,
        "answer": NOT_YET,
        "sources": [],
        "suggestions": [],
        "score": 0.0,
    }


def ask_reply(services: Services, invocation: Invocation, question: str) -> Reply:
    return Reply.notice(NOT_YET)
