"""`DATABASE_URL`: checked, translated to the async URL storage connects to, and redacted.

PRODUCT.md promises plain `sqlite:///relative.db`, `sqlite:////absolute/path.db` and
`postgresql://user@host/db`; the engine needs the async drivers (aiosqlite, asyncpg), and a
relative SQLite path must land in the data directory, never wherever the bot was started.

A malformed URL is refused here, with a reason that never repeats the URL (it may hold a
password), so settings validation catches it before anything tries to connect.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["async_database_url", "redact_url", "sqlite_path"]

_SQLITE_MEMORY = ("", ":memory:")
_FORMS = "write sqlite:///FILE or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
#: libpq's SSL modes; asyncpg takes the same names as `ssl`.
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
TARGET_SESSION_ATTRS = ("any", "primary", "standby", "prefer-standby", "read-write", "read-only")
#: Query parameters asyncpg takes as plain strings (numbers would reach it as text and fail).
POSTGRES_PARAMETERS = (
    "sslmode",
    "ssl",
    "host",
    "port",
    "user",
    "password",
    "passfile",
    "target_session_attrs",
)
_QUERY_SECRET = re.compile(r"(?i)((?:^|[?&;\s])[^=&?;\s]*password\s*=)[^&;\s]*")


def redact_url(url: str) -> str:
    """`url` with every password hidden: safe to print, and never raises.

    Parsed by hand, not by SQLAlchemy: a malformed URL (an unencoded `@` in the password, a
    bad port) must be redacted too. Everything between the user name and the last `@` is
    hidden, so an `@` inside the password cannot expose its tail; `password=` parameters
    (also `sslpassword=`) are hidden as well.
    """
    text = str(url)
    scheme, separator, rest = text.partition("://")
    if not separator:
        scheme, rest = "", text
    at = rest.rfind("@")
    if at >= 0:
        userinfo, host_and_rest = rest[:at], rest[at + 1 :]
        user, colon, _password = userinfo.partition(":")
        if colon:
            rest = f"{user}:***@{host_and_rest}"
        elif not separator:
            rest = f"***@{host_and_rest}"  # not a URL: whatever precedes the @ may be secret
    rest = _QUERY_SECRET.sub(r"\1***", rest)
    return f"{scheme}{separator}{rest}"


def check_database_url(url: str) -> URL:
    """The parsed URL, or ValueError saying (without the URL itself) what is wrong with it."""
    scheme, separator, rest = url.strip().partition("://")
    if not separator or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+]*", scheme):
        raise ValueError(f"not a database URL: {_FORMS}")
    backend = scheme.split("+", 1)[0].lower()
    if backend not in ("sqlite", "postgresql", "postgres"):
        raise ValueError(
            f"unsupported database {backend!r}: DATABASE_URL must be sqlite:///... or "
            "postgresql://..."
        )
    if backend != "sqlite" and rest.count("@") > 1:
        raise ValueError(
            "'@' appears more than once: write an '@' in the user name or password as %40"
        )
    authority = rest.split("@")[-1].split("/", 1)[0].split("?", 1)[0]
    if "[" in authority and "]" not in authority:
        raise ValueError("an IPv6 host must be in brackets, as in postgresql://bot@[::1]:5432/db")
    try:
        parsed = make_url(url.strip())
    except ArgumentError:
        raise ValueError(f"not a database URL: {_FORMS}") from None
    except ValueError:  # SQLAlchemy's int(port)
        raise ValueError("the port must be a number from 1 to 65535") from None
    if parsed.port is not None and not 1 <= parsed.port <= 65535:
        raise ValueError("the port must be a number from 1 to 65535")
    if backend == "sqlite":
        _check_sqlite(parsed)
    else:
        _check_postgres(parsed)
    return parsed


def _check_sqlite(parsed: URL) -> None:
    if parsed.host or parsed.port or parsed.username or parsed.password:
        raise ValueError(
            "a SQLite URL names only a file: sqlite:///relative.db (in the data directory) "
            "or sqlite:////absolute/path.db"
        )
    database = parsed.database or ""
    if database in _SQLITE_MEMORY:
        raise ValueError(
            "an in-memory SQLite database would lose every subscription when the bot stops; "
            "name a file: sqlite:///kuril-brief.db"
        )
    if database.startswith("file:"):
        raise ValueError("SQLite URI file names (file:...) are not supported; give a path")
    if parsed.query:
        raise ValueError(
            "a SQLite URL takes no ?parameters (the bot sets its own timeout and journal mode)"
        )


def _check_postgres(parsed: URL) -> None:
    for name, value in parsed.query.items():
        if name not in POSTGRES_PARAMETERS:
            raise ValueError(
                f"unknown parameter ?{name}= (supported: {', '.join(POSTGRES_PARAMETERS)})"
            )
        if isinstance(value, tuple):
            raise ValueError(f"?{name}= is given more than once")
        if name in ("sslmode", "ssl") and value not in SSL_MODES:
            raise ValueError(f"?{name}= must be one of {', '.join(SSL_MODES)}")
        if name == "target_session_attrs" and value not in TARGET_SESSION_ATTRS:
            raise ValueError(
                f"?target_session_attrs= must be one of {', '.join(TARGET_SESSION_ATTRS)}"
            )
        if name == "port" and not (value.isdigit() and 1 <= int(value) <= 65535):
            raise ValueError("the port must be a number from 1 to 65535")
    if "sslmode" in parsed.query and "ssl" in parsed.query:
        raise ValueError("give ?sslmode= or ?ssl=, not both")


def async_database_url(url: str | URL, data_dir: Path) -> URL:
    """The async-driver URL for `url`; relative SQLite paths are resolved against `data_dir`.

    Raises ValueError for a malformed URL or one that is not SQLite or PostgreSQL.
    """
    parsed = (
        check_database_url(url.render_as_string(hide_password=False))
        if isinstance(url, URL)
        else check_database_url(url)
    )
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").expanduser()
        if not path.is_absolute():
            path = Path(data_dir).expanduser().resolve() / path
        return parsed.set(drivername="sqlite+aiosqlite", database=str(path))
    query = dict(parsed.query)
    if "sslmode" in query:
        # libpq spelling (common in hosted URLs); asyncpg takes the same modes as `ssl`.
        query["ssl"] = query.pop("sslmode")
    return parsed.set(drivername="postgresql+asyncpg", query=query)


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL."""
    if url.get_backend_name() != "sqlite":
        return None
    return Path(url.database or "")
