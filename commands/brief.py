"""`/brief`: the briefing a subscribed channel would get now, from the shared composer."""

from __future__ import annotations

from commands.briefing import ITEMS, briefing_order, compose_briefing
from commands.context import Invocation, Services
from commands.messages import Reply


def rotation_key(invocation: Invocation) -> str:
    return f"{invocation.place_key}:brief"


def brief(services: Services, invocation: Invocation) -> Reply:
    """Compose now, in UTC, without "what's new"; each call here moves on to the next items."""
    kb = services.kb
    size = len(briefing_order(kb))
    step = services.rotation.advance(rotation_key(invocation), size) if size else 0
    return compose_briefing(kb, invocation.now, cursor=step * ITEMS).reply
