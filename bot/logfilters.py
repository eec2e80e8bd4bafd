"""Filters on discord.py's loggers: no interaction token in any log line, and reconnects said
in one line.

An interaction token lets anyone answer or edit that interaction's messages for 15 minutes.
discord.py logs them at DEBUG: whole INTERACTION_CREATE payloads (`"token": "..."`) from the
gateway, and callback and webhook URLs (`/interactions/<id>/<token>/callback`,
`/webhooks/<application>/<token>`) from the HTTP and webhook clients. The filter rewrites each
record's message with the token masked, at every level, whatever handler or format is used.

discord.py also logs every failed reconnect attempt at ERROR with a full traceback; during a
gateway outage that is a wall of tracebacks for an expected event. The filter keeps the line
and the exception's one-line summary, and drops the traceback (at DEBUG it stays).
"""

from __future__ import annotations

import logging
import re

__all__ = ["DISCORD_LOGGERS", "DiscordLogFilter", "install_log_filters"]

#: Every discord.py logger that can carry a token or a reconnect traceback. Filters on a
#: logger apply to records made by that logger (not to those of its children), so each one.
DISCORD_LOGGERS = (
    "discord.client",
    "discord.gateway",
    "discord.http",
    "discord.shard",
    "discord.state",
    "discord.interactions",
    "discord.webhook.async_",
    "discord.app_commands.tree",
    "discord.ui.view",
)
MASK = "<redacted>"
_URL_TOKEN = re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s'\"?]+")
_JSON_TOKEN = re.compile(r"""((?:"token"|'token')\s*:\s*["'])[^"']+""")
_RECONNECT = re.compile(r"^Attempting a reconnect", re.IGNORECASE)


def redact(text: str) -> str:
    return _JSON_TOKEN.sub(rf"\g<1>{MASK}", _URL_TOKEN.sub(rf"\g<1>{MASK}", text))


class DiscordLogFilter(logging.Filter):
    """Masks interaction tokens; shortens reconnect tracebacks to one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if (
            record.exc_info
            and record.exc_info[1] is not None
            and record.levelno > logging.DEBUG
            and _RECONNECT.match(message)
        ):
            error = record.exc_info[1]
            cleaned = f"{cleaned} ({type(error).__name__}: {error})"
            record.exc_info = None
            record.exc_text = None
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


_FILTER = DiscordLogFilter()


def install_log_filters() -> None:
    """Attach the filter to discord.py's loggers (once; calling again changes nothing)."""
    for name in DISCORD_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
