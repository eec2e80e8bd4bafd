"""The OAuth2 invite URL: the scopes and exactly the permissions the bot uses, built offline."""

from __future__ import annotations

import base64
import binascii

import discord

from commands.permissions import PERMISSIONS

SCOPES = ("bot", "applications.commands")


def required_permissions() -> discord.Permissions:
    """What the bot does in a channel, and nothing more (no admin, no pings beyond a role):
    the one list in `commands.permissions`, which says why each is needed."""
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def application_id_from_token(token: str) -> int | None:
    """A bot token's first segment is the bot's user id (= its application id) in base64."""
    first = token.strip().split(".", 1)[0]
    try:
        decoded = base64.b64decode(first + "=" * (-len(first) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return int(decoded) if decoded.isdigit() and 15 <= len(decoded) <= 21 else None


def invite_url(application_id: int) -> str:
    return discord.utils.oauth_url(
        application_id, permissions=required_permissions(), scopes=SCOPES
    )
