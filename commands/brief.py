"""`/brief`: the briefing a subscribed channel would get now, from the shared composer."""

from __future__ import annotations

from commands.briefing import compose_briefing
from commands.context import Invocation, Services
from commands.messages import Reply


def rotation_key(invocation: Invocation) -> str:
    return f"{invocation.place_key}:brief"


def brief(services: Services, invocation: Invocation) -> Reply:
    """Compose now, in UTC, without "what's new"; each call here moves on to the next items.

    The composer says where the next briefing starts (past the items that fit), so nothing
    is skipped even when an item is too long to share a message.
    """
    key = rotation_key(invocation)
    composed = compose_briefing(
        services.kb,
        invocation.now,
        cursor=services.rotation.cursor(key),
        language=invocation.ui_language,
    )
    services.rotation.move_to(key, composed.cursor)
    return composed.reply
