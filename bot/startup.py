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
from sqlalchemy.exc import ArgumentError

from bot.settings import Settings
from bot.storage.url import async_database_url, sqlite_path


class StartupError(Exception):
    """A failure an operator must fix; `str()` is the whole message, one line."""


def redact_url(url: str) -> str:
    """`url` with any password replaced by `***`; an unparsable URL is shown as given."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return url
    if parsed.password is None:
        return url
    return parsed.render_as_string(hide_password=True)


def _root_causes(exc: BaseException) -> list[BaseException]:
    """The exception and what it wraps (SQLAlchemy's `.orig`, `__cause__`), outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = getattr(current, "orig", None) or current.__cause__
    return chain


def _database_reason(exc: BaseException, url: str) -> tuple[str, str]:
    """(what happened, what to do) for a database that would not open."""
    parsed = make_url(url)
    host = parsed.host or "localhost"
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
        if isinstance(cause, OSError) and cause.filename:
            return (
                f"{(cause.strerror or str(cause)).lower()}: {cause.filename}",
                "Check that the folder can be created and the bot's user may write there.",
            )
        if isinstance(cause, sqlite3.OperationalError | sqlite3.DatabaseError):
            return (
                text,
                "Check that the file's folder exists and the bot's user may write there.",
            )
    first = _root_causes(exc)[-1]
    return f"{type(first).__name__}: {first}", "Check DATABASE_URL and the database server."


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
    reason, advice = _database_reason(exc, url)
    verb = "open" if path is not None else "reach"
    return StartupError(f"Cannot {verb} the database at {target}: {reason}. {advice}")


def discord_unreachable(exc: BaseException, api_base: str) -> StartupError:
    """Discord's REST API did not answer (network, DNS, proxy, a wrong DISCORD_API_BASE)."""
    reason = str(exc).strip() or type(exc).__name__
    for cause in _root_causes(exc):
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
        f"Discord refused the login with DISCORD_TOKEN: {reason}. Copy the bot token again "
        "from the Developer Portal (Bot, Reset Token) into DISCORD_TOKEN."
    )


def discord_http_error(status: int, reason: str, api_base: str) -> StartupError:
    """Discord (or whatever DISCORD_API_BASE points at) answered with an error at login."""
    return StartupError(
        f"Discord answered HTTP {status} at DISCORD_API_BASE={api_base}: {reason}. "
        "Try again later; check DISCORD_API_BASE if you set it."
    )


def discord_gateway_error(exc: BaseException) -> StartupError:
    """Discord's gateway closed on the bot (authentication failed, an intent refused, ...)."""
    reason = str(exc).strip().rstrip(".") or type(exc).__name__
    return StartupError(
        f"Discord's gateway closed the connection: {reason}. Check DISCORD_TOKEN, and the "
        "bot's settings on the Developer Portal (the bot needs no privileged intents)."
    )
