"""Storage tests: always on a real SQLite file, and on PostgreSQL when one is named.

PostgreSQL: `eval "$(bash .ci/postgres.sh)"` exports KURIL_TEST_POSTGRES_URL; without it the
`postgres` variants are skipped. Each PostgreSQL test starts from an empty `public` schema.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import TextClause, bindparam, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.settings import Settings
from bot.storage import (
    ChannelState,
    InvalidRecordError,
    SchemaTooNewError,
    Storage,
    StorageClosedError,
    Subscription,
    async_database_url,
    head_revision,
    normalise_days,
    weekdays_of,
)
from bot.storage.engine import make_engine
from bot.storage.migrations import (
    LEGACY_REVISIONS,
    alembic_config,
    current_revision,
    upgrade,
)
from bot.storage.schema import METADATA, UTCDateTime

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SLOT = datetime(2025, 3, 2, 0, 0, tzinfo=UTC)
GUILD, OTHER_GUILD = 111_111_111_111_111_111, 222_222_222_222_222_222
CHANNEL, CHANNEL_2, CHANNEL_3 = (
    900_000_000_000_000_001,
    900_000_000_000_000_002,
    900_000_000_000_000_003,
)
ADMIN, ROLE = 500_000_000_000_000_001, 700_000_000_000_000_001
BIG = 2**63 - 1  # the largest snowflake a BIGINT holds


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
async def open_storage(
    db_url: str, data_dir: Path
) -> AsyncIterator[Callable[[], Awaitable[Storage]]]:
    """Opens fresh `Storage` objects on the same database; closes them all afterwards."""
    opened: list[Storage] = []

    async def factory() -> Storage:
        storage = await Storage(db_url, data_dir=data_dir).open()
        opened.append(storage)
        return storage

    yield factory
    for storage in opened:
        await storage.close()


@pytest.fixture
async def storage(open_storage: Callable[[], Awaitable[Storage]]) -> Storage:
    return await open_storage()


@pytest.fixture
async def raw_engine(db_url: str, data_dir: Path) -> AsyncIterator[AsyncEngine]:
    """An engine beside Storage, for writing rows the way old code or a bad actor would."""
    url = async_database_url(db_url, data_dir)
    if url.get_backend_name() == "sqlite":
        Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    yield engine
    await engine.dispose()


async def subscribe(storage: Storage, channel: int = CHANNEL, **overrides: object):
    values: dict[str, object] = {
        "guild_id": GUILD,
        "channel_id": channel,
        "local_time": "09:30",
        "timezone": "Asia/Tokyo",
        "days": "daily",
        "created_by": ADMIN,
        "now": NOW,
    }
    values.update(overrides)
    return await storage.upsert_subscription(**values)  # type: ignore[arg-type]


# -- subscriptions ---------------------------------------------------------------------------


async def test_subscription_crud_and_unsubscribe(storage: Storage) -> None:
    created = await subscribe(storage, days="Fri, mon ,WED", role_id=ROLE)
    assert created.channel_id == CHANNEL and created.guild_id == GUILD
    assert (created.local_time, created.timezone, created.days) == (
        "09:30",
        "Asia/Tokyo",
        "mon,wed,fri",
    )
    assert created.role_id == ROLE and created.created_by == ADMIN
    assert created.status == "active" and created.active and created.pause_reason is None
    assert created.created_at == created.updated_at == NOW
    assert created.weekdays == {0, 2, 4}

    assert await storage.get_subscription(CHANNEL) == created
    assert await storage.get_subscription(CHANNEL_2) is None

    await subscribe(storage, CHANNEL_2, local_time="18:00", timezone="Europe/Moscow")
    await subscribe(storage, CHANNEL_3, guild_id=OTHER_GUILD)
    assert [s.channel_id for s in await storage.list_subscriptions(GUILD)] == [CHANNEL, CHANNEL_2]
    assert [s.channel_id for s in await storage.list_subscriptions(OTHER_GUILD)] == [CHANNEL_3]
    assert await storage.count_by_status() == {"active": 3, "paused": 0}

    assert await storage.remove_subscription(CHANNEL) is True
    assert await storage.remove_subscription(CHANNEL) is False
    assert await storage.get_subscription(CHANNEL) is None
    assert [s.channel_id for s in await storage.list_subscriptions(GUILD)] == [CHANNEL_2]


async def test_snowflakes_use_the_full_64_bits(storage: Storage) -> None:
    sub = await subscribe(storage, BIG, guild_id=BIG, role_id=BIG, created_by=BIG)
    assert (sub.channel_id, sub.guild_id, sub.role_id, sub.created_by) == (BIG, BIG, BIG, BIG)
    assert await storage.claim_slot(BIG, SLOT)
    assert await storage.record_outcome(BIG, SLOT, "sent", message_id=BIG)
    delivery = await storage.last_delivery(BIG)
    assert delivery is not None and delivery.message_id == BIG


async def test_pause_and_resubscribe_resumes(storage: Storage) -> None:
    await subscribe(storage)
    await subscribe(storage, CHANNEL_2)
    later = NOW + timedelta(hours=1)
    assert await storage.pause_subscription(CHANNEL, "Missing Access (50001)", now=later)
    assert await storage.pause_subscription(CHANNEL_3, "gone") is False

    paused = await storage.get_subscription(CHANNEL)
    assert paused is not None and paused.status == "paused" and not paused.active
    assert paused.pause_reason == "Missing Access (50001)" and paused.updated_at == later
    assert [s.channel_id for s in await storage.list_active_subscriptions()] == [CHANNEL_2]
    assert len(await storage.list_subscriptions(GUILD)) == 2  # paused ones still listed

    resubscribed_at = NOW + timedelta(days=1)
    updated = await subscribe(
        storage, local_time="07:05", timezone="Europe/Moscow", days="weekdays", now=resubscribed_at
    )
    assert updated.status == "active" and updated.pause_reason is None
    assert (updated.local_time, updated.timezone, updated.days) == (
        "07:05",
        "Europe/Moscow",
        "weekdays",
    )
    assert updated.created_at == NOW and updated.updated_at == resubscribed_at
    assert {s.channel_id for s in await storage.list_active_subscriptions()} == {CHANNEL, CHANNEL_2}

    assert await storage.pause_subscription(CHANNEL, "x" * 5000)
    long_paused = await storage.get_subscription(CHANNEL)
    assert long_paused is not None and long_paused.pause_reason is not None
    assert len(long_paused.pause_reason) == 500  # clipped, not refused
    resumed = await subscribe(storage, now=resubscribed_at + timedelta(hours=1))
    assert resumed.active and resumed.pause_reason is None
    assert await storage.get_subscription(CHANNEL) == resumed


async def test_a_conditional_pause_only_pauses_the_subscription_it_read(
    storage: Storage,
) -> None:
    read = await subscribe(storage)
    # Someone re-subscribes (a new time) between the read and the pause: no pause.
    changed = await subscribe(storage, local_time="10:15", now=NOW + timedelta(seconds=1))
    assert not await storage.pause_subscription(
        CHANNEL, "gone", now=NOW + timedelta(seconds=2), expected_updated_at=read.updated_at
    )
    current = await storage.get_subscription(CHANNEL)
    assert current is not None and current.active and current.local_time == "10:15"
    assert current.updated_at == changed.updated_at  # untouched

    # Unchanged since read (a value that made the round trip through the database): paused.
    assert await storage.pause_subscription(
        CHANNEL, "gone", now=NOW + timedelta(seconds=3), expected_updated_at=current.updated_at
    )
    paused = await storage.get_subscription(CHANNEL)
    assert paused is not None and paused.status == "paused" and paused.pause_reason == "gone"
    # Removed meanwhile: nothing to pause.
    assert await storage.remove_subscription(CHANNEL)
    assert not await storage.pause_subscription(
        CHANNEL, "gone", expected_updated_at=paused.updated_at
    )


@pytest.mark.parametrize(
    ("given", "stored", "weekdays"),
    [
        ("daily", "daily", set(range(7))),
        ("Weekdays", "weekdays", set(range(5))),
        ("mon,tue,wed,thu,fri", "weekdays", set(range(5))),
        ("sun sat fri thu wed tue mon", "daily", set(range(7))),
        ("Saturday, sun", "sat,sun", {5, 6}),
        ("fri,mon,fri", "mon,fri", {0, 4}),
    ],
)
def test_days_are_normalised(given: str, stored: str, weekdays: set[int]) -> None:
    assert normalise_days(given) == stored
    assert weekdays_of(stored) == weekdays


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"local_time": "9:30"},
        {"local_time": "24:00"},
        {"local_time": "12:60"},
        {"local_time": "noon"},
        {"timezone": "Mars/Olympus"},
        {"timezone": "../../etc/passwd"},
        {"timezone": ""},
        {"days": "funday"},
        {"days": ""},
        {"days": ",,"},
        {"guild_id": 0},
        {"channel_id": -5},
        {"channel_id": 2**63},
        {"role_id": True},
        {"created_by": "123"},
    ],
    ids=lambda bad: "-".join(f"{k}={v!r}" for k, v in bad.items()),
)
async def test_bad_subscription_is_rejected_and_changes_nothing(
    storage: Storage, bad: dict[str, object]
) -> None:
    before = await subscribe(storage)
    with pytest.raises(InvalidRecordError):
        await subscribe(storage, **{"channel_id": CHANNEL, **bad})
    assert await storage.get_subscription(CHANNEL) == before
    assert await storage.count_by_status() == {"active": 1, "paused": 0}


async def test_database_constraints_reject_rows_that_bypass_validation(
    storage: Storage, raw_engine: AsyncEngine
) -> None:
    before = await subscribe(storage)
    insert = text(
        "INSERT INTO subscriptions (channel_id, guild_id, local_time, timezone, days, role_id,"
        " status, created_by, created_at, updated_at)"
        " VALUES (:channel_id, :guild_id, :local_time, 'UTC', :days, NULL, :status, 1,"
        " '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
    )
    good = {
        "channel_id": CHANNEL_2,
        "guild_id": GUILD,
        "local_time": "10:00",
        "days": "daily",
        "status": "active",
    }
    for field, value in [
        ("local_time", "25:00"),
        ("local_time", "1000"),
        ("days", ""),
        ("status", "deleted"),
        ("guild_id", 0),
    ]:
        with pytest.raises(IntegrityError):
            async with raw_engine.begin() as conn:
                await conn.execute(insert, {**good, field: value})
    with pytest.raises(IntegrityError):  # one subscription per channel
        async with raw_engine.begin() as conn:
            await conn.execute(insert, {**good, "channel_id": CHANNEL})
    with pytest.raises(IntegrityError):
        async with raw_engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO delivery_log (channel_id, slot, outcome, attempts, recorded_at)"
                    " VALUES (1, '2025-01-01 00:00:00', 'delivered', 1, '2025-01-01 00:00:00')"
                )
            )
    assert await storage.get_subscription(CHANNEL) == before
    assert await storage.count_by_status() == {"active": 1, "paused": 0}


async def test_bad_delivery_and_state_input_is_rejected(storage: Storage) -> None:
    await subscribe(storage)
    with pytest.raises(InvalidRecordError):
        await storage.claim_slot(CHANNEL, datetime(2025, 3, 2))  # naive: ambiguous
    with pytest.raises(InvalidRecordError):
        await storage.record_outcome(CHANNEL, SLOT, "delivered")  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        await storage.record_outcome(CHANNEL, SLOT, "claimed")
    with pytest.raises(InvalidRecordError):
        await storage.save_channel_state(ChannelState(CHANNEL, "v1", rotation_cursor=-1))
    with pytest.raises(InvalidRecordError):
        await storage.save_channel_state(ChannelState(CHANNEL, ""))
    with pytest.raises(InvalidRecordError):
        await storage.save_channel_state(
            ChannelState(CHANNEL, "v1", seen_entry_ids="abc")  # type: ignore[arg-type]
        )
    with pytest.raises(InvalidRecordError):
        await storage.set_value("", "x")
    assert await storage.get_delivery(CHANNEL, SLOT) is None
    assert await storage.get_channel_state(CHANNEL) is None


# -- delivery log ----------------------------------------------------------------------------


async def test_slot_is_claimed_at_most_once_under_concurrency(storage: Storage) -> None:
    await subscribe(storage)
    results = await asyncio.gather(*(storage.claim_slot(CHANNEL, SLOT) for _ in range(500)))
    assert results.count(True) == 1
    delivery = await storage.get_delivery(CHANNEL, SLOT)
    assert delivery is not None and delivery.outcome == "claimed" and delivery.attempts == 1


async def test_two_storage_objects_on_one_database_share_the_claim(
    open_storage: Callable[[], Awaitable[Storage]],
) -> None:
    """Like two bot processes: separate engines and locks, one database."""
    first, second = await open_storage(), await open_storage()
    slots = [SLOT + timedelta(days=day) for day in range(100)]
    claims = [store.claim_slot(CHANNEL, slot) for slot in slots for store in (first, second)]
    results = await asyncio.gather(*claims)
    assert results.count(True) == len(slots)  # exactly one winner per slot


async def test_500_concurrent_deliveries_record_without_locking_errors(
    storage: Storage,
) -> None:
    """The sweep claims and records for many channels at once."""
    channels = [CHANNEL + n for n in range(500)]

    async def deliver(channel: int) -> bool:
        if not await storage.claim_slot(channel, SLOT):
            return False
        return await storage.record_outcome(channel, SLOT, "sent", message_id=channel + 1)

    assert all(await asyncio.gather(*(deliver(channel) for channel in channels)))
    last = await asyncio.gather(*(storage.last_delivery(channel) for channel in channels))
    assert all(d is not None and d.outcome == "sent" and d.attempts == 1 for d in last)


async def test_failed_delivery_is_retried_then_settled(storage: Storage) -> None:
    await subscribe(storage)
    assert await storage.claim_slot(CHANNEL, SLOT, now=NOW)
    assert await storage.pending_retries() == []  # in flight is not "pending"
    assert await storage.record_outcome(CHANNEL, SLOT, "failed_retrying", note="HTTP 503", now=NOW)

    [pending] = await storage.pending_retries()
    assert (pending.channel_id, pending.slot, pending.outcome) == (CHANNEL, SLOT, "failed_retrying")
    assert pending.note == "HTTP 503" and not pending.final

    # Two sweeps racing for the retry: one wins.
    assert sorted(
        await asyncio.gather(*(storage.claim_slot(CHANNEL, SLOT) for _ in range(20)))
    ) == [False] * 19 + [True]
    retried = await storage.get_delivery(CHANNEL, SLOT)
    assert retried is not None and retried.outcome == "claimed" and retried.attempts == 2
    assert await storage.pending_retries() == []

    assert await storage.record_outcome(CHANNEL, SLOT, "sent_late", message_id=42, note="late")
    settled = await storage.get_delivery(CHANNEL, SLOT)
    assert settled is not None and settled.final and settled.message_id == 42
    # Settled slots never change and are never claimed again.
    assert await storage.record_outcome(CHANNEL, SLOT, "failed_retrying") is False
    assert await storage.claim_slot(CHANNEL, SLOT) is False
    final = await storage.get_delivery(CHANNEL, SLOT)
    assert final == settled


async def test_stale_claims_are_offered_only_when_asked(storage: Storage) -> None:
    assert await storage.claim_slot(CHANNEL, SLOT, now=NOW)
    assert await storage.pending_retries(stale_claims_before=NOW) == []
    [stale] = await storage.pending_retries(stale_claims_before=NOW + timedelta(minutes=10))
    assert stale.outcome == "claimed"


async def test_delivery_queries(storage: Storage) -> None:
    day = timedelta(days=1)
    assert await storage.last_delivery(CHANNEL) is None
    assert await storage.get_delivery(CHANNEL, SLOT) is None
    # A missed slot is recorded without a claim.
    assert await storage.record_outcome(CHANNEL, SLOT, "skipped_missed", note="bot was down")
    assert await storage.claim_slot(CHANNEL, SLOT) is False
    assert await storage.claim_slot(CHANNEL, SLOT + day)
    assert await storage.record_outcome(CHANNEL, SLOT + day, "sent", message_id=7)
    assert await storage.claim_slot(CHANNEL, SLOT + 2 * day)
    assert await storage.claim_slot(CHANNEL_2, SLOT + 5 * day)

    missed = await storage.get_delivery(CHANNEL, SLOT)
    assert missed is not None and missed.outcome == "skipped_missed" and missed.attempts == 0
    last = await storage.last_delivery(CHANNEL)
    assert last is not None and last.slot == SLOT + 2 * day and last.outcome == "claimed"
    last_sent = await storage.last_delivery(CHANNEL, outcomes=("sent", "sent_late"))
    assert last_sent is not None and last_sent.slot == SLOT + day and last_sent.message_id == 7

    # Slots are instants: the same moment written in another zone is the same slot.
    tokyo = (SLOT + day).astimezone(ZoneInfo("Asia/Tokyo"))
    same = await storage.get_delivery(CHANNEL, tokyo)
    assert same is not None and same.slot == SLOT + day and same.message_id == 7
    assert await storage.claim_slot(CHANNEL, tokyo) is False

    # Pruning drops settled history only.
    assert await storage.prune_deliveries(SLOT + 10 * day) == 2
    assert await storage.get_delivery(CHANNEL, SLOT + 2 * day) is not None  # claimed: kept
    assert await storage.get_delivery(CHANNEL, SLOT) is None


async def test_delivery_log_outlives_unsubscribe(storage: Storage) -> None:
    """Re-subscribing straight away must not make a sent slot claimable again."""
    await subscribe(storage)
    assert await storage.claim_slot(CHANNEL, SLOT)
    assert await storage.record_outcome(CHANNEL, SLOT, "sent", message_id=1)
    assert await storage.remove_subscription(CHANNEL)
    await subscribe(storage)
    assert await storage.claim_slot(CHANNEL, SLOT) is False


# -- channel state and key/value -------------------------------------------------------------


async def test_channel_state_round_trip_and_goes_with_the_subscription(storage: Storage) -> None:
    state = ChannelState(
        channel_id=CHANNEL,
        kb_version="abc123",
        rotation_cursor=7,
        seen_entry_ids=frozenset({"event-1956-declaration", "quote-kishida-1"}),
        last_briefed_at=SLOT,
    )
    assert await storage.save_channel_state(state) is False  # no subscription yet
    assert await storage.get_channel_state(CHANNEL) is None

    await subscribe(storage)
    assert await storage.save_channel_state(state, now=NOW)
    loaded = await storage.get_channel_state(CHANNEL)
    assert loaded == ChannelState(
        CHANNEL, "abc123", 7, state.seen_entry_ids, last_briefed_at=SLOT, updated_at=NOW
    )

    moved = ChannelState(CHANNEL, "def456", rotation_cursor=0, seen_entry_ids=frozenset())
    assert await storage.save_channel_state(moved, now=NOW)
    reloaded = await storage.get_channel_state(CHANNEL)
    assert reloaded is not None and reloaded.kb_version == "def456"
    assert reloaded.rotation_cursor == 0 and reloaded.seen_entry_ids == frozenset()
    assert reloaded.last_briefed_at is None

    await storage.remove_subscription(CHANNEL)
    assert await storage.get_channel_state(CHANNEL) is None  # cascaded


async def test_key_value_state(storage: Storage) -> None:
    assert await storage.get_value("commands_hash") is None
    await storage.set_value("commands_hash", "h1")
    await storage.set_value("commands_hash", "h2")
    assert await storage.get_value("commands_hash") == "h2"
    assert await storage.get_value("other") is None


# -- durability and lifecycle ----------------------------------------------------------------


async def test_state_survives_closing_and_reopening(
    open_storage: Callable[[], Awaitable[Storage]],
) -> None:
    first = await open_storage()
    sub = await subscribe(first, role_id=ROLE, days="sat,sun")
    await subscribe(first, CHANNEL_2)
    await first.pause_subscription(CHANNEL_2, "channel deleted", now=NOW)
    assert await first.claim_slot(CHANNEL, SLOT)
    assert await first.record_outcome(CHANNEL, SLOT, "sent", message_id=99, now=NOW)
    state = ChannelState(CHANNEL, "v9", 3, frozenset({"a", "b"}), last_briefed_at=SLOT)
    assert await first.save_channel_state(state, now=NOW)
    await first.set_value("commands_hash", "deadbeef")
    await first.close()
    with pytest.raises(StorageClosedError):
        await first.get_subscription(CHANNEL)

    second = await open_storage()
    assert await second.get_subscription(CHANNEL) == sub
    paused = await second.get_subscription(CHANNEL_2)
    assert paused is not None and paused.pause_reason == "channel deleted"
    delivery = await second.get_delivery(CHANNEL, SLOT)
    assert delivery is not None and delivery.outcome == "sent" and delivery.message_id == 99
    assert await second.claim_slot(CHANNEL, SLOT) is False
    assert await second.get_channel_state(CHANNEL) == ChannelState(
        CHANNEL, "v9", 3, frozenset({"a", "b"}), SLOT, updated_at=NOW
    )
    assert await second.get_value("commands_hash") == "deadbeef"
    assert await second.schema_revision() == head_revision()


async def test_open_twice_and_close_twice_are_harmless(storage: Storage) -> None:
    assert await storage.open() is storage
    await storage.close()
    await storage.close()


# -- migrations ------------------------------------------------------------------------------

LEGACY_DIR = Path(__file__).with_name("legacy")

V1_ROWS = [
    # channel_id, guild_id, local_time, timezone, days, role_id, status
    (CHANNEL, GUILD, "09:30", "Asia/Tokyo", "daily", None, "active"),
    (CHANNEL_2, GUILD, "18:00", "Europe/Moscow", "mon,wed,fri", ROLE, "paused"),
    (CHANNEL_3, OTHER_GUILD, "00:00", "UTC", "weekdays", None, "active"),
    (BIG, BIG, "23:59", "America/Los_Angeles", "sat,sun", BIG, "active"),
]


def timed(sql: str, *names: str) -> TextClause:
    """Raw SQL whose datetime parameters are stored exactly as the storage code stores them."""
    return text(sql).bindparams(*(bindparam(name, type_=UTCDateTime) for name in names))


async def _load_legacy_schema(engine: AsyncEngine, db_url: str, version: int) -> None:
    """Recreate the schema release 0.1.0 left at `version`, from DDL that code generated
    (`tests/bot/legacy/`, dumped from its hand-written migrations), on the test database."""
    dialect = engine.dialect.name
    script = (LEGACY_DIR / f"v{version}.{dialect}.sql").read_text()
    if dialect == "sqlite":
        path = Path(engine.url.database or "")
        await asyncio.to_thread(_sqlite_executescript, path, script)
    else:
        conn = await asyncpg.connect(db_url)
        try:
            await conn.execute(script)
        finally:
            await conn.close()


def _sqlite_executescript(path: Path, script: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(script)


async def create_legacy_database(engine: AsyncEngine, db_url: str, version: int) -> None:
    """What release 0.1.0 left behind at `version`: its schema holding real rows."""
    await _load_legacy_schema(engine, db_url, version)
    async with engine.begin() as conn:
        for channel, guild, local_time, tz, days, role, status in V1_ROWS:
            await conn.execute(
                timed(
                    "INSERT INTO subscriptions (channel_id, guild_id, local_time, timezone, days,"
                    " role_id, status, created_by, created_at, updated_at) VALUES (:c, :g, :t,"
                    " :tz, :d, :r, :s, :by, :at, :at)",
                    "at",
                ),
                {
                    "c": channel,
                    "g": guild,
                    "t": local_time,
                    "tz": tz,
                    "d": days,
                    "r": role,
                    "s": status,
                    "by": ADMIN,
                    "at": NOW,
                },
            )
        await conn.execute(
            timed(
                "INSERT INTO delivery_log (channel_id, slot, outcome, message_id, attempts,"
                " recorded_at) VALUES (:c, :slot, 'sent', 5, 1, :slot)",
                "slot",
            ),
            {"c": CHANNEL, "slot": SLOT},
        )
        await conn.execute(
            timed("INSERT INTO bot_state (key, value, updated_at) VALUES ('k', 'v', :at)", "at"),
            {"at": NOW},
        )
        if version >= 2:
            await conn.execute(
                text(
                    "UPDATE subscriptions SET pause_reason = 'Missing Access' WHERE channel_id = :c"
                ),
                {"c": CHANNEL_2},
            )
            await conn.execute(
                timed(
                    "INSERT INTO channel_state (channel_id, kb_version, rotation_cursor,"
                    " seen_entry_ids, last_briefed_at, updated_at)"
                    " VALUES (:c, 'v7', 4, '[\"a\", \"b\"]', :at, :at)",
                    "at",
                ),
                {"c": CHANNEL, "at": NOW},
            )


async def _columns(engine: AsyncEngine, table: str) -> set[str]:
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: {c["name"] for c in inspect(sync).get_columns(table)}
        )


async def _schema_diff(engine: AsyncEngine) -> list[object]:
    """What Alembic's autogenerate would change to make the database match `METADATA`."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), METADATA
            )
        )


@pytest.mark.parametrize("version", [1, 2])
async def test_upgrade_from_release_0_1_keeps_every_row(
    version: int,
    db_url: str,
    raw_engine: AsyncEngine,
    open_storage: Callable[[], Awaitable[Storage]],
) -> None:
    await create_legacy_database(raw_engine, db_url, version)
    columns = await _columns(raw_engine, "subscriptions")
    assert ("pause_reason" in columns) == (version == 2)  # really the old schema
    async with raw_engine.connect() as conn:
        assert await current_revision(raw_engine) == LEGACY_REVISIONS[version]
        assert not await conn.run_sync(lambda sync: inspect(sync).has_table("alembic_version"))

    storage = await open_storage()
    assert await storage.schema_revision() == head_revision() == "0004"
    async with raw_engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    assert "schema_version" not in tables and "alembic_version" in tables
    subs = {s.channel_id: s for s in await storage.list_subscriptions(GUILD)}
    subs |= {s.channel_id: s for s in await storage.list_subscriptions(OTHER_GUILD)}
    subs |= {s.channel_id: s for s in await storage.list_subscriptions(BIG)}
    assert len(subs) == len(V1_ROWS) == sum((await storage.count_by_status()).values())
    for channel, guild, local_time, tz, days, role, status in V1_ROWS:
        sub = subs[channel]
        assert (sub.guild_id, sub.local_time, sub.timezone, sub.days, sub.role_id, sub.status) == (
            guild,
            local_time,
            tz,
            days,
            role,
            status,
        )
        assert sub.created_by == ADMIN and sub.created_at == sub.updated_at == NOW
    expected_reason = "Missing Access" if version == 2 else None
    assert subs[CHANNEL_2].pause_reason == expected_reason and subs[CHANNEL].pause_reason is None
    delivery = await storage.get_delivery(CHANNEL, SLOT)
    assert delivery is not None and delivery.outcome == "sent" and delivery.message_id == 5
    assert await storage.claim_slot(CHANNEL, SLOT) is False
    assert await storage.get_value("k") == "v"
    state = await storage.get_channel_state(CHANNEL)
    if version == 2:
        assert state == ChannelState(CHANNEL, "v7", 4, frozenset({"a", "b"}), NOW, updated_at=NOW)
    else:
        assert state is None
    # The new version's features work on the upgraded rows, and the schema is the current one.
    assert await storage.pause_subscription(CHANNEL, "Unknown Channel")
    assert await storage.save_channel_state(ChannelState(CHANNEL_3, "v1", 2))
    assert await _schema_diff(raw_engine) == []


async def test_the_models_and_the_migration_head_agree(
    raw_engine: AsyncEngine, storage: Storage
) -> None:
    """`schema.py` (what queries use) and the revisions (what databases get) agree: Alembic's
    autogenerate finds nothing to change on a freshly migrated database."""
    assert await storage.schema_revision() == head_revision()
    assert await _schema_diff(raw_engine) == []
    # The comparison is real: a database missing a column is reported.
    async with raw_engine.begin() as conn:
        await conn.execute(text("DROP TABLE channel_state"))
    diff = await _schema_diff(raw_engine)
    assert [change[0] for change in diff] == ["add_table"]  # type: ignore[index]


async def test_migrations_are_idempotent(raw_engine: AsyncEngine, storage: Storage) -> None:
    await subscribe(storage)
    assert await upgrade(raw_engine) == []
    assert await storage.schema_revision() == head_revision()
    assert (await storage.get_subscription(CHANNEL)) is not None


async def test_a_fresh_database_gets_every_revision_in_order(raw_engine: AsyncEngine) -> None:
    assert await current_revision(raw_engine) is None
    assert await upgrade(raw_engine, target="0001") == ["0001"]
    assert "pause_reason" not in await _columns(raw_engine, "subscriptions")
    assert await upgrade(raw_engine) == ["0002", "0003", "0004"]
    assert await current_revision(raw_engine) == head_revision()


async def test_concurrent_starters_migrate_once(
    db_url: str, raw_engine: AsyncEngine, open_storage: Callable[[], Awaitable[Storage]]
) -> None:
    """Several bots (or `db upgrade` beside a starting bot) on one old database at once."""
    await create_legacy_database(raw_engine, db_url, 1)
    opened = await asyncio.gather(*(open_storage() for _ in range(4)))
    for storage in opened:
        assert await storage.schema_revision() == head_revision()
    async with raw_engine.connect() as conn:
        versions = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
    assert [tuple(row) for row in versions] == [(head_revision(),)]
    assert sum((await opened[0].count_by_status()).values()) == len(V1_ROWS)


BROKEN_REVISION = '''
"""A step that fails half-way, to show the whole upgrade rolls back."""
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("ALTER TABLE subscriptions ADD COLUMN half_done_col INTEGER")
    raise RuntimeError("boom")
'''


async def test_a_failing_migration_rolls_back_completely(
    raw_engine: AsyncEngine, tmp_path: Path, open_storage: Callable[[], Awaitable[Storage]]
) -> None:
    await upgrade(raw_engine, target="0001")
    async with raw_engine.begin() as conn:
        await conn.execute(
            timed(
                "INSERT INTO subscriptions (channel_id, guild_id, local_time, timezone, days,"
                " status, created_by, created_at, updated_at)"
                " VALUES (:c, :g, '09:30', 'UTC', 'daily', 'active', :by, :at, :at)",
                "at",
            ),
            {"c": CHANNEL, "g": GUILD, "by": ADMIN, "at": NOW},
        )
    extra = tmp_path / "broken_versions"
    extra.mkdir()
    (extra / "9999_broken.py").write_text(BROKEN_REVISION)
    config = alembic_config(extra_version_locations=[extra])
    with pytest.raises(RuntimeError, match="boom"):
        await upgrade(raw_engine, config=config)
    tables = set()
    async with raw_engine.connect() as conn:
        tables = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    columns = await _columns(raw_engine, "subscriptions")
    # Not even 0002 to 0004 stay applied: one upgrade, one transaction.
    assert "half_done" not in tables and "channel_state" not in tables
    assert "half_done_col" not in columns and "pause_reason" not in columns
    assert await current_revision(raw_engine) == "0001"
    storage = await open_storage()
    assert await storage.get_subscription(CHANNEL) is not None


async def test_a_database_from_a_newer_release_is_refused(
    raw_engine: AsyncEngine, open_storage: Callable[[], Awaitable[Storage]]
) -> None:
    storage = await open_storage()
    await subscribe(storage)
    async with raw_engine.begin() as conn:
        await conn.execute(text("UPDATE alembic_version SET version_num = 'a1b2c3d4e5f6'"))
    with pytest.raises(SchemaTooNewError, match="a1b2c3d4e5f6") as refused:
        await open_storage()
    assert "\n" not in str(refused.value) and "newer release" in str(refused.value)
    assert await storage.get_subscription(CHANNEL) is not None  # nothing was touched


async def test_a_legacy_database_from_a_newer_hand_written_version_is_refused(
    db_url: str, raw_engine: AsyncEngine, open_storage: Callable[[], Awaitable[Storage]]
) -> None:
    await _load_legacy_schema(raw_engine, db_url, 2)
    async with raw_engine.begin() as conn:
        await conn.execute(
            timed(
                "INSERT INTO schema_version (version, description, applied_at)"
                " VALUES (3, 'future', :at)",
                "at",
            ),
            {"at": NOW},
        )
    with pytest.raises(SchemaTooNewError, match="schema version 3 is unknown"):
        await open_storage()


# -- URLs and SQLite specifics ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///kuril.db", "sqlite+aiosqlite:///{data}/kuril.db"),
        ("sqlite:///sub/dir/kuril.db", "sqlite+aiosqlite:///{data}/sub/dir/kuril.db"),
        ("sqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
        ("sqlite+aiosqlite:////abs/path.db", "sqlite+aiosqlite:////abs/path.db"),
        ("postgresql://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgres://user:pw@host:6543/db", "postgresql+asyncpg://user:pw@host:6543/db"),
        ("postgresql+psycopg2://user@host/db", "postgresql+asyncpg://user@host/db"),
        ("postgresql://u@h/db?sslmode=require", "postgresql+asyncpg://u@h/db?ssl=require"),
    ],
)
def test_database_urls_are_translated_to_async_drivers(
    url: str, expected: str, data_dir: Path
) -> None:
    translated = async_database_url(url, data_dir)
    assert translated.render_as_string(hide_password=False) == expected.format(
        data=data_dir.resolve()
    )


@pytest.mark.parametrize("url", ["mysql://u@h/db", "not a url"])
def test_unsupported_database_urls_are_refused(url: str, data_dir: Path) -> None:
    with pytest.raises(ValueError):
        async_database_url(url, data_dir)


async def test_relative_sqlite_url_lives_in_the_data_dir_not_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data_dir = tmp_path / "data"  # does not exist yet: open() creates it
    storage = await Storage("sqlite:///nested/kuril.db", data_dir=data_dir).open()
    try:
        await subscribe(storage)
    finally:
        await storage.close()
    assert (data_dir / "nested" / "kuril.db").is_file()
    assert storage.sqlite_path == (data_dir / "nested" / "kuril.db").resolve()
    assert list(elsewhere.iterdir()) == []


async def test_default_settings_put_the_database_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=None, kuril_data_dir=tmp_path / "d")
    storage = Storage.from_settings(settings)
    async with storage:
        await subscribe(storage)
    assert (tmp_path / "d" / "kuril-brief.db").is_file()


async def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    storage = await Storage("sqlite:///k.db", data_dir=tmp_path).open()
    try:
        engine = storage._engine
        assert engine is not None
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == 30_000
    finally:
        await storage.close()


@pytest.mark.parametrize("where", ["missing/kuril.db", "a-folder"])
async def test_an_unopenable_sqlite_file_fails_before_aiosqlite_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """aiosqlite 0.22 reports a failed connect from its worker thread, which may come after
    `asyncio.run` has closed the loop: a stray thread traceback under the one-line error."""
    import aiosqlite

    (tmp_path / "a-folder").mkdir()
    asked: list[object] = []
    real_connect = aiosqlite.connect
    monkeypatch.setattr(
        aiosqlite, "connect", lambda *a, **k: asked.append(a) or real_connect(*a, **k)
    )
    storage = Storage(f"sqlite:///{tmp_path / where}", data_dir=tmp_path / "data")
    with pytest.raises(sqlite3.OperationalError, match="unable to open database file"):
        await storage.open()
    assert asked == []
    assert not (tmp_path / "missing").exists()


async def test_a_subscription_keeps_its_language(storage: Storage) -> None:
    """English unless chosen; changed by subscribing again; only en, ja or ru."""

    async def subscribe_in(*language: str) -> Subscription:
        chosen = {"language": language[0]} if language else {}
        return await storage.upsert_subscription(
            guild_id=GUILD,
            channel_id=CHANNEL,
            local_time="09:00",
            timezone="UTC",
            created_by=ADMIN,
            **chosen,
        )

    assert (await subscribe_in()).language == "en"
    assert (await subscribe_in("ja")).language == "ja"
    assert (await storage.get_subscription(CHANNEL)).language == "ja"  # type: ignore[union-attr]
    with pytest.raises(InvalidRecordError):
        await subscribe_in("de")
    assert (await storage.get_subscription(CHANNEL)).language == "ja"  # type: ignore[union-attr]


async def test_record_sent_records_the_outcome_and_the_state_together(
    open_storage: Callable[[], Awaitable[Storage]],
) -> None:
    storage = await open_storage()
    await subscribe(storage)
    assert await storage.claim_slot(CHANNEL, SLOT)
    state = ChannelState(CHANNEL, "v9", 3, frozenset({"a"}), last_briefed_at=SLOT)
    assert await storage.record_sent(CHANNEL, SLOT, "sent", message_id=99, state=state, now=NOW)
    delivery = await storage.get_delivery(CHANNEL, SLOT)
    assert delivery is not None and (delivery.outcome, delivery.message_id) == ("sent", 99)
    saved = await storage.get_channel_state(CHANNEL)
    assert saved is not None and (saved.rotation_cursor, saved.seen_entry_ids) == (
        3,
        frozenset({"a"}),
    )
    # A settled slot never changes, and then the state is not saved either.
    later = ChannelState(CHANNEL, "v9", 4, frozenset({"b"}), last_briefed_at=SLOT)
    assert not await storage.record_sent(
        CHANNEL, SLOT, "sent_late", message_id=100, state=later, now=NOW
    )
    saved = await storage.get_channel_state(CHANNEL)
    assert saved is not None and saved.rotation_cursor == 3
    with pytest.raises(InvalidRecordError):
        await storage.record_sent(CHANNEL_2, SLOT, "sent", message_id=1, state=state, now=NOW)
