"""`Storage`: the one async interface to subscriptions, the delivery log and bot state.

Why it is shaped this way:
- One class over SQLAlchemy Core for both SQLite (default) and PostgreSQL, so the scheduler
  and commands never see a dialect.
- On SQLite every write runs under one asyncio lock and BEGIN IMMEDIATE: thousands of
  concurrent deliveries queue in-process instead of failing with "database is locked".
  PostgreSQL needs no lock; its row locks and unique constraints do the work.
- At-most-once delivery rests on the unique (channel_id, slot) constraint: `claim_slot`
  inserts the row or fails to, atomically, on both backends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Collection, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Self

from sqlalchemy import Column, ColumnElement, Table, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.storage.engine import SQLITE_BUSY_TIMEOUT_MS, WRITE_OPTION, create_private, make_engine
from bot.storage.migrations import current_revision, upgrade
from bot.storage.models import (
    FINAL_OUTCOMES,
    MAX_NOTE,
    MAX_PAUSE_REASON,
    OUTCOMES,
    STATUSES,
    ChannelState,
    Delivery,
    InvalidRecordError,
    Outcome,
    Subscription,
    normalise_days,
    utc,
    validate_language,
    validate_snowflake,
    validate_time,
    validate_timezone,
)
from bot.storage.ownership import DatabaseRefusedError, refuse_foreign
from bot.storage.schema import CHANNEL_STATE, DELIVERY_LOG, KV, SUBSCRIPTIONS
from bot.storage.url import async_database_url, redact_url, sqlite_path

if TYPE_CHECKING:
    from bot.settings import Settings

__all__ = [
    "KNOWN_FILES",
    "UNAVAILABLE_ERRORS",
    "DatabaseFileMissingError",
    "DatabaseFileReplacedError",
    "Storage",
    "StorageClosedError",
    "unavailable_reason",
]

log = logging.getLogger(__name__)

_SUB = SUBSCRIPTIONS.c
_LOG = DELIVERY_LOG.c
_STATE = CHANNEL_STATE.c


class StorageClosedError(RuntimeError):
    """Storage was used before `open()` or after `close()`."""


class DatabaseFileReplacedError(StorageClosedError):
    """The SQLite file was deleted or replaced while the bot ran: the open connections
    would go on with the old file and new ones would make an empty database, each half of
    the bot seeing a different one. Nothing more is read or written; the bot stops."""


class DatabaseFileMissingError(DatabaseRefusedError):
    """The SQLite file is gone although this data directory records having used it: starting
    from a new, empty one would silently drop every subscription."""


#: In the data directory: the SQLite files the bot has used (path -> first used), so that a
#: file deleted while the bot was down is noticed rather than silently made anew.
KNOWN_FILES = "database-files.json"


#: What a storage call raises when the database cannot be used right now (locked, read-only,
#: disk full, server down or unreachable): the caller changed nothing and may try again.
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    SQLAlchemyError,
    OSError,
    StorageClosedError,
)


def unavailable_reason(error: BaseException) -> str:
    """One line for a storage error (SQLAlchemy's own text runs over several lines)."""
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _now(now: datetime | None) -> datetime:
    return datetime.now(UTC) if now is None else utc(now, "now")


def _clip(text: str | None, limit: int) -> str | None:
    """Reasons and notes come from exception text: shorten rather than refuse to record."""
    if text is None:
        return None
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _file_id(path: Path) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino


def _columns(table: Table, record: type[Any]) -> list[Column[Any]]:
    """The table's columns named as the record's fields, in field order: a row of them is
    the record's arguments (positional: three times faster than by name for 10k rows)."""
    return [table.c[field.name] for field in dataclasses.fields(record)]


def _known_files(data_dir: Path) -> dict[str, str]:
    try:
        known = json.loads((data_dir / KNOWN_FILES).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        log.warning("%s is unreadable; starting it afresh", data_dir / KNOWN_FILES)
        return {}
    return {str(k): str(v) for k, v in known.items()} if isinstance(known, dict) else {}


def _remember_file(data_dir: Path, path: Path) -> None:
    """Record `path` as used (once; written whole and renamed into place)."""
    known = _known_files(data_dir)
    if str(path) in known:
        return
    known[str(path)] = datetime.now(UTC).isoformat(timespec="seconds")
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = data_dir / f".{KNOWN_FILES}.{os.getpid()}"
    partial.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(partial, data_dir / KNOWN_FILES)


_SUBSCRIPTION = _columns(SUBSCRIPTIONS, Subscription)
_DELIVERY = _columns(DELIVERY_LOG, Delivery)  # all but its surrogate key, `id`
_CHANNEL_STATE = _columns(CHANNEL_STATE, ChannelState)


def _open_sqlite_file(path: Path) -> None:
    """Open (or create) the file once with the stdlib, so an unopenable file fails here.

    A failed connect in aiosqlite (0.22) leaves its worker thread to report to the event loop
    later; once `asyncio.run` has closed the loop, that thread prints a stray traceback
    under the one-line error. Failing here first keeps aiosqlite out of it.
    """
    sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000).close()


class Storage:
    """Async storage over SQLite (aiosqlite) or PostgreSQL (asyncpg).

    Use `Storage.from_settings(settings)`, then `await storage.open()` (or `async with`),
    and `await storage.close()` at shutdown. `open()` creates the SQLite file's directory
    when it is inside the data directory, and runs pending migrations.
    """

    def __init__(self, url: str, *, data_dir: Path, echo: bool = False) -> None:
        self._url = async_database_url(url, data_dir)
        self._given_url = str(url)
        self._data_dir = Path(data_dir).expanduser().resolve()
        self._echo = echo
        self._engine: AsyncEngine | None = None
        self._sqlite = self._url.get_backend_name() == "sqlite"
        self._write_lock = asyncio.Lock() if self._sqlite else None
        self._open_lock = asyncio.Lock()
        self._file_id: tuple[int, int] | None = None  # (device, inode) of the SQLite file
        self._file_lost = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Storage:
        return cls(settings.resolved_database_url, data_dir=settings.kuril_data_dir)

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """`sqlite` or `postgresql`."""
        return self._url.get_backend_name()

    @property
    def url(self) -> str:
        """The async URL in use, passwords hidden: safe to log."""
        return redact_url(self._url.render_as_string(hide_password=False))

    @property
    def display_url(self) -> str:
        """The URL as configured, passwords hidden, and the file a relative SQLite URL
        resolves to: for messages."""
        shown = redact_url(self._given_url)
        path = self.sqlite_path
        if path is not None and str(path) not in self._given_url:
            shown += f" (file {path})"
        return shown

    @property
    def sqlite_path(self) -> Path | None:
        """The database file when on SQLite, else None."""
        return sqlite_path(self._url)

    async def open(self, *, upgrade_schema: bool = True, create_anew: bool = False) -> Self:
        """Connect and (unless told not to) migrate; calling it again is a no-op.

        `upgrade_schema=False` is for read-only tools (`kuril-brief db current|status`) that
        must show the database as it is. A SQLite file that is missing although the data
        directory records using it is refused (`DatabaseFileMissingError`) unless
        `create_anew` (`kuril-brief db upgrade`, the operator's explicit choice).
        """
        async with self._open_lock:
            if self._engine is not None:
                return self
            path = self.sqlite_path
            if path is not None and not create_anew:
                await asyncio.to_thread(self._refuse_if_missing, path)
            if path is not None and path.is_relative_to(self._data_dir):
                # The data directory is the bot's own: made when missing. Any other folder
                # named by DATABASE_URL must exist (a typo must not create folders at /).
                await asyncio.to_thread(path.parent.mkdir, parents=True, exist_ok=True)
            if path is not None and await asyncio.to_thread(create_private, path):  # 0600
                log.info("no database at %s: created a new, empty one", path)
            engine = make_engine(self._url, echo=self._echo)  # connects only when used
            try:
                # Before anything else opens it: our engine's pragmas write, and even a plain
                # connection checkpoints a WAL file on close. On SQLite this reads read-only.
                await refuse_foreign(engine, path)
                if path is not None:
                    await asyncio.to_thread(_open_sqlite_file, path)
                if upgrade_schema:
                    await upgrade(engine)
                    if path is not None:
                        await asyncio.to_thread(_remember_file, self._data_dir, path)
                self._file_id = None if path is None else _file_id(path)
            except DatabaseRefusedError as exc:  # another application's, or too new
                await engine.dispose()
                raise type(exc)(
                    f"The database at {self.display_url} cannot be used: {exc}"
                ) from None
            except BaseException:
                await engine.dispose()
                raise
            self._engine = engine
            return self

    def _refuse_if_missing(self, path: Path) -> None:
        if path.exists():
            return
        since = _known_files(self._data_dir).get(str(path))
        if since is None:
            return  # a first start: the file is made below
        raise DatabaseFileMissingError(
            f"The database at {self.display_url} cannot be used: the file is missing, though the bot has used it since {since} (its "
            f"subscriptions and delivery log were there; {self._data_dir / KNOWN_FILES} "
            "says so). Put it back from a backup, or run `kuril-brief db upgrade` to start "
            "again with an empty database."
        )

    async def close(self) -> None:
        """Dispose the engine (closes pooled connections); safe to call twice."""
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    async def __aenter__(self) -> Self:
        return await self.open()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def schema_revision(self) -> str | None:
        """The Alembic revision the database is at; None when it has no schema yet."""
        return await current_revision(self._require_engine())

    async def ping(self) -> None:
        """Raise unless the database answers a query now (for `/healthz`).

        On SQLite it reads the schema cookie from the file, so a file that has become
        unreadable fails here too; `SELECT 1` would not touch the file at all.
        """
        query = "PRAGMA schema_version" if self._sqlite else "SELECT 1"
        async with self._read() as conn:
            await conn.exec_driver_sql(query)

    def _require_engine(self) -> AsyncEngine:
        if self._engine is None:
            raise StorageClosedError("storage is not open; call `await storage.open()` first")
        self.check_file()
        return self._engine

    def check_file(self) -> None:
        """Raise DatabaseFileReplacedError if the SQLite file is not the one opened (one
        `stat`, microseconds; every storage call makes it, and the bot also every few
        seconds). Once failed, it fails for good. Nothing to check on PostgreSQL."""
        if self._file_id is None:
            return
        path = self.sqlite_path
        assert path is not None
        try:
            same = not self._file_lost and _file_id(path) == self._file_id
        except FileNotFoundError:
            same = False
        if same:
            return
        if not self._file_lost:
            self._file_lost = True
            log.error(
                "The database file %s was deleted or replaced while the bot ran; nothing more "
                "is read from or written to it, and the bot stops (exit 4). Put the file back "
                "from a backup and start the bot again.",
                path,
            )
        raise DatabaseFileReplacedError(f"the database file {path} was deleted or replaced")

    @contextlib.asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._require_engine().connect() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        """One write transaction; serialised in-process on SQLite."""
        engine = self._require_engine()
        async with self._write_lock or contextlib.nullcontext(), engine.connect() as conn:
            if self._sqlite:
                await conn.execution_options(**{WRITE_OPTION: True})
            async with conn.begin():
                yield conn

    def _insert(self, table: Table) -> Any:
        """A dialect insert, for ON CONFLICT (both backends spell it the same)."""
        return sqlite.insert(table) if self._sqlite else postgresql.insert(table)

    # -- subscriptions ---------------------------------------------------------------------

    async def upsert_subscription(
        self,
        *,
        guild_id: int,
        channel_id: int,
        local_time: str,
        timezone: str,
        days: str = "daily",
        role_id: int | None = None,
        created_by: int,
        now: datetime | None = None,
        language: str = "en",
    ) -> Subscription:
        """Subscribe a channel, or update its schedule if it has one.

        Re-subscribing resumes a paused subscription (clears the pause reason) and keeps
        `created_at`/`created_by`. `days` is normalised (see `normalise_days`). Raises
        InvalidRecordError, changing nothing, if any field is invalid.
        """
        values = {
            "guild_id": validate_snowflake(guild_id, "guild_id"),
            "channel_id": validate_snowflake(channel_id, "channel_id"),
            "local_time": validate_time(local_time),
            "timezone": validate_timezone(timezone),
            "days": normalise_days(days),
            "role_id": None if role_id is None else validate_snowflake(role_id, "role_id"),
            "created_by": validate_snowflake(created_by, "created_by"),
            "language": validate_language(language),
        }
        stamp = _now(now)
        insert = self._insert(SUBSCRIPTIONS).values(
            **values, status="active", pause_reason=None, created_at=stamp, updated_at=stamp
        )
        insert = insert.on_conflict_do_update(
            index_elements=[_SUB.channel_id],
            set_={
                "guild_id": insert.excluded.guild_id,
                "local_time": insert.excluded.local_time,
                "timezone": insert.excluded.timezone,
                "days": insert.excluded.days,
                "role_id": insert.excluded.role_id,
                "language": insert.excluded.language,
                "status": "active",
                "pause_reason": None,
                "updated_at": insert.excluded.updated_at,
            },
        )
        async with self._write() as conn:
            await conn.execute(insert)
            row = (
                await conn.execute(select(*_SUBSCRIPTION).where(_SUB.channel_id == channel_id))
            ).one()
        return Subscription(*row)

    async def get_subscription(self, channel_id: int) -> Subscription | None:
        async with self._read() as conn:
            row = (
                await conn.execute(select(*_SUBSCRIPTION).where(_SUB.channel_id == channel_id))
            ).one_or_none()
        return None if row is None else Subscription(*row)

    async def list_subscriptions(self, guild_id: int) -> list[Subscription]:
        """A guild's subscriptions, active and paused, ordered by channel id."""
        query = select(*_SUBSCRIPTION).where(_SUB.guild_id == guild_id).order_by(_SUB.channel_id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Subscription(*row) for row in rows]

    async def list_active_subscriptions(self) -> list[Subscription]:
        """Every active subscription in every guild: what the scheduler runs."""
        query = select(*_SUBSCRIPTION).where(_SUB.status == "active").order_by(_SUB.channel_id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Subscription(*row) for row in rows]

    async def remove_subscription(self, channel_id: int, *, guild_id: int | None = None) -> bool:
        """Unsubscribe; returns whether there was a subscription (with `guild_id`: one filed
        under that guild, so a server can never remove another's). Its channel state goes
        too; its delivery log stays (so a quick re-subscribe cannot re-send a slot)."""
        where = _SUB.channel_id == channel_id
        if guild_id is not None:
            where = and_(where, _SUB.guild_id == guild_id)
        async with self._write() as conn:
            result = await conn.execute(
                delete(SUBSCRIPTIONS).where(where).returning(_SUB.channel_id)
            )
            return result.first() is not None

    async def pause_subscription(
        self,
        channel_id: int,
        reason: str,
        *,
        now: datetime | None = None,
        expected_updated_at: datetime | None = None,
    ) -> bool:
        """Pause (e.g. the channel is gone or forbids the bot), keeping the reason for
        `/briefings list`; returns whether it was paused. Long reasons are cut.

        With `expected_updated_at`, pause only if the subscription is still the one read then
        (its `updated_at` unchanged): a delivery that found the channel broken must not pause
        a subscription someone re-subscribed or changed meanwhile. Returns False, changing
        nothing, if it changed or is gone.
        """
        where = _SUB.channel_id == channel_id
        if expected_updated_at is not None:
            # One conditional UPDATE: atomic against a concurrent upsert on both backends.
            where = and_(where, _SUB.updated_at == utc(expected_updated_at, "expected_updated_at"))
        values = {
            "status": "paused",
            "pause_reason": _clip(reason, MAX_PAUSE_REASON),
            "updated_at": _now(now),
        }
        async with self._write() as conn:
            result = await conn.execute(
                update(SUBSCRIPTIONS).where(where).values(values).returning(_SUB.channel_id)
            )
            return result.first() is not None

    # -- delivery log ----------------------------------------------------------------------

    async def claim_slot(
        self, channel_id: int, slot: datetime, *, now: datetime | None = None
    ) -> bool:
        """Atomically take the right to deliver `slot` (a UTC-convertible aware datetime).

        True: the caller owns this attempt (a new claim, attempts=1, or a retry of a slot
        recorded `failed_retrying`, attempts+1); deliver, then `record_outcome`.
        False: the slot is already claimed by someone else or settled; do nothing.
        """
        channel_id = validate_snowflake(channel_id, "channel_id")
        slot = utc(slot, "slot")
        stamp = _now(now)
        async with self._write() as conn:
            return await self._insert_or_update(
                conn,
                channel_id,
                slot,
                insert_values={"outcome": "claimed", "attempts": 1, "recorded_at": stamp},
                update_if=_LOG.outcome == "failed_retrying",
                update_values={
                    "outcome": "claimed",
                    "attempts": _LOG.attempts + 1,
                    "recorded_at": stamp,
                },
            )

    async def record_outcome(
        self,
        channel_id: int,
        slot: datetime,
        outcome: Outcome,
        *,
        message_id: int | None = None,
        note: str | None = None,
        now: datetime | None = None,
    ) -> bool:
        """Record what happened to a slot; creates the row if the slot was never claimed
        (e.g. `skipped_missed`). Returns False, changing nothing, if the slot is already
        settled (sent, sent_late, skipped_missed, paused): settled slots never change."""
        record = self._outcome_record(channel_id, slot, outcome, message_id, note, now)
        async with self._write() as conn:
            return await self._record(conn, *record)

    async def record_sent(
        self,
        channel_id: int,
        slot: datetime,
        outcome: Literal["sent", "sent_late"],
        *,
        message_id: int,
        state: ChannelState,
        now: datetime | None = None,
    ) -> bool:
        """`record_outcome` and `save_channel_state` in one transaction (one write, not two,
        per briefing sent; and never the one without the other). Returns what
        `record_outcome` would; the state is saved only with a recorded outcome."""
        if state.channel_id != channel_id:
            raise InvalidRecordError("the state is another channel's")
        record = self._outcome_record(channel_id, slot, outcome, message_id, None, now)
        values = self._state_values(state, now)
        async with self._write() as conn:
            if not await self._record(conn, *record):
                return False
            await self._save_state(conn, record[0], values)
            return True

    def _outcome_record(
        self,
        channel_id: int,
        slot: datetime,
        outcome: Outcome,
        message_id: int | None,
        note: str | None,
        now: datetime | None,
    ) -> tuple[int, datetime, dict[str, Any]]:
        if outcome not in OUTCOMES or outcome == "claimed":
            raise InvalidRecordError(f"unknown outcome {outcome!r}; claims go via claim_slot")
        channel_id = validate_snowflake(channel_id, "channel_id")
        if message_id is not None:
            message_id = validate_snowflake(message_id, "message_id")
        values = {
            "outcome": outcome,
            "message_id": message_id,
            "note": _clip(note, MAX_NOTE),
            "recorded_at": _now(now),
        }
        return channel_id, utc(slot, "slot"), values

    async def _record(
        self, conn: AsyncConnection, channel_id: int, slot: datetime, values: dict[str, Any]
    ) -> bool:
        return await self._insert_or_update(
            conn,
            channel_id,
            slot,
            insert_values={"attempts": 0, **values},
            update_if=_LOG.outcome.not_in(sorted(FINAL_OUTCOMES)),
            update_values=values,
        )

    async def _insert_or_update(
        self,
        conn: AsyncConnection,
        channel_id: int,
        slot: datetime,
        *,
        insert_values: dict[str, Any],
        update_if: ColumnElement[bool],
        update_values: dict[str, Any],
    ) -> bool:
        """Write the slot's log row: insert `insert_values` when there is none; otherwise apply
        `update_values`, but only where `update_if` holds. True when a row was written.
        Claims and outcomes both rest on this insert-else-conditional-update."""
        inserted = await conn.execute(
            self._insert(DELIVERY_LOG)
            .values(channel_id=channel_id, slot=slot, **insert_values)
            .on_conflict_do_nothing(index_elements=[_LOG.channel_id, _LOG.slot])
            .returning(_LOG.id)
        )
        if inserted.first() is not None:
            return True
        updated = await conn.execute(
            update(DELIVERY_LOG)
            .where(_LOG.channel_id == channel_id, _LOG.slot == slot, update_if)
            .values(**update_values)
            .returning(_LOG.id)
        )
        return updated.first() is not None

    async def get_delivery(self, channel_id: int, slot: datetime) -> Delivery | None:
        query = select(*_DELIVERY).where(
            _LOG.channel_id == channel_id, _LOG.slot == utc(slot, "slot")
        )
        async with self._read() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else Delivery(*row)

    async def last_delivery(
        self, channel_id: int, *, outcomes: Collection[Outcome] | None = None
    ) -> Delivery | None:
        """The channel's latest slot in the log, optionally only with one of `outcomes`
        (e.g. `("sent", "sent_late")` for the last briefing that actually went out)."""
        query = select(*_DELIVERY).where(_LOG.channel_id == channel_id)
        if outcomes is not None:
            query = query.where(_LOG.outcome.in_(list(outcomes)))
        query = query.order_by(_LOG.slot.desc()).limit(1)
        async with self._read() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else Delivery(*row)

    async def latest_slots(self) -> dict[int, datetime]:
        """Each channel's newest slot in the log, whatever its outcome, in one query: where
        the scheduler's check for due-but-unrecorded slots starts."""
        query = select(_LOG.channel_id, func.max(_LOG.slot)).group_by(_LOG.channel_id)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return {channel_id: utc(slot, "slot") for channel_id, slot in rows}

    async def pending_retries(
        self, *, stale_claims_before: datetime | None = None, limit: int | None = None
    ) -> list[Delivery]:
        """Slots claimed but not delivered, oldest slot first, for the sweep to retry.

        Always the `failed_retrying` ones. With `stale_claims_before`, also `claimed` rows
        last touched before then: a claim whose process died mid-delivery. Whether the
        message went out is unknown for those, so retrying them trades at-most-once for
        at-least-once; to retry one, `record_outcome(..., "failed_retrying")` then claim it.
        """
        condition = _LOG.outcome == "failed_retrying"
        if stale_claims_before is not None:
            stale = and_(
                _LOG.outcome == "claimed",
                _LOG.recorded_at < utc(stale_claims_before, "stale_claims_before"),
            )
            condition = or_(condition, stale)
        query = select(*_DELIVERY).where(condition).order_by(_LOG.slot, _LOG.channel_id)
        if limit is not None:
            query = query.limit(limit)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Delivery(*row) for row in rows]

    async def prune_deliveries(self, before: datetime) -> int:
        """Delete settled log rows for slots before `before`; returns how many. Keeps the
        log small; unsettled rows stay so nothing pending is forgotten."""
        async with self._write() as conn:
            result = await conn.execute(
                delete(DELIVERY_LOG)
                .where(
                    _LOG.slot < utc(before, "before"),
                    _LOG.outcome.in_(sorted(FINAL_OUTCOMES)),
                )
                .returning(_LOG.id)
            )
            return len(result.all())

    # -- per-channel briefing state --------------------------------------------------------

    async def get_channel_state(self, channel_id: int) -> ChannelState | None:
        query = select(*_CHANNEL_STATE).where(_STATE.channel_id == channel_id)
        async with self._read() as conn:
            row = (await conn.execute(query)).one_or_none()
        return None if row is None else ChannelState(*row)

    async def save_channel_state(self, state: ChannelState, *, now: datetime | None = None) -> bool:
        """Store a channel's rotation and "what's new" state (replacing what was there).

        Returns False, storing nothing, when the channel has no subscription: the state
        belongs to the subscription and is deleted with it.
        """
        values = self._state_values(state, now)
        async with self._write() as conn:
            return await self._save_state(conn, state.channel_id, values)

    @staticmethod
    def _state_values(state: ChannelState, now: datetime | None) -> dict[str, Any]:
        validate_snowflake(state.channel_id, "channel_id")
        if not isinstance(state.kb_version, str) or not 0 < len(state.kb_version) <= 64:
            raise InvalidRecordError(f"kb_version must be 1-64 chars, got {state.kb_version!r}")
        cursor = state.rotation_cursor
        if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
            raise InvalidRecordError(f"rotation_cursor must be a non-negative int, got {cursor!r}")
        return {
            "kb_version": state.kb_version,
            "rotation_cursor": cursor,
            "seen_entry_ids": _entry_ids(state.seen_entry_ids),
            "last_briefed_at": (
                None
                if state.last_briefed_at is None
                else utc(state.last_briefed_at, "last_briefed_at")
            ),
            "updated_at": _now(now),
        }

    async def _save_state(
        self, conn: AsyncConnection, channel_id: int, values: dict[str, Any]
    ) -> bool:
        exists = select(_SUB.channel_id).where(_SUB.channel_id == channel_id)
        if not self._sqlite:  # hold off a concurrent unsubscribe until we commit
            exists = exists.with_for_update(key_share=True)
        if (await conn.execute(exists)).first() is None:
            return False
        insert = self._insert(CHANNEL_STATE).values(channel_id=channel_id, **values)
        await conn.execute(
            insert.on_conflict_do_update(index_elements=[_STATE.channel_id], set_=values)
        )
        return True

    # -- bot key/value state ---------------------------------------------------------------

    async def get_value(self, key: str) -> str | None:
        """A bot-wide value, e.g. the hash of the last synced command set."""
        async with self._read() as conn:
            return (await conn.execute(select(KV.c.value).where(KV.c.key == key))).scalar()

    async def set_value(self, key: str, value: str, *, now: datetime | None = None) -> None:
        if not isinstance(key, str) or not 0 < len(key) <= 200:
            raise InvalidRecordError(f"key must be 1-200 chars, got {key!r}")
        if not isinstance(value, str):
            raise InvalidRecordError(f"value must be a string, got {type(value).__name__}")
        insert = self._insert(KV).values(key=key, value=value, updated_at=_now(now))
        insert = insert.on_conflict_do_update(
            index_elements=[KV.c.key],
            set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
        )
        async with self._write() as conn:
            await conn.execute(insert)

    async def count_by_status(self) -> dict[str, int]:
        """How many subscriptions are in each state (`active`, `paused`), zeros included."""
        query = select(_SUB.status, func.count()).group_by(_SUB.status)
        async with self._read() as conn:
            counts = {status: int(n) for status, n in (await conn.execute(query)).all()}
        return {status: counts.get(status, 0) for status in STATUSES} | counts

    async def recent_deliveries(
        self, *, limit: int = 10, outcomes: Collection[Outcome] | None = None
    ) -> list[Delivery]:
        """The delivery log's latest rows by when they were recorded, newest first
        (optionally only those with one of `outcomes`), for `kuril-brief db status`."""
        query = select(*_DELIVERY)
        if outcomes is not None:
            query = query.where(_LOG.outcome.in_(list(outcomes)))
        query = query.order_by(_LOG.recorded_at.desc(), _LOG.id.desc()).limit(limit)
        async with self._read() as conn:
            rows = (await conn.execute(query)).all()
        return [Delivery(*row) for row in rows]


def _entry_ids(ids: Iterable[str]) -> frozenset[str]:
    if isinstance(ids, str):
        raise InvalidRecordError("seen_entry_ids must be a collection of ids, not one string")
    unique = set(ids)
    if not all(isinstance(entry_id, str) and entry_id for entry_id in unique):
        raise InvalidRecordError("seen_entry_ids must be non-empty strings")
    return frozenset(unique)
