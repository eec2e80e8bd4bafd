"""Schema migrations through Alembic; the revisions ship inside the package.

The scripts live in `bot/storage/alembic/` (found from this file, never from the working
directory) and run on a connection this module opens, inside one transaction: a failed
upgrade leaves the database exactly where it was.

Databases made by release 0.1.0's hand-written migrations have a `schema_version` table and
no `alembic_version`. They are stamped at the revision matching their version (1 -> 0001,
2 -> 0002), then upgraded like any other; revision 0003 drops the old table.

Concurrent starters are serialised: PostgreSQL by a transaction-scoped advisory lock, SQLite
by BEGIN IMMEDIATE (its write lock). A database at a revision this code does not know (a
newer release migrated it) is refused with `SchemaTooNewError`.

Changing the schema: edit `schema.py`, then generate a revision against a database at head
and review it (SQLite needs batch operations for most ALTERs; env.py turns them on):

    engine = sqlalchemy.create_engine("sqlite:////tmp/dev.db")
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
        command.revision(config, message="what changes", autogenerate=True, rev_id="0004")

`tests/bot/test_storage.py` fails until the models and the migration head agree.

Alembic is imported inside the functions: every `kuril-brief` command imports this package,
and only the ones that touch the database need Alembic (a quarter-second at start-up).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.storage.engine import WRITE_OPTION

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

__all__ = [
    "LEGACY_REVISIONS",
    "SCRIPTS_DIR",
    "SchemaTooNewError",
    "alembic_config",
    "current_revision",
    "head_revision",
    "is_known_revision",
    "upgrade",
]

log = logging.getLogger(__name__)

SCRIPTS_DIR = Path(__file__).resolve().with_name("alembic")
#: Release 0.1.0's `schema_version` numbers and the revisions that describe the same schema.
LEGACY_REVISIONS = {1: "0001", 2: "0002"}

# Arbitrary constant: the PostgreSQL advisory lock id that serialises migrations.
_PG_LOCK_ID = 0x4B5552494C  # "KURIL"


class SchemaTooNewError(RuntimeError):
    """The database was migrated by a newer release; refusing to run older code against it."""


def alembic_config(*, extra_version_locations: Sequence[Path] = ()) -> Config:
    """Alembic's configuration, built in code (there is no alembic.ini to find).

    `extra_version_locations` adds revision directories, e.g. a test's deliberately broken step.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPTS_DIR))
    config.set_main_option("path_separator", "os")
    locations = [SCRIPTS_DIR / "versions", *extra_version_locations]
    config.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return config


def head_revision(config: Config | None = None) -> str:
    """The newest revision this code knows."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(config or alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError("no Alembic revisions found in the package")
    return head


def is_known_revision(revision: str, config: Config | None = None) -> bool:
    """Whether this code has `revision` (False: a newer release wrote it)."""
    from alembic.script import ScriptDirectory

    return _known(ScriptDirectory.from_config(config or alembic_config()), revision)


def _known(script: ScriptDirectory, revision: str) -> bool:
    from alembic.util.exc import CommandError

    try:
        return script.get_revision(revision) is not None
    except CommandError:
        return False


def _legacy_version(conn: Connection) -> int | None:
    """Release 0.1.0's schema version, when the database has only its bookkeeping."""
    names = set(inspect(conn).get_table_names())
    if "alembic_version" in names or "schema_version" not in names:
        return None
    version = conn.execute(text("SELECT max(version) FROM schema_version")).scalar()
    return int(version or 0)


def _revision_of(conn: Connection) -> str | None:
    """The database's revision: Alembic's, else the legacy version's; None when empty."""
    from alembic.runtime.migration import MigrationContext

    legacy = _legacy_version(conn)
    if legacy is not None:
        if legacy not in LEGACY_REVISIONS:
            raise SchemaTooNewError(
                f"its old-style schema version {legacy} is unknown to this release; "
                "a newer release migrated it. Run that release, or restore a backup."
            )
        return LEGACY_REVISIONS[legacy]
    return MigrationContext.configure(conn).get_current_revision()


def _check_known(script: ScriptDirectory, revision: str | None) -> None:
    if revision is not None and not _known(script, revision):
        raise SchemaTooNewError(
            f"schema revision {revision} is unknown to this release (newest: "
            f"{script.get_current_head()}); a newer release migrated it. "
            "Run that release, or restore a backup."
        )


def _upgrade(conn: Connection, config: Config, target: str) -> list[str]:
    from alembic import command
    from alembic.script import ScriptDirectory

    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _PG_LOCK_ID})
    script = ScriptDirectory.from_config(config)
    current = _revision_of(conn)
    _check_known(script, current)
    pending = [rev.revision for rev in script.iterate_revisions(target, current)]
    if not pending:
        return []
    config.attributes["connection"] = conn
    if current is not None and _legacy_version(conn) is not None:
        log.info("adopting release 0.1.0's schema version as Alembic revision %s", current)
        command.stamp(config, current)
    command.upgrade(config, target)
    return pending[::-1]


@contextlib.contextmanager
def _alembic_quiet() -> Iterator[None]:
    """Alembic logs "Context impl SQLiteImpl." and "Will assume non-transactional DDL." at INFO
    whenever it looks at a database (the latter is wrong here: we hold a transaction); this
    module logs what was applied itself."""
    logger = logging.getLogger("alembic")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


async def upgrade(
    engine: AsyncEngine, *, target: str = "head", config: Config | None = None
) -> list[str]:
    """Bring the database up to `target` (default: the newest); returns the revisions applied,
    oldest first. Raises SchemaTooNewError when the database is ahead of the code."""
    config = config or alembic_config()
    async with engine.connect() as conn:
        await conn.execution_options(**{WRITE_OPTION: True})
        async with conn.begin():
            with _alembic_quiet():
                applied = await conn.run_sync(_upgrade, config, target)
    for revision in applied:
        log.info("database migrated to schema revision %s", revision)
    return applied


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None for an empty database); never changes it."""
    async with engine.connect() as conn:
        with _alembic_quiet():
            return await conn.run_sync(_revision_of)
