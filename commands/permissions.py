"""The Discord permissions the bot uses, in one list: the invite asks for exactly these, and a
channel must grant the briefing ones before it can be subscribed.

Keys are `discord.Permissions` flag names; values are the names Discord's settings show, which
is how replies name a missing one. Mention Everyone is left out on purpose: a briefing role
must be mentionable, or an admin grants it by hand (see the README).
"""

from __future__ import annotations

from typing import Final

PERMISSIONS: Final = {
    "view_channel": "View Channel",  # answers and briefings
    "send_messages": "Send Messages",  # answers and briefings
    "send_messages_in_threads": "Send Messages in Threads",  # mentions in threads
    "embed_links": "Embed Links",  # every answer and briefing is an embed
    "read_message_history": "Read Message History",  # replying to a mention needs it
}
BRIEFING_PERMISSIONS: Final = ("view_channel", "send_messages", "embed_links")
"""What posting a briefing needs in its channel (checked before subscribing)."""


def missing_for_briefings(granted: set[str] | frozenset[str]) -> list[str]:
    """The briefing permissions not among `granted` (flag names), as Discord names them."""
    return [PERMISSIONS[flag] for flag in BRIEFING_PERMISSIONS if flag not in granted]
