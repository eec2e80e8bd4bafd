"""The briefing scheduler and delivery on a real database (SQLite, and PostgreSQL when named),
with a fake sender and a clock the test moves. The Discord side is in `test_briefings_e2e`.

Only public behaviour: a slot comes due when the test moves the clock to it and runs a sweep
(which finds every due slot without a log row, as after a firing the bot missed), or, where
the cron job itself is the subject, on a clock that runs in real time."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, event, insert, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot import ratelimit
from bot import scheduler as scheduler_module
from bot.delivery import NONCE_WINDOW, ChannelUnavailable, HistoryUnavailable, SendFailed
from bot.ratelimit import Pacer
from bot.scheduler import BriefingScheduler, Subscribed
from bot.slots import nonce_for, snowflake_at
from bot.storage import Storage, Subscription, engine
from bot.storage.engine import make_engine
from bot.storage.schema import SUBSCRIPTIONS
from bot.storage.url import async_database_url
from commands.briefings import SubscribeRequest
from commands.messages import Reply
from knowledge.base import KnowledgeBase
from tests.bot.running_bot import Clock

UTC = dt.UTC
GUILD, ADMIN = 1200000000000000001, 1100000000000000002
SLOT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
GRACE = dt.timedelta(minutes=120)


class FakeClock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class FakeSender:
    """Records sends and answers history look-ups from them, like a channel would;
    `failures[channel]` is a list of exceptions to raise first, `history_error` what reading
    a channel raises."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, Reply]] = []
        self.posted: dict[tuple[int, str], int] = {}  # (channel, nonce) -> message id
        self.failures: dict[int, list[Exception]] = {}
        self.history_error: Exception | None = None
        self.lookups = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay = 0.0
        self.clock: Callable[[], dt.datetime] | None = None

    async def find_briefing(
        self, *, guild_id: int, channel_id: int, since: dt.datetime, reference: str
    ) -> int | None:
        self.lookups += 1
        if self.history_error is not None:
            raise self.history_error
        return self.posted.get((channel_id, reference))

    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        pending = self.failures.get(channel_id)
        if pending:
            raise pending.pop(0)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        self.sent.append((channel_id, nonce, reply))
        now = self.clock() if self.clock else SLOT
        message_id = snowflake_at(now) + len(self.sent)
        self.posted[(channel_id, nonce)] = message_id
        return message_id


@pytest.fixture
async def storage(db_url: str, tmp_path: Path) -> AsyncIterator[Storage]:
    store = await Storage(db_url, data_dir=tmp_path).open()
    yield store
    await store.close()


async def subscribe(storage: Storage, channel_id: int, now: dt.datetime, **kw: object):
    values: dict[str, object] = {"local_time": "09:00", "timezone": "UTC", "days": "daily"}
    values.update(kw)
    return await storage.upsert_subscription(
        guild_id=GUILD, channel_id=channel_id, created_by=ADMIN, now=now, **values
    )  # type: ignore[arg-type]


def make(
    storage: Storage,
    kb: KnowledgeBase,
    clock: Callable[[], dt.datetime],
    sender: FakeSender,
    **kw: object,
) -> BriefingScheduler:
    kw.setdefault("sweep_interval", 3600)
    sender.clock = clock
    scheduler = BriefingScheduler(storage, kb, sender, grace=GRACE, clock=clock, **kw)  # type: ignore[arg-type]
    scheduler.deliverer.backoff_base = 0.001
    return scheduler


async def run(scheduler: BriefingScheduler) -> None:
    await scheduler.start()
    await asyncio.wait_for(scheduler.started.wait(), 10)
    await asyncio.wait_for(scheduler.idle(), 30)


async def started(
    storage: Storage,
    kb: KnowledgeBase,
    channels: Iterable[int],
    sender: FakeSender,
    **kw: object,
) -> tuple[BriefingScheduler, FakeClock]:
    """A started scheduler an hour before `SLOT`, `channels` subscribed daily at 09:00 UTC
    first; with the clock the test moves."""
    clock = FakeClock(SLOT - dt.timedelta(hours=1))
    for channel in channels:
        await subscribe(storage, channel, clock.now)
    scheduler = make(storage, kb, clock, sender, **kw)
    await run(scheduler)
    return scheduler, clock


async def come_due(scheduler: BriefingScheduler, clock: FakeClock, when: dt.datetime) -> int:
    """Move the clock to `when` and sweep: what is due then is queued (returns how many)
    and delivered."""
    clock.now = when
    queued = await scheduler.sweep()
    await asyncio.wait_for(scheduler.idle(), 30)
    return queued


async def resubscribe(
    scheduler: BriefingScheduler, channel_id: int, local_time: str, timezone: str = "UTC"
) -> Subscribed:
    """What `/briefings subscribe` does: one call to the scheduler."""
    request = SubscribeRequest(channel_id, local_time, timezone, "daily", role_id=None)
    return await scheduler.subscribe(request, guild_id=GUILD, created_by=ADMIN)


async def test_jobs_are_rebuilt_from_the_database(storage: Storage, kb: KnowledgeBase) -> None:
    clock = FakeClock(SLOT - dt.timedelta(hours=1))
    await subscribe(
        storage, 11, clock.now, timezone="Asia/Tokyo", local_time="18:00", days="weekdays"
    )
    await subscribe(storage, 12, clock.now, timezone="America/New_York")
    await subscribe(storage, 13, clock.now)
    await storage.pause_subscription(13, "gone")
    scheduler = make(storage, kb, clock, FakeSender())
    await run(scheduler)
    try:
        assert scheduler.scheduled_channels == {11, 12}
        tokyo, new_york = scheduler.job_of(11), scheduler.job_of(12)
        assert tokyo is not None and new_york is not None
        assert tokyo.id == "briefings:18:00:Asia/Tokyo:01234"  # explicit: time, zone, days
        assert scheduler.briefing_jobs == {tokyo.id, new_york.id}
        assert tokyo.misfire_grace_time == GRACE.total_seconds()
        assert tokyo.coalesce is True
        assert scheduler.job_of(13) is None
        sub = await storage.get_subscription(11)
        assert sub is not None and scheduler.next_run(sub) == SLOT
    finally:
        await scheduler.stop()


async def test_rotation_advances_and_whats_new_appears_from_the_second_briefing(
    storage: Storage, kb: KnowledgeBase
) -> None:
    clock = FakeClock(SLOT - dt.timedelta(days=1, hours=1))
    await subscribe(storage, 21, clock.now)
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    try:
        for day in range(3):
            assert await come_due(scheduler, clock, SLOT + dt.timedelta(days=day - 1)) == 1
    finally:
        await scheduler.stop()
    assert len(sender.sent) == 3
    descriptions = [reply.embeds[0].description for _, _, reply in sender.sent]
    assert len(set(descriptions)) == 3  # consecutive briefings differ
    fields = [[f.name for f in reply.embeds[0].fields] for _, _, reply in sender.sent]
    assert "What's new since the last briefing" not in fields[0]
    assert "What's new since the last briefing" in fields[1]
    state = await storage.get_channel_state(21)
    assert state is not None and state.kb_version == kb.version and state.rotation_cursor > 0
    assert state.seen_entry_ids == frozenset(kb.by_id)


async def test_a_gone_channel_pauses_with_the_reason(storage: Storage, kb: KnowledgeBase) -> None:
    sender = FakeSender()
    sender.failures[31] = [ChannelUnavailable("The channel no longer exists.")]
    scheduler, clock = await started(storage, kb, [31], sender)
    try:
        await come_due(scheduler, clock, SLOT)
        sub = await storage.get_subscription(31)
        assert sub is not None and sub.status == "paused"
        assert sub.pause_reason == "The channel no longer exists."
        delivery = await storage.get_delivery(31, SLOT)
        assert delivery is not None and delivery.outcome == "paused"
        assert 31 not in scheduler.scheduled_channels  # its job went with the pause
        assert await come_due(scheduler, clock, SLOT + dt.timedelta(days=1)) == 0
        assert sender.sent == []
    finally:
        await scheduler.stop()


class ResubscribingSender(FakeSender):
    """Finds the channel gone, but first (in the window before the delivery pauses it)
    someone re-subscribes it with a new time."""

    def __init__(self, resubscribe: Callable[[], Awaitable[None]]) -> None:
        super().__init__()
        self.resubscribe = resubscribe

    async def send(self, *, guild_id: int, channel_id: int, reply: Reply, nonce: str) -> int:
        await self.resubscribe()
        raise ChannelUnavailable("The channel no longer exists.")


@pytest.mark.parametrize("window", ["before the pause", "after the pause"])
async def test_a_resubscribe_racing_a_pause_wins(
    storage: Storage, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, window: str
) -> None:
    clock = FakeClock(SLOT - dt.timedelta(hours=1))
    await subscribe(storage, 32, clock.now)
    done: list[Subscription] = []

    async def resubscribe_once() -> None:
        if not done:
            clock.now = SLOT + dt.timedelta(seconds=1)
            done.append((await resubscribe(scheduler, 32, "10:30")).subscription)

    if window == "before the pause":
        sender: FakeSender = ResubscribingSender(resubscribe_once)
    else:
        sender = FakeSender()
        sender.failures[32] = [ChannelUnavailable("The channel no longer exists.")]
    scheduler = make(storage, kb, clock, sender)
    if window == "after the pause":  # the pause (row and job) is done, its slot not recorded
        real_pause = scheduler.deliverer.pause

        async def pause_then_resubscribe(subscription: Subscription, reason: str) -> bool:
            paused = await real_pause(subscription, reason)
            await resubscribe_once()
            return paused

        monkeypatch.setattr(scheduler.deliverer, "pause", pause_then_resubscribe)
    await run(scheduler)
    try:
        await come_due(scheduler, clock, SLOT)
        assert done, "the hook did not run"
        sub = await storage.get_subscription(32)
        assert sub is not None and sub.active and sub.local_time == "10:30"  # the new schedule
        assert 32 in scheduler.scheduled_channels  # and its job
        delivery = await storage.get_delivery(32, SLOT)
        assert delivery is not None
        if window == "before the pause":  # not paused: the slot is retried, not lost
            assert delivery.outcome == "failed_retrying"
            assert "changed meanwhile" in (delivery.note or "")
    finally:
        await scheduler.stop()


async def test_unsubscribing_mid_delivery_sends_nothing(
    storage: Storage, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = FakeSender()
    scheduler, clock = await started(storage, kb, [33], sender)
    real_acquire = scheduler.pacer.acquire

    async def unsubscribe_while_waiting() -> None:
        # `/briefings unsubscribe` lands while the delivery waits for its turn to send.
        assert await scheduler.unsubscribe(33, guild_id=GUILD)
        await real_acquire()

    monkeypatch.setattr(scheduler.pacer, "acquire", unsubscribe_while_waiting)
    try:
        await come_due(scheduler, clock, SLOT)
        assert 33 not in scheduler.scheduled_channels
    finally:
        await scheduler.stop()
    assert sender.sent == []
    delivery = await storage.get_delivery(33, SLOT)
    assert delivery is not None and delivery.outcome == "skipped_missed"
    assert "unsubscribed" in (delivery.note or "")


async def test_failures_are_retried_with_backoff_then_by_the_sweep(
    storage: Storage, kb: KnowledgeBase
) -> None:
    sender = FakeSender()
    sender.failures[41] = [SendFailed("Discord error 502")] * 4  # 3 in-run attempts, then 1
    scheduler, clock = await started(storage, kb, [41], sender)
    try:
        await come_due(scheduler, clock, SLOT)
        delivery = await storage.get_delivery(41, SLOT)
        assert delivery is not None and delivery.outcome == "failed_retrying"
        assert "502" in (delivery.note or "")
        assert len(sender.failures[41]) == 1  # three attempts used in this run

        clock.now = SLOT + dt.timedelta(minutes=5)
        assert await scheduler.sweep() == 1
        await scheduler.idle()
        delivery = await storage.get_delivery(41, SLOT)
        assert delivery is not None and delivery.outcome == "sent_late"
        assert delivery.attempts == 5  # every request is claimed: 3, then 1 failed and 1 sent
        assert sender.lookups == 1  # before retrying, the sweep's delivery looked first
        (_, nonce, reply), *_ = sender.sent
        assert nonce == nonce_for(41, SLOT)
        assert "Discord could not take it" in (reply.embeds[0].description or "")
    finally:
        await scheduler.stop()


async def test_a_failed_slot_is_given_up_after_the_grace_period(
    storage: Storage, kb: KnowledgeBase
) -> None:
    sender = FakeSender()
    sender.failures[51] = [SendFailed("Discord error 503")] * 3
    scheduler, clock = await started(storage, kb, [51], sender)
    try:
        await come_due(scheduler, clock, SLOT)
        clock.now = SLOT + GRACE + dt.timedelta(minutes=1)
        await scheduler.sweep()
        await scheduler.idle()
        delivery = await storage.get_delivery(51, SLOT)
        assert delivery is not None and delivery.outcome == "skipped_missed"
        assert "past the grace period" in (delivery.note or "")
        assert sender.sent == []
    finally:
        await scheduler.stop()


@pytest.mark.parametrize("went_out", [True, False], ids=["had-gone-out", "never-sent"])
async def test_an_interrupted_claim_is_settled_by_looking_in_the_channel(
    storage: Storage, kb: KnowledgeBase, went_out: bool
) -> None:
    clock = FakeClock(SLOT)
    await subscribe(storage, 61, SLOT - dt.timedelta(days=1))
    sender = FakeSender()
    assert await storage.claim_slot(61, SLOT, now=SLOT)  # then the process died ...
    if went_out:  # ... after Discord had taken the message
        sender.posted[(61, nonce_for(61, SLOT))] = snowflake_at(SLOT) + 7
    clock.now = SLOT + dt.timedelta(minutes=30)  # long past Discord's nonce window
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    await scheduler.stop()
    delivery = await storage.get_delivery(61, SLOT)
    assert sender.lookups == 1
    assert delivery is not None
    if went_out:
        assert sender.sent == []
        assert delivery.outcome == "sent" and delivery.message_id == snowflake_at(SLOT) + 7
        assert (await storage.get_channel_state(61)) is not None  # rotation moved on
    else:
        assert [nonce for _, nonce, _ in sender.sent] == [nonce_for(61, SLOT)]
        assert delivery.outcome == "sent_late" and delivery.attempts == 2
        assert "I was offline" in (sender.sent[0][2].embeds[0].description or "")


@pytest.mark.parametrize(
    ("after", "resent"),
    [(NONCE_WINDOW / 2, True), (NONCE_WINDOW + dt.timedelta(seconds=30), False)],
)
async def test_an_interrupted_claim_in_an_unreadable_channel_is_resent_only_within_the_nonce_window(
    storage: Storage, kb: KnowledgeBase, after: dt.timedelta, resent: bool
) -> None:
    clock = FakeClock(SLOT)
    await subscribe(storage, 62, SLOT - dt.timedelta(days=1))
    assert await storage.claim_slot(62, SLOT, now=SLOT)
    clock.now = SLOT + after
    sender = FakeSender()
    sender.history_error = HistoryUnavailable("Discord error 403 (50013): Missing Permissions")
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    await scheduler.stop()
    delivery = await storage.get_delivery(62, SLOT)
    assert delivery is not None
    if resent:  # Discord would return the first message for the same nonce
        assert len(sender.sent) == 1 and delivery.outcome in ("sent", "sent_late")
    else:
        assert sender.sent == [] and delivery.outcome == "skipped_missed"
        assert "in doubt" in (delivery.note or "") and "Missing Permissions" in (
            delivery.note or ""
        )


@pytest.mark.e2e  # waits for real time: 20 sends through a 10/s pacer, 2 s
async def test_a_slot_is_claimed_only_after_the_pacer_lets_it_go(
    storage: Storage, kb: KnowledgeBase
) -> None:
    sender = FakeSender()
    sender.delay = 0.05
    scheduler, clock = await started(storage, kb, range(3000, 3020), sender, rate=10.0, workers=8)
    try:
        clock.now = SLOT
        assert await scheduler.sweep() == 20
        await asyncio.sleep(0.35)  # ~4 sends have been let through by a 10/s pacer
        rows = [await storage.get_delivery(channel, SLOT) for channel in range(3000, 3020)]
        claimed = [row for row in rows if row is not None]
        in_flight = [row for row in claimed if row.outcome == "claimed"]
        # Eight workers wait for the pacer, but only those it let go hold a claim (never all
        # eight), and only a request in flight is in doubt. The bounds leave room for a slow,
        # shared machine: how many went in 0.35 s is timing, not the property.
        assert 1 <= len(claimed) <= 5 and len(in_flight) <= 2
        await asyncio.wait_for(scheduler.idle(), 10)
    finally:
        await scheduler.stop()
    assert len(sender.sent) == 20


async def test_catch_up_records_each_missed_slot(storage: Storage, kb: KnowledgeBase) -> None:
    await subscribe(storage, 71, SLOT - dt.timedelta(days=3, hours=1))
    clock = FakeClock(SLOT + dt.timedelta(minutes=20))  # down for three days
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    await scheduler.stop()
    outcomes = [
        (await storage.get_delivery(71, SLOT - dt.timedelta(days=n))).outcome  # type: ignore[union-attr]
        for n in (3, 2, 1, 0)
    ]
    assert outcomes == ["skipped_missed", "skipped_missed", "skipped_missed", "sent_late"]
    assert len(sender.sent) == 1
    assert "I was offline" in (sender.sent[0][2].embeds[0].description or "")


async def test_start_up_reads_the_subscriptions_before_and_after_ready_only(
    storage: Storage, kb: KnowledgeBase
) -> None:
    """`start()` schedules from one read; the catch-up and the first sweep after `ready` share
    a second, taken after the wait, so a row added meanwhile behind the bot's back is caught."""
    await subscribe(storage, 81, SLOT - dt.timedelta(days=1, hours=1))
    clock = FakeClock(SLOT + dt.timedelta(minutes=20))
    sender = FakeSender()
    connected = asyncio.Event()
    scheduler = make(storage, kb, clock, sender, ready=connected.wait)
    reads: list[str] = []  # reads of every active subscription (not of one channel's)
    counting = True

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if counting and re.search(r"FROM subscriptions\s+WHERE subscriptions\.status", statement):
            reads.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        await scheduler.start()
        assert len(reads) == 1
        counting = False  # an operator's write while the bot connects is not the bot's read
        await subscribe(storage, 82, SLOT - dt.timedelta(days=1, hours=1))
        counting = True
        connected.set()
        await asyncio.wait_for(scheduler.started.wait(), 10)
        await asyncio.wait_for(scheduler.idle(), 30)
    finally:
        event.remove(Engine, "before_cursor_execute", count)
        await scheduler.stop()
    assert len(reads) == 2
    assert sorted(channel for channel, _, _ in sender.sent) == [81, 82]


async def test_many_due_at_once_are_paced_and_each_sent_once(
    storage: Storage, kb: KnowledgeBase
) -> None:
    count, rate = 120, 200.0
    sender = FakeSender()
    sender.delay = 0.02
    scheduler, clock = await started(
        storage, kb, range(1000, 1000 + count), sender, rate=rate, workers=16
    )
    try:
        clock.now = SLOT
        began = time.monotonic()
        assert await scheduler.sweep() == count
        assert await scheduler.sweep() == 0  # each slot is queued once, however often due
        await asyncio.wait_for(scheduler.idle(), 30)
        elapsed = time.monotonic() - began
    finally:
        await scheduler.stop()
    channels = [channel for channel, _, _ in sender.sent]
    assert sorted(channels) == list(range(1000, 1000 + count))
    assert sender.max_in_flight <= 16
    assert elapsed >= (count - 1) / rate * 0.95


async def test_stop_leaves_queued_slots_unclaimed_for_the_next_start(
    storage: Storage, kb: KnowledgeBase
) -> None:
    sender = FakeSender()
    sender.delay = 0.2
    scheduler, clock = await started(
        storage, kb, range(2000, 2010), sender, workers=1, stop_timeout=5
    )
    clock.now = SLOT
    assert await scheduler.sweep() == 10
    await asyncio.sleep(0.05)
    await scheduler.stop()
    claimed = [await storage.get_delivery(channel, SLOT) for channel in range(2000, 2010)]
    assert sum(d is not None for d in claimed) == len(sender.sent) == 1  # the one in flight

    clock.now = SLOT + dt.timedelta(minutes=10)
    again = make(storage, kb, clock, FakeSender())
    await run(again)
    await again.stop()
    for channel in range(2001, 2010):
        delivery = await storage.get_delivery(channel, SLOT)
        assert delivery is not None and delivery.outcome == "sent_late"


async def test_stop_waits_for_a_running_sweep_before_storage_closes(
    storage: Storage,
    kb: KnowledgeBase,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = FakeClock(SLOT)
    await subscribe(storage, 81, SLOT - dt.timedelta(days=1))
    for channel in (81, 82):  # failed deliveries for the sweep to work through
        assert await storage.claim_slot(channel, SLOT, now=SLOT)
        await storage.record_outcome(channel, SLOT, "failed_retrying", now=SLOT)
    scheduler = make(storage, kb, clock, FakeSender(), sweep_interval=0.05)
    real_retries = storage.pending_retries
    in_sweep = asyncio.Event()
    finished: list[bool] = []

    async def slow_retries(**kw: Any) -> list[Any]:
        if not scheduler.started.is_set():  # the start-up sweep: not this one
            return await real_retries(**kw)
        in_sweep.set()
        await asyncio.sleep(0.3)  # the sweep is mid-way when stop() is called
        found = await real_retries(**kw)
        finished.append(True)
        return found

    monkeypatch.setattr(storage, "pending_retries", slow_retries)
    caplog.set_level(logging.WARNING)
    await scheduler.start()
    await asyncio.wait_for(scheduler.started.wait(), 10)
    await asyncio.wait_for(in_sweep.wait(), 10)
    await scheduler.stop()
    assert finished == [True]  # stop() returned only once the sweep was done
    await storage.close()  # what the bot does next
    await asyncio.sleep(0.1)
    problems = [  # APScheduler may warn that a 0.05 s sweep skipped a turn: not a problem
        r
        for r in caplog.records
        if r.levelno >= logging.ERROR or (r.levelno >= logging.WARNING and r.name.startswith("bot"))
    ]
    assert problems == [], [r.getMessage() for r in problems]


@pytest.mark.e2e  # waits for real time: cron jobs fire on a real clock, 2.5 s
async def test_resubscribing_with_a_new_time_replaces_the_job(
    storage: Storage, kb: KnowledgeBase
) -> None:
    """On a clock that runs in real time, so the cron jobs themselves fire: after a change
    of time only the new time's job fires, never the old one's."""
    old, new = SLOT, SLOT + dt.timedelta(minutes=1)  # 09:00, then 09:01
    clock = Clock(SLOT - dt.timedelta(hours=3))  # 06:00
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    try:
        for local_time, hours in (("07:30", -1.5), ("11:15", 2.25)):  # earlier, then later
            done = await resubscribe(scheduler, 91, local_time)
            assert done.next_run == SLOT + dt.timedelta(hours=hours)
            assert scheduler.scheduled_channels == {91}
        clock.set(old - dt.timedelta(seconds=2))
        await resubscribe(scheduler, 91, "09:00")  # its job would fire in 2 s ...
        await resubscribe(scheduler, 91, "09:01")  # ... but is replaced at once
        began = time.monotonic()
        clock.set(new - dt.timedelta(seconds=1))
        await resubscribe(scheduler, 91, "09:01")  # set on the moved clock: fires in 1 s

        async def sent() -> None:
            while not sender.sent:  # noqa: ASYNC110 (the fake sender signals nothing)
                await asyncio.sleep(0.05)

        await asyncio.wait_for(sent(), 10)
        # Past the moment the 09:00 job would have fired (as the 09:00 slot).
        await asyncio.sleep(max(0.0, 2.5 - (time.monotonic() - began)))
        await asyncio.wait_for(scheduler.idle(), 10)
    finally:
        await scheduler.stop()
    assert [nonce for _, nonce, _ in sender.sent] == [nonce_for(91, new)]


@pytest.mark.e2e  # waits for real time: cron jobs fire on a real clock, 4 s
async def test_subscriptions_on_one_schedule_share_one_job(
    storage: Storage, kb: KnowledgeBase
) -> None:
    """One APScheduler job per schedule: 10,000 subscriptions due at one minute in six zones
    are six jobs firing, not 10,000 (which held the event loop for seconds). On a clock that
    runs in real time, so the jobs themselves fire: each channel on them is sent once."""
    clock = Clock(SLOT - dt.timedelta(seconds=3))
    for channel in (41, 42, 43, 45):
        await subscribe(storage, channel, SLOT - dt.timedelta(hours=1))
    # 18:00 in Tokyo is 09:00 UTC too: due at the same moment, on a schedule of its own.
    await subscribe(
        storage, 44, SLOT - dt.timedelta(hours=1), timezone="Asia/Tokyo", local_time="18:00"
    )
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    try:
        shared, tokyo = scheduler.job_of(41), scheduler.job_of(44)
        assert shared is not None and tokyo is not None and shared.id != tokyo.id
        assert {scheduler.job_of(c).id for c in (41, 42, 43, 45)} == {shared.id}  # type: ignore[union-attr]
        assert scheduler.briefing_jobs == {shared.id, tokyo.id}
        assert await scheduler.unsubscribe(42, guild_id=GUILD)
        assert scheduler.job_of(42) is None and scheduler.job_of(41) is not None
        tokyo.remove()  # a job lost (APScheduler's own API): the next sweep restores it
        assert scheduler.briefing_jobs == {shared.id}
        assert await scheduler.sweep() == 0
        assert scheduler.briefing_jobs == {shared.id, tokyo.id}
        assert clock() < SLOT, "too slow: the slot passed before the jobs were checked"

        async def sent(count: int) -> None:
            while len(sender.sent) < count:  # noqa: ASYNC110 (the fake sender signals nothing)
                await asyncio.sleep(0.05)

        await asyncio.wait_for(sent(4), 15)
        await asyncio.sleep(1)  # a second firing, or a second queue item, would show by now
        await asyncio.wait_for(scheduler.idle(), 10)
        assert sorted((channel, nonce) for channel, nonce, _ in sender.sent) == [
            (channel, nonce_for(channel, SLOT)) for channel in (41, 43, 44, 45)
        ]
        for channel in (41, 43, 45):
            assert await scheduler.unsubscribe(channel, guild_id=GUILD)
        assert scheduler.briefing_jobs == {tokyo.id}, "the schedule's job went with its last"
    finally:
        await scheduler.stop()


async def test_moving_a_channel_to_another_schedule_moves_it_to_that_schedules_job(
    storage: Storage, kb: KnowledgeBase
) -> None:
    sender = FakeSender()
    scheduler, clock = await started(storage, kb, (), sender)
    try:
        for channel in (51, 52):
            await resubscribe(scheduler, channel, "09:00")
        nine = scheduler.job_of(51)
        assert nine is not None and scheduler.briefing_jobs == {nine.id}
        await resubscribe(scheduler, 51, "10:00")
        ten = scheduler.job_of(51)
        assert ten is not None and ten.id != nine.id
        assert scheduler.job_of(52).id == nine.id  # type: ignore[union-attr]  # still has one
        assert scheduler.briefing_jobs == {nine.id, ten.id}
        await resubscribe(scheduler, 52, "10:00")
        assert scheduler.job_of(52).id == ten.id  # type: ignore[union-attr]
        assert scheduler.briefing_jobs == {ten.id}, "09:00's job went with its last channel"
        await resubscribe(scheduler, 52, "09:00", timezone="Europe/London")  # a zone is a schedule
        assert scheduler.job_of(52).id == "briefings:09:00:Europe/London:0123456"  # type: ignore[union-attr]
        assert scheduler.briefing_jobs == {ten.id, "briefings:09:00:Europe/London:0123456"}
        assert await come_due(scheduler, clock, SLOT) == 1  # London is on UTC in March
        assert await come_due(scheduler, clock, SLOT + dt.timedelta(hours=1)) == 1
    finally:
        await scheduler.stop()
    assert sorted((channel, nonce) for channel, nonce, _ in sender.sent) == [
        (51, nonce_for(51, SLOT + dt.timedelta(hours=1))),
        (52, nonce_for(52, SLOT)),
    ]


async def test_a_change_made_behind_the_bots_back_is_picked_up_by_the_next_sweep(
    db_url: str, storage: Storage, kb: KnowledgeBase, tmp_path: Path
) -> None:
    """An operator edits the table directly (or restores a backup) while the bot runs: the
    next sweep schedules, reschedules and drops jobs to match, and delivers accordingly."""
    clock = FakeClock(SLOT - dt.timedelta(hours=2))
    for channel in (201, 202, 203, 205):
        await subscribe(storage, channel, clock.now)
    await storage.pause_subscription(205, "gone", now=clock.now)
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    try:
        assert scheduler.scheduled_channels == {201, 202, 203}
        clock.now = SLOT - dt.timedelta(hours=1)
        at = clock.now - dt.timedelta(minutes=1)
        row = SUBSCRIPTIONS.c
        like_201 = dataclasses.asdict(await storage.get_subscription(201))  # type: ignore[arg-type]
        raw = make_engine(async_database_url(db_url, tmp_path))  # beside the bot's storage
        try:
            async with raw.begin() as conn:
                await conn.execute(delete(SUBSCRIPTIONS).where(row.channel_id == 201))
                for channel, values in (
                    (202, {"status": "paused", "pause_reason": "by hand"}),
                    (203, {"local_time": "10:00"}),
                    (205, {"status": "active", "pause_reason": None}),
                ):
                    await conn.execute(
                        update(SUBSCRIPTIONS)
                        .where(row.channel_id == channel)
                        .values(updated_at=at, **values)
                    )
                new = {**like_201, "channel_id": 204, "created_at": at, "updated_at": at}
                await conn.execute(insert(SUBSCRIPTIONS).values(new))
        finally:
            await raw.dispose()
        assert scheduler.scheduled_channels == {201, 202, 203}  # not yet noticed

        assert await come_due(scheduler, clock, clock.now) == 0  # nothing due yet
        assert scheduler.scheduled_channels == {203, 204, 205}
        assert await come_due(scheduler, clock, SLOT) == 2  # 09:00: the new and the resumed
        assert await come_due(scheduler, clock, SLOT + dt.timedelta(hours=1)) == 1  # 10:00
    finally:
        await scheduler.stop()
    assert sorted((channel, nonce) for channel, nonce, _ in sender.sent) == sorted(
        [
            (204, nonce_for(204, SLOT)),
            (205, nonce_for(205, SLOT)),
            (203, nonce_for(203, SLOT + dt.timedelta(hours=1))),
        ]
    )
    for channel in (201, 202):
        assert await storage.get_delivery(channel, SLOT) is None


async def test_catch_up_after_resuming_counts_from_the_resume_not_the_creation(
    storage: Storage, kb: KnowledgeBase
) -> None:
    created = SLOT - dt.timedelta(days=3, hours=1)
    await subscribe(storage, 72, created)
    await storage.pause_subscription(72, "gone", now=created + dt.timedelta(hours=2))
    resumed = SLOT - dt.timedelta(minutes=30)  # fixed and subscribed again, then down
    await subscribe(storage, 72, resumed)
    clock = FakeClock(SLOT + dt.timedelta(minutes=20))
    sender = FakeSender()
    scheduler = make(storage, kb, clock, sender)
    await run(scheduler)
    await scheduler.stop()
    for days in (3, 2, 1):  # while paused: nothing to catch up, nothing recorded
        assert await storage.get_delivery(72, SLOT - dt.timedelta(days=days)) is None
    delivery = await storage.get_delivery(72, SLOT)
    assert delivery is not None and delivery.outcome == "sent_late"
    assert len(sender.sent) == 1


async def test_pacer_spaces_starts() -> None:
    pacer = Pacer(100.0)
    starts = []
    for _ in range(20):
        await pacer.acquire()
        starts.append(time.monotonic())
    # Each start is at least k intervals after the first (a late wake-up is not made up
    # by bunching more than the one-token bucket allows).
    for k, started in enumerate(starts):
        assert started - starts[0] >= k * 0.01 - 0.002
    with pytest.raises(ValueError):
        Pacer(0)


async def test_slots_due_while_the_database_is_locked_are_sent_late_once_it_is_back(
    tmp_path: Path, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real fault: another process holds SQLite's write lock across the slot, so every
    claim fails; nothing is written, and the sweep must find the slots from the schedule."""
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(scheduler_module, "RECOVERY_FIRST_S", 0.1)
    path = tmp_path / "kuril-brief.db"
    storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
    sender = FakeSender()
    scheduler, clock = await started(storage, kb, (101, 102, 103), sender, workers=2)
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")  # held across the slot
        clock.now = SLOT
        assert await scheduler.sweep() == 3  # reading works; every claim fails
        await asyncio.wait_for(scheduler.idle(), 10)
        await asyncio.sleep(0.5)  # the recovery probes fail meanwhile
        assert sender.sent == []
        assert await storage.latest_slots() == {}  # not even a claim was written
        clock.now = SLOT + dt.timedelta(minutes=3)
        locker.execute("ROLLBACK")

        async def all_settled() -> None:
            # Polling the database: nothing signals "written" to wait on.
            while not all(  # noqa: ASYNC110
                delivery is not None and delivery.final
                for delivery in [await storage.get_delivery(c, SLOT) for c in (101, 102, 103)]
            ):
                await asyncio.sleep(0.05)

        await asyncio.wait_for(all_settled(), 10)
        await asyncio.wait_for(scheduler.idle(), 10)
    finally:
        locker.close()
        await scheduler.stop()
        await storage.close()
    assert sorted(channel for channel, _, _ in sender.sent) == [101, 102, 103]
    for _, _, reply in sender.sent:
        assert "my database was unavailable" in (reply.embeds[0].description or "")
    storage = await Storage(f"sqlite:///{path}", data_dir=tmp_path).open()
    try:
        for channel in (101, 102, 103):
            delivery = await storage.get_delivery(channel, SLOT)
            assert delivery is not None and delivery.outcome == "sent_late"
            assert delivery.attempts == 1
    finally:
        await storage.close()


async def test_pacer_at_full_speed_holds_off_on_a_429_but_keeps_its_rate() -> None:
    """A 429 while the ceiling was going out comes from a burst, not from a lower limit."""
    now = [0.0]
    pacer = Pacer(100.0, clock=lambda: now[0])
    for n in range(100):  # one second at the ceiling, on a clock the test moves
        now[0] = n / 100
        await pacer.acquire()
        pacer.request_sent()  # as the session's trace reports it
    now[0] = 0.995
    late = pacer.request_sent()  # a sender the event loop woke late: over the limit
    pacer.global_limit_hit(0.2, late)
    assert pacer.rate == 100.0 and pacer.global_limits == 1
    now[0] = 1.0
    began = time.monotonic()
    await pacer.acquire()  # held off until 0.995 + 0.2 on the pacer's clock
    assert time.monotonic() - began >= 0.17


async def test_pacer_backs_off_on_a_global_429_and_creeps_back_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit, "RECOVER_EVERY_S", 0.05)
    pacer = Pacer(200.0)
    for _ in range(40):  # 0.2 s at 200/s: 40 let through in the last second
        await pacer.acquire()
        pacer.request_sent()
    await pacer.acquire()
    refused = pacer.request_sent()
    pacer.global_limit_hit(0.3, refused)
    assert pacer.global_limits == 1
    assert pacer.rate == pytest.approx(0.9 * 40)  # what got through, less 10%
    pacer.global_limit_hit(0.3, refused)  # the same burst (sent before the 429): no second cut
    assert pacer.rate == pytest.approx(0.9 * 40)
    began = time.monotonic()
    await pacer.acquire()
    assert time.monotonic() - began >= 0.28  # held off for Retry-After
    cut = pacer.rate
    for _ in range(10):
        await asyncio.sleep(0.06)
        await pacer.acquire()
    assert cut < pacer.rate <= 200.0  # recovering, towards the ceiling only


async def test_a_briefing_that_waits_past_a_minute_to_be_claimed_says_it_is_late(
    storage: Storage, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Queued on time, but its claim waited (a database lock, a long pacer queue): the note
    is decided when it is sent, not when it was queued."""
    sender = FakeSender()
    scheduler, clock = await started(storage, kb, [111], sender)
    real_claim = storage.claim_slot

    async def slow_claim(channel_id: int, slot: dt.datetime, **kw: Any) -> bool:
        clock.now = SLOT + dt.timedelta(minutes=2)  # the claim waited this long
        return await real_claim(channel_id, slot, **kw)

    monkeypatch.setattr(storage, "claim_slot", slow_claim)
    try:
        await come_due(scheduler, clock, SLOT)
    finally:
        await scheduler.stop()
    ((_, _, reply),) = sender.sent
    assert "held up on my side" in (reply.embeds[0].description or "")
    delivery = await storage.get_delivery(111, SLOT)
    assert delivery is not None and delivery.outcome == "sent_late"


async def test_a_send_whose_outcome_could_not_be_recorded_is_settled_from_the_channel(
    storage: Storage, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database fails right after Discord took the message: once it is back, the slot is
    found in the channel and recorded, not sent again."""
    monkeypatch.setattr(scheduler_module, "RECOVERY_FIRST_S", 0.05)
    sender = FakeSender()
    scheduler, clock = await started(storage, kb, [121], sender)
    real_record = storage.record_sent
    failures = [OperationalError("UPDATE delivery_log", None, Exception("disk I/O error"))]

    async def record_fails_once(*args: Any, **kw: Any) -> bool:
        if args[2] == "sent" and failures:
            raise failures.pop()
        return await real_record(*args, **kw)

    monkeypatch.setattr(storage, "record_sent", record_fails_once)
    try:
        await come_due(scheduler, clock, SLOT)
        assert (await storage.get_delivery(121, SLOT)).outcome == "claimed"  # type: ignore[union-attr]
        clock.now = SLOT + dt.timedelta(seconds=20)

        async def settled() -> None:
            while (await storage.get_delivery(121, SLOT)).outcome == "claimed":  # type: ignore[union-attr]  # noqa: ASYNC110
                await asyncio.sleep(0.02)

        await asyncio.wait_for(settled(), 10)
        await scheduler.idle()
    finally:
        await scheduler.stop()
    assert len(sender.sent) == 1 and sender.lookups == 1
    delivery = await storage.get_delivery(121, SLOT)
    assert delivery is not None and delivery.outcome == "sent"
    assert delivery.message_id == sender.posted[(121, nonce_for(121, SLOT))]


async def test_pacer_judges_the_limit_by_its_window_and_ignores_stragglers() -> None:
    """A 429 half a second after a hold, 10 let through since: the limit counts a second,
    so it is 10 a second (not 20/s, the rate those 10 went at), and the rate is cut to 9/s.
    A straggler's 429 just after the next hold (its request was in flight when the 429 that
    caused the hold came back) says nothing of the limit: no cut, never towards 1/s as a
    loaded machine's stragglers used to make it."""
    now = [0.0]
    pacer = Pacer(47.5, clock=lambda: now[0])
    pacer.global_limit_hit(1.0)  # hold until 1.0 (the request is unknown: nothing learnt)
    assert pacer.rate == 47.5
    for n in range(10):  # 20/s for half a second after the hold
        now[0] = 1.0 + n / 20
        await pacer.acquire()
        pacer.request_sent()
    now[0] = 1.5
    refused = pacer.request_sent()
    now[0] = 1.505
    straggler = pacer.request_sent()  # in flight when the 429 comes back
    now[0] = 1.51
    pacer.global_limit_hit(1.0, refused)
    assert pacer.rate == pytest.approx(0.9 * 10)
    now[0] = 2.6  # the straggler's 429, answered after the hold: no cut
    pacer.global_limit_hit(1.0, straggler)
    assert pacer.rate == pytest.approx(0.9 * 10) and pacer.global_limits == 3


async def test_pacer_spaces_requests_released_together_after_a_stall() -> None:
    """Work paced by `acquire` can bunch up behind a stall (a slow commit) and be released
    at once: `space`, right before each request, spreads it out again."""
    pacer = Pacer(50.0)
    sent: list[float] = []

    async def request() -> None:
        await pacer.space()
        sent.append(time.monotonic())

    began = time.monotonic()
    await asyncio.gather(*(request() for _ in range(10)))  # ten released together
    # The k-th goes no sooner than k intervals on (a late wake-up is late, not early).
    assert [k for k, at in enumerate(sent) if at - began < k * 0.02 - 0.003] == [], sent
    pacer.global_limit_hit(0.2)  # a global 429 holds requests off too
    began = time.monotonic()
    await pacer.space()
    assert time.monotonic() - began >= 0.17
