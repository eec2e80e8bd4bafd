"""Start-up failures said as one plain line: what failed, which setting, its target, what to do.

    Cannot reach the database at DATABASE_URL=postgresql://bot:***@127.0.0.1:5999/x:
    connection refused. Is PostgreSQL running there?

(on one line). Passwords never appear; the token is never shown at all. The Python detail
goes to the debug log, not the operator's screen.
"""

from __future__ import annotations

import errno
import socket
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import Settings
from bot.storage.url import async_database_url, redact_url, sqlite_path

__all__ = [
    "EXIT_DATABASE_REFUSED",
    "EXIT_DISCORD_REFUSED",
    "EXIT_FAILURE",
    "EXIT_SETTINGS",
    "StartupError",
    "database_error",
    "discord_gateway_error",
    "discord_http_error",
    "discord_unreachable",
    "login_refused",
    "redact_url",
]


#: Exit codes of `kuril-brief` (the README's "Exit codes" lists them). 3 and 4 are failures
#: that restarting cannot fix until the operator acts, so the systemd unit does not restart
#: on them (nor on 2).
EXIT_FAILURE = 1  # start-up failed (Discord or the database unreachable, ...); may pass
EXIT_SETTINGS = 2  # a usage or settings error
EXIT_DISCORD_REFUSED = 3  # Discord refused the token (login or gateway 4004) or intents (4014)
EXIT_DATABASE_REFUSED = 4  # a database not to be used: newer, foreign, lost or replaced


class StartupError(Exception):
    """A failure an operator must fix; `str()` is the whole message, one line, and
    `exit_code` what `kuril-brief` exits with."""

    def __init__(self, message: str, *, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _root_causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (SQLAlchemy's `.orig`, `__cause__`), outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return chain


def _database_reason(exc: BaseException, url: str, path: Path | None) -> tuple[str, str]:
    """(what happened, what to do) for a database that would not open, in words.

    `path` is the SQLite file (None for PostgreSQL)."""
    parsed = make_url(url)  # already checked by settings validation: cannot fail here
    sqlite = path is not None
    host = parsed.host or parsed.query.get("host") or "localhost"
    for cause in _root_causes(exc):
        name = type(cause).__name__
        text = str(cause)
        if isinstance(cause, socket.gaierror):
            return f"host {host!r} not found", "Check the host name in DATABASE_URL."
        if (
            isinstance(cause, ConnectionRefusedError)
            or (isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED)
            or "Connect call failed" in text
        ):
            return "connection refused", "Is PostgreSQL running there, on that port?"
        if isinstance(cause, TimeoutError):
            return "timed out", "Is the host reachable and PostgreSQL listening on that port?"
        if name == "InvalidPasswordError":
            return "the user or password was refused", "Check them in DATABASE_URL."
        if name == "InvalidCatalogNameError":
            return (
                f"database {parsed.database!r} does not exist",
                f"Create it (createdb {parsed.database}) or fix DATABASE_URL.",
            )
        if isinstance(cause, PermissionError):
            return (
                f"permission denied for {cause.filename or 'its folder'}",
                "Let the bot's user write there, or set KURIL_DATA_DIR or DATABASE_URL elsewhere.",
            )
        if not sqlite and isinstance(cause, FileNotFoundError):
            return (
                f"there is no PostgreSQL socket in {host}",
                "Is PostgreSQL running, and is that the folder of its socket?",
            )
        if isinstance(cause, OSError) and cause.filename:
            return (
                f"{(cause.strerror or str(cause)).lower()}: {cause.filename}",
                "Check that the folder can be created and the bot's user may write there.",
            )
        if isinstance(cause, sqlite3.OperationalError | sqlite3.DatabaseError):
            if path is not None and not path.parent.exists():
                return (
                    f"the folder {path.parent} does not exist",
                    "Create it (writable by the bot's user), or fix DATABASE_URL.",
                )
            if path is not None and not path.parent.is_dir():
                return f"{path.parent} is not a folder", "Fix DATABASE_URL."
            return (
                text,
                "Check that the file's folder exists and the bot's user may write there.",
            )
    return (
        _in_words(_root_causes(exc)[-1]),
        "Check DATABASE_URL and the database server (LOG_LEVEL=DEBUG shows the detail).",
    )


def _in_words(exc: BaseException) -> str:
    """An exception's own message without its class name (`OSError: [Errno 5] ...`)."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror[:1].lower() + exc.strerror[1:]
    text = str(exc).strip().rstrip(".").splitlines()[0] if str(exc).strip() else ""
    return (text[:1].lower() + text[1:]) if text else "an unexpected error"


def database_error(exc: BaseException, settings: Settings) -> StartupError:
    """Why the database could not be opened, naming the setting that chose it."""
    url = settings.resolved_database_url
    if settings.database_url:
        target = f"DATABASE_URL={redact_url(settings.database_url)}"
    else:
        target = f"KURIL_DATA_DIR={settings.kuril_data_dir}"
    path = sqlite_path(async_database_url(url, settings.kuril_data_dir))
    if path is not None and settings.database_url:
        target += f" (file {path})"
    elif path is not None:
        target += f" (file {Path(path).name})"
    reason, advice = _database_reason(exc, url, path)
    verb = "open" if path is not None else "reach"
    return StartupError(f"Cannot {verb} the database at {target}: {reason}. {advice}")


def discord_unreachable(exc: BaseException, api_base: str) -> StartupError:
    """Discord's REST API did not answer (network, DNS, proxy, a wrong DISCORD_API_BASE)."""
    reason = _in_words(_root_causes(exc)[-1])
    for cause in _root_causes(exc):
        if isinstance(cause, TimeoutError):
            reason = "timed out"
            break
        if isinstance(cause, socket.gaierror):
            reason = "host not found"
            break
        if isinstance(cause, ConnectionRefusedError):
            reason = "connection refused"
            break
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:
            reason = "connection refused"
            break
    return StartupError(
        f"Cannot reach Discord at DISCORD_API_BASE={api_base}: {reason}. "
        "Check the network connection, and DISCORD_API_BASE if you set it."
    )


def login_refused(exc: BaseException) -> StartupError:
    """Discord answered but refused DISCORD_TOKEN (never shown)."""
    reason = str(exc).strip().rstrip(".") or "the token was refused"
    reason = reason[:1].lower() + reason[1:]
    return StartupError(
        f"Discord refused the login with DISCORD_TOKEN: {reason}. {_NEW_TOKEN}",
        exit_code=EXIT_DISCORD_REFUSED,
    )


_NEW_TOKEN = (
    "Copy the bot token again from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN."
)
#: Gateway close codes: https://discord.com/developers/docs/topics/opcodes-and-status-codes
GATEWAY_AUTHENTICATION_FAILED = 4004
GATEWAY_DISALLOWED_INTENTS = 4014


def discord_http_error(status: int, reason: str, api_base: str) -> StartupError:
    """Discord (or whatever DISCORD_API_BASE points at) answered with an error at login."""
    return StartupError(
        f"Discord answered HTTP {status} at DISCORD_API_BASE={api_base}: {reason}. "
        "Try again later; check DISCORD_API_BASE if you set it."
    )


def discord_gateway_error(code: int | None, reason: str, *, intents: str) -> StartupError:
    """Discord's gateway closed on the bot for good, with close `code` (None: no close code).
    The two an operator causes each name their fix: a token refused (4004: revoked since the
    REST login) and an intent the Developer Portal does not allow (4014). `intents` is what
    the bot asks for, in words."""
    if code == GATEWAY_AUTHENTICATION_FAILED:
        return StartupError(
            "Discord's gateway refused DISCORD_TOKEN (close code 4004, authentication "
            f"failed). {_NEW_TOKEN}",
            exit_code=EXIT_DISCORD_REFUSED,
        )
    if code == GATEWAY_DISALLOWED_INTENTS:
        return StartupError(
            "Discord's gateway refused the bot's intents (close code 4014, disallowed "
            f"intents; it asks for {intents}). Turn on any privileged one among them in the "
            "Developer Portal (Bot, Privileged Gateway Intents).",
            exit_code=EXIT_DISCORD_REFUSED,
        )
    reason = reason.strip().rstrip(".") or "no reason given"
    return StartupError(
        f"Discord's gateway closed the connection: {reason}. Check DISCORD_TOKEN, and the "
        "bot's settings on the Developer Portal (the bot needs no privileged intents)."
    )
