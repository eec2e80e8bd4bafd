"""Turn the user-facing `DATABASE_URL` into the async SQLAlchemy URL storage connects to.

PRODUCT.md promises plain `sqlite:///relative.db`, `sqlite:////absolute/path.db` and
`postgresql://user@host/db`; the engine needs the async drivers (aiosqlite, asyncpg), and a
relative SQLite path must land in the data directory, never wherever the bot was started.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["async_database_url", "hide_password", "sqlite_path"]

_SQLITE_MEMORY = ("", ":memory:")
#: `user:password@` in anything URL-like, parsable or not (`postgresql//u:pw@host`); a
#: password with an unescaped `@` in it (`u:p@ss@host`) is taken up to the last `@`.
_CREDENTIALS = re.compile(r"([^\s:/@]+):(?:[^\s@/]*@)+")


def hide_password(text: str) -> str:
    """`text` with every `user:password@` shown as `user:***@`: safe to print or log. The one
    place passwords are hidden in what the bot says (settings errors, start-up failures)."""
    try:
        parsed = make_url(text)
    except ArgumentError:
        parsed = None
    if parsed is not None and parsed.password is not None:
        text = parsed.render_as_string(hide_password=True)  # a password with `/` in it too
    return _CREDENTIALS.sub(r"\1:***@", text)


def async_database_url(url: str | URL, data_dir: Path) -> URL:
    """The async-driver URL for `url`; relative SQLite paths are resolved against `data_dir`.

    Raises ValueError for a URL that is not SQLite or PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        # Not `from exc`: SQLAlchemy's message repeats the URL, password and all.
        raise ValueError(f"not a database URL: {hide_password(str(url))!r}") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if database not in _SQLITE_MEMORY and not database.startswith("file:"):
            path = Path(database).expanduser()
            if not path.is_absolute():
                path = Path(data_dir).expanduser().resolve() / path
            database = str(path)
        return parsed.set(drivername="sqlite+aiosqlite", database=database)
    if backend in ("postgresql", "postgres"):
        query = dict(parsed.query)
        if "sslmode" in query and "ssl" not in query:
            # libpq spelling (common in hosted URLs); asyncpg takes the same modes as `ssl`.
            query["ssl"] = query.pop("sslmode")
        return parsed.set(drivername="postgresql+asyncpg", query=query)
    raise ValueError(
        f"unsupported database {backend!r}: DATABASE_URL must be sqlite:///... or postgresql://..."
    )


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for PostgreSQL and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database or ""
    if database in _SQLITE_MEMORY or database.startswith("file:"):
        return None
    return Path(database)
