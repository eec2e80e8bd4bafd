"""Scheduled briefings: one APScheduler cron job per distinct schedule, rebuilt from the database.

The database is the source of truth, and the scheduler is the one writer of subscriptions:
`subscribe`, `unsubscribe` and `pause` each write the row and (re)schedule its channel in
one call, under one lock, so a command cannot forget the second step and two writers cannot
interleave. Every sweep (and the start) brings the schedule back in line with the
database's active subscriptions, so a row changed behind the bot's back (by an operator
with `sqlite3` or `psql`) is scheduled, rescheduled or dropped within one sweep.

There is one job per distinct schedule (time, zone, days), not one per subscription: its
firing queues every channel on that schedule. APScheduler runs all the jobs due at one
moment in one event-loop callback, and 10,000 subscriptions each with its own job held the
loop for about 10 s on a busy host when they fell due together, long enough for an
interaction to miss Discord's 3 s deadline; the same 10,000 in six zones are six jobs.

Each job is an APScheduler 3.x `CronTrigger` in the schedule's own zone (explicit job id
`briefings:<HH:MM>:<zone>:<weekdays>`, `replace_existing=True`). Once the bot is ready to send, the
scheduler catches up from the delivery log (not from APScheduler's memory): a slot missed
while the bot was down goes out once, late, if still within the grace period, and is
recorded as skipped otherwise. A sweep job retries deliveries that failed, settles claims
left in doubt (by a process that died mid-delivery, or an outcome that could not be
recorded), and runs the same catch-up from the schedule itself: a slot that is due but has
no log row at all (its claim failed because the database was down) is found there, not only
in the log.

When the database fails under a delivery, the scheduler stops trying deliveries (they would
fail the same way), probes the database after 2 s, then less often, and once a write goes
through again runs the sweep, which sends what was missed, late, with a note.

Cron jobs only enqueue; a fixed pool of workers delivers (`bot.delivery.Deliverer`), paced
under Discord's global rate limit by one shared `Pacer`, so ten thousand slots due in the
same minute cost ten thousand small queue items and a constant number of tasks.

`clock` is injectable: tests run the bot on a clock that is ahead of (or behind) the real
one, advancing in real time; triggers are shifted by the difference, so a job fires when
`clock()` reaches its slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import ON_TIME, Deliverer, Sender
from bot.ratelimit import DISCORD_GLOBAL_LIMIT, Pacer
from bot.slots import Schedule, next_slot, plan_catch_up, previous_slot
from bot.storage import Storage, Subscription
from bot.storage.store import UNAVAILABLE_ERRORS, unavailable_reason
from commands.briefings import SubscribeRequest
from commands.i18n import N_
from knowledge.base import KnowledgeBase

__all__ = ["BriefingScheduler", "Clock", "Subscribed", "job_id", "trigger_for"]

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
UTC = dt.UTC
SWEEP_JOB_ID = "briefings:sweep"
#: Cron firings map to the slot at or before `clock() + FIRE_TOLERANCE` (timer jitter).
FIRE_TOLERANCE = dt.timedelta(seconds=2)
#: Subscriptions planned between yields to the event loop in a catch-up.
CATCH_UP_BATCH = 200
#: Why a briefing goes out late, for its note.
OFFLINE = N_("I was offline")
RETRIED = N_("Discord could not take it at the time")
DELAYED = N_("I was busy")
STORAGE_DOWN = N_("my database was unavailable")
#: The note of a slot skipped because it was missed while the bot was down.
MISSED_OFFLINE = "missed while I was offline"
#: After a storage failure, the database is tried again this soon, then ever less often (up
#: to `RECOVERY_MAX_S`); the key is written to prove it takes writes again.
RECOVERY_FIRST_S = 2.0
RECOVERY_MAX_S = 15.0
STORAGE_PROBE_KEY = "briefings:storage-probe"
#: Settled delivery-log rows older than this are pruned, once a day.
KEEP_LOG = dt.timedelta(days=35)


def _real_now() -> dt.datetime:
    return dt.datetime.now(UTC)


def job_id(schedule: Schedule) -> str:
    """The id of the one job per distinct schedule, shared by every subscription on it."""
    days = "".join(str(day) for day in sorted(schedule.weekdays))
    return f"briefings:{schedule.hour:02d}:{schedule.minute:02d}:{schedule.zone.key}:{days}"


class _Shifted(BaseTrigger):
    """Fires when an injected clock reaches `inner`'s times. `offset()` is how far that clock
    runs ahead of the real one, read whenever a fire time is computed, so a test clock that
    is moved between runs takes effect for every fire time computed after the move."""

    def __init__(self, inner: BaseTrigger, offset: Callable[[], dt.timedelta]) -> None:
        self.inner = inner
        self.offset = offset

    # APScheduler 3 is unannotated: pyright reads the abstract method as returning None.
    def get_next_fire_time(  # pyright: ignore[reportIncompatibleMethodOverride]
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        offset = self.offset()
        previous = None if previous_fire_time is None else previous_fire_time + offset
        fire = self.inner.get_next_fire_time(previous, now + offset)
        return None if fire is None else fire - offset

    def __str__(self) -> str:
        return f"{self.inner} on the injected clock"


def trigger_for(
    schedule: Schedule, offset: Callable[[], dt.timedelta] | None = None
) -> BaseTrigger:
    """A cron trigger at local `HH:MM` on the schedule's weekdays in its own time zone;
    with `offset`, on a clock that runs that far ahead of the real one."""
    cron = CronTrigger(
        day_of_week=schedule.cron_day_of_week,
        hour=schedule.hour,
        minute=schedule.minute,
        second=0,
        timezone=schedule.zone,
    )
    return cron if offset is None else _Shifted(cron, offset)


@dataclass(frozen=True, slots=True)
class Subscribed:
    """What `subscribe` did: the subscription as stored, the one it replaced (None for a new
    one; paused for a resume) and its next run."""

    subscription: Subscription
    previous: Subscription | None
    next_run: dt.datetime


@dataclass
class _Stats:
    enqueued: int = 0
    results: dict[str, int] = field(default_factory=dict)


class BriefingScheduler:
    """Owns the subscriptions' writes, the APScheduler instance (its job store is never
    shared) and the delivery workers.

    Call `start()` once storage is open, `stop()` at shutdown. Commands call `subscribe` and
    `unsubscribe`; a delivery that finds its channel gone calls `pause`.

    In memory, the active subscriptions are held by schedule: `_on_schedule_of[schedule]`
    maps each channel on that schedule to its subscription, and `_schedule_of[channel]` says
    which schedule a channel is on (an index of the same map, for unsubscribing and for the
    workers' check before each delivery). Only `_schedule` and `_unschedule` write either,
    always together and always with the job: a schedule has its job (which carries only
    the `Schedule`) exactly while it has a channel, added with its first and removed with
    its last. Both are called under `_writing`, straight after the row is written, or by
    `_reconcile`, which rebuilds them (and the jobs) from the database's active
    subscriptions at every sweep; so there is no second copy of a subscription that could
    drift from the database for longer than one sweep.
    """

    def __init__(
        self,
        storage: Storage,
        kb: KnowledgeBase,
        sender: Sender,
        *,
        grace: dt.timedelta,
        clock: Clock | None = None,
        ready: Callable[[], Awaitable[object]] | None = None,
        on_result: Callable[[str], object] | None = None,
        rate: float = DISCORD_GLOBAL_LIMIT * 0.95,
        pacer: Pacer | None = None,
        workers: int = 32,
        sweep_interval: float = 60.0,
        stop_timeout: float = 5.0,
    ) -> None:
        self.storage = storage
        self.kb = kb
        self.grace = grace
        self._clock_given = clock is not None
        self.clock: Clock = clock or _real_now
        self._ready = ready
        self._on_result = on_result  # each delivery's result, e.g. for metrics
        self._workers_count = workers
        self._sweep_interval = sweep_interval
        self._stop_timeout = stop_timeout
        self.pacer = pacer or Pacer(rate)
        self.deliverer = Deliverer(
            storage=storage,
            kb=kb,
            sender=sender,
            pacer=self.pacer,
            clock=self.clock,
            grace=grace,
            pause=self.pause,
        )
        # Held while a subscription is written and its channel scheduled, and while the jobs are
        # brought in line with the database: neither may interleave with the other.
        self._writing = asyncio.Lock()
        self._on_schedule_of: dict[Schedule, dict[int, Subscription]] = {}
        self._schedule_of: dict[int, Schedule] = {}
        # Late firings are handled deliberately (catch-up, grace period), so APScheduler must
        # not drop them after its default one second.
        self._misfire_grace_s = max(1, int(grace.total_seconds()))
        self._queue: asyncio.Queue[tuple[Subscription, dt.datetime, str | None]] = asyncio.Queue()
        self._pending: set[tuple[int, dt.datetime]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._busy: set[asyncio.Future[object]] = set()  # sweeps and catch-up in progress
        self._scheduler: AsyncIOScheduler | None = None
        self._stopping = False
        self._last_prune: dt.datetime | None = None
        # Set when a delivery failed because the database did; cleared once it takes writes.
        self._storage_down_since: dt.datetime | None = None
        self._storage_missed = False  # deliveries were dropped since the last good sweep
        self._recovery: asyncio.Task[None] | None = None
        self.stats = _Stats()
        self.started = asyncio.Event()  # set once the start-up catch-up has run

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Build the jobs from the database and start; deliveries wait for `ready`."""
        if self._scheduler is not None:
            return
        # Several missed firings make one run (each firing queues the same slot anyway).
        scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "misfire_grace_time": self._misfire_grace_s,
                "max_instances": 1,
            },
        )
        logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # a line per run
        self._scheduler = scheduler
        active = await self._reconcile()
        scheduler.add_job(
            self._sweep_job,
            # APScheduler 3 is unannotated: `seconds=0` reads as int, yet a float makes its timedelta.
            IntervalTrigger(seconds=self._sweep_interval, timezone=UTC),  # pyright: ignore[reportArgumentType]
            id=SWEEP_JOB_ID,
            name="retry failed and interrupted briefings",
            replace_existing=True,
        )
        scheduler.start()
        log.info("briefing scheduler started with %d active subscriptions", len(active))
        self._tasks = [
            asyncio.create_task(self._work(), name=f"briefing-worker-{n}")
            for n in range(self._workers_count)
        ]
        self._tasks.append(asyncio.create_task(self._start_up(), name="briefing-catch-up"))

    async def stop(self) -> None:
        """Stop firing, let in-flight work finish (up to `stop_timeout`), then cancel.

        In-flight work is deliveries, a running sweep and the start-up catch-up: all use
        storage, which the caller closes next, so none may outlive this call. APScheduler's
        own shutdown would cancel a running sweep mid-query (and log it as an error), so the
        scheduler is only paused until the sweep has finished.
        """
        if self._scheduler is None or self._stopping:
            return
        self._stopping = True
        with contextlib.suppress(Exception):
            self._scheduler.pause()  # no new firings; a running job carries on
        # Nothing new starts once stopping; queued items stay unclaimed, so the next start
        # delivers them (late) or records them as skipped.
        while not self._queue.empty():
            subscription, slot, _ = self._queue.get_nowait()
            self._pending.discard((subscription.channel_id, slot))
            self._queue.task_done()
        if self._recovery is not None:
            self._recovery.cancel()
        drained = asyncio.ensure_future(self._queue.join())
        busy = {drained, *self._busy}
        _, unfinished = await asyncio.wait(busy, timeout=self._stop_timeout)
        if drained in unfinished:
            log.warning("stopping with %d briefing(s) mid-delivery", len(self._pending))
        if unfinished - {drained}:
            log.warning("stopping mid-sweep; the next start finishes it")
        for task in [*unfinished, *self._tasks]:
            task.cancel()
        await asyncio.gather(*unfinished, *self._tasks, return_exceptions=True)
        self._tasks.clear()
        with contextlib.suppress(Exception):
            self._scheduler.shutdown(wait=False)
        log.info("briefing scheduler stopped")

    async def _start_up(self) -> None:
        if self._ready is not None:
            await self._ready()
        try:
            await self._busy_with(self._catch_up_and_sweep())
        except UNAVAILABLE_ERRORS as error:
            self._storage_failed(error)  # the recovery sweep catches up instead
        finally:
            self.started.set()

    async def _catch_up_and_sweep(self) -> None:
        """The start-up catch-up and first sweep, on one read of the active subscriptions.

        `start()` read them before the wait for `ready`, which can be long (connecting to
        Discord), so they are read once more here, after it: rows changed meanwhile behind the
        bot's back are caught before anything missed is sent."""
        active = await self._reconcile()
        await self._catch_up(active, OFFLINE, MISSED_OFFLINE)
        await self._sweep(active)

    async def _busy_with(self, work: Awaitable[object]) -> None:
        """Run `work` as a task `stop()` waits for before storage may close."""
        if self._stopping:
            if asyncio.iscoroutine(work):
                work.close()
            return
        task = asyncio.ensure_future(work)
        self._busy.add(task)
        try:
            await asyncio.shield(task)
        finally:
            if task.done():
                self._busy.discard(task)
            else:  # we were cancelled (APScheduler's shutdown): `stop()` still owns the work
                task.add_done_callback(self._busy.discard)

    # -- subscriptions -------------------------------------------------------------------

    async def subscribe(
        self, request: SubscribeRequest, *, guild_id: int, created_by: int
    ) -> Subscribed:
        """Subscribe a channel (a validated `/briefings subscribe`), change its schedule, or
        resume it if paused: the row is written and the channel put on its schedule's job in
        one step. Raises `InvalidRecordError`, changing nothing, for an invalid field."""
        async with self._writing:
            previous = await self.storage.get_subscription(request.channel_id)
            subscription = await self.storage.upsert_subscription(
                guild_id=guild_id,
                channel_id=request.channel_id,
                local_time=request.time,
                timezone=request.timezone,
                days=request.days,
                role_id=request.role_id,
                created_by=created_by,
                now=self.clock(),
                language=request.language,
            )
            self._schedule(subscription)
        return Subscribed(subscription, previous, self.next_run(subscription))

    async def unsubscribe(self, channel_id: int, *, guild_id: int) -> bool:
        """Remove the channel's subscription, if that guild has one, and take the channel
        off its schedule's job; returns whether there was one."""
        async with self._writing:
            removed = await self.storage.remove_subscription(channel_id, guild_id=guild_id)
            if removed:
                self._unschedule(channel_id)
        return removed

    async def pause(self, subscription: Subscription, reason: str) -> bool:
        """Pause `subscription` (its channel is gone or forbids the bot) and take it off
        its schedule's job, unless it changed since it was read: a re-subscribe, perhaps after
        fixing the channel, must not be undone. Returns whether it was paused."""
        async with self._writing:
            paused = await self.storage.pause_subscription(
                subscription.channel_id,
                reason,
                now=self.clock(),
                expected_updated_at=subscription.updated_at,
            )
            if paused:
                self._unschedule(subscription.channel_id)
        return paused

    async def _reconcile(self) -> list[Subscription]:
        """Bring the schedule in line with the database's active subscriptions; returns those.

        Normally a no-op (every write here already scheduled its channel); it catches rows
        changed behind the bot's back, and a schedule's job gone missing.
        """
        async with self._writing:
            active = await self.storage.list_active_subscriptions()
            wanted = {subscription.channel_id: subscription for subscription in active}
            scheduled = self._scheduled()
            gone = scheduled.keys() - wanted.keys()
            changed = [sub for sub in active if scheduled.get(sub.channel_id) != sub]
            for channel_id in gone:
                self._unschedule(channel_id)
            for subscription in changed:
                self._schedule(subscription)
            jobs_fixed = self._restore_jobs()
        if self.started.is_set() and (gone or changed or jobs_fixed):
            log.info(
                "schedule brought in line with the database: %d channel(s) set, %d dropped, "
                "%d job(s) restored",
                len(changed),
                len(gone),
                jobs_fixed,
            )
        return active

    def _schedule(self, subscription: Subscription) -> None:
        """Put a subscription just read or written on its schedule, or off it if inactive.
        The schedule's job is added with its first channel (and placed anew, so its next
        fire time is recomputed, whenever that channel is written while it is the only one)."""
        if not subscription.active:
            self._unschedule(subscription.channel_id)
            return
        if self._scheduler is None or self._stopping:
            return
        channel_id = subscription.channel_id
        schedule = Schedule.of_subscription(subscription)
        if self._schedule_of.get(channel_id) not in (None, schedule):
            self._unschedule(channel_id)  # moved: off the old schedule (and its last job)
        channels = self._on_schedule_of.setdefault(schedule, {})
        channels[channel_id] = subscription
        self._schedule_of[channel_id] = schedule
        if len(channels) == 1:
            self._add_job(schedule)

    def _unschedule(self, channel_id: int) -> None:
        """Take a channel off its schedule; the schedule's job goes with its last channel."""
        if self._scheduler is None or self._stopping:
            return
        schedule = self._schedule_of.pop(channel_id, None)
        if schedule is None:
            return
        channels = self._on_schedule_of.get(schedule, {})
        channels.pop(channel_id, None)
        if not channels:
            self._on_schedule_of.pop(schedule, None)
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(job_id(schedule))

    def _add_job(self, schedule: Schedule) -> None:
        assert self._scheduler is not None
        self._scheduler.add_job(
            self._on_schedule,
            trigger_for(schedule, self._clock_offset if self._clock_given else None),
            args=[schedule],
            id=job_id(schedule),
            name=f"briefings at {job_id(schedule).removeprefix('briefings:')}",
            replace_existing=True,
            # A firing late by up to the grace period still runs; several missed make one.
            misfire_grace_time=self._misfire_grace_s,
            coalesce=True,
        )

    def _restore_jobs(self) -> int:
        """Give every schedule with channels its job, and drop any other briefing job;
        returns how many were added or dropped."""
        if self._scheduler is None or self._stopping:
            return 0
        wanted = {job_id(schedule): schedule for schedule in self._on_schedule_of}
        jobs = self.briefing_jobs
        for missing in wanted.keys() - jobs:
            self._add_job(wanted[missing])
        for stray in jobs - wanted.keys():
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(stray)
        return len(wanted.keys() ^ jobs)

    def _scheduled(self) -> dict[int, Subscription]:
        """Each scheduled channel's subscription."""
        return {
            channel_id: subscription
            for channels in self._on_schedule_of.values()
            for channel_id, subscription in channels.items()
        }

    def _scheduled_subscription(self, channel_id: int) -> Subscription | None:
        schedule = self._schedule_of.get(channel_id)
        return None if schedule is None else self._on_schedule_of[schedule].get(channel_id)

    def next_run(self, subscription: Subscription) -> dt.datetime:
        """The next slot after now on this scheduler's clock."""
        return next_slot(Schedule.of_subscription(subscription), self.clock())

    @property
    def scheduled_channels(self) -> frozenset[int]:
        """The channels on a schedule (whose job fires for them) now."""
        return frozenset(self._schedule_of)

    @property
    def briefing_jobs(self) -> frozenset[str]:
        """The ids of APScheduler's briefing jobs now: one per schedule that has channels."""
        if self._scheduler is None:
            return frozenset()
        return frozenset(job.id for job in self._scheduler.get_jobs() if job.id != SWEEP_JOB_ID)

    def job_of(self, channel_id: int) -> Job | None:
        """The APScheduler job that fires for the channel's schedule (None: unscheduled)."""
        schedule = self._schedule_of.get(channel_id)
        if schedule is None or self._scheduler is None:
            return None
        return self._scheduler.get_job(job_id(schedule))

    def _clock_offset(self) -> dt.timedelta:
        return self.clock() - _real_now()

    # -- due slots -----------------------------------------------------------------------

    async def _on_schedule(self, schedule: Schedule) -> None:
        """A cron firing: enqueue the slot it stands for for every channel on the schedule
        (the slot computed once, not taken on trust: the second firing of a repeated
        fall-back time maps to the slot already done). Queueing is a few dictionary and
        queue operations per channel; the workers do the rest."""
        now = self.clock()
        slot = previous_slot(schedule, now + FIRE_TOLERANCE)
        late = DELAYED if now - slot > ON_TIME else None
        for subscription in list(self._on_schedule_of.get(schedule, {}).values()):
            self._enqueue(subscription, slot, late=late)

    def _enqueue(self, subscription: Subscription, slot: dt.datetime, *, late: str | None) -> bool:
        """Queue one slot; `late` says why it goes out late (None: on time)."""
        key = (subscription.channel_id, slot)
        if key in self._pending or self._stopping:
            return False
        self._pending.add(key)
        self.stats.enqueued += 1
        self._queue.put_nowait((subscription, slot, late))
        return True

    async def _work(self) -> None:
        if self._ready is not None:
            await self._ready()
        while True:
            subscription, slot, late = await self._queue.get()
            try:
                # What is scheduled now: an unsubscribe or pause since it was queued wins.
                current = self._scheduled_subscription(subscription.channel_id)
                if self._storage_down_since is not None:
                    # It would fail the same way; the sweep after recovery finds it again.
                    self._storage_missed = True
                elif current is not None and not self._stopping:
                    result = await self.deliverer.deliver(current, slot, late=late)
                    self.stats.results[result] = self.stats.results.get(result, 0) + 1
                    self._observe(result)
            except UNAVAILABLE_ERRORS as error:
                self._observe("failed")  # nothing recorded; the recovery sweep sends it
                self._storage_missed = True
                self._storage_failed(error)
            except Exception:
                log.exception("delivering to channel %s failed", subscription.channel_id)
            finally:
                self._pending.discard((subscription.channel_id, slot))
                self._queue.task_done()

    def _observe(self, result: str) -> None:
        """Tell `on_result` (metrics) what happened to a slot."""
        if self._on_result is not None:
            self._on_result(result)

    def _storage_failed(self, error: BaseException) -> None:
        """The database failed under us: hold deliveries and start probing for its return."""
        if self._storage_down_since is None:
            self._storage_down_since = self.clock()
            log.warning(
                "the briefings database is unavailable (%s); briefings due meanwhile are "
                "sent, late, once it is back",
                unavailable_reason(error),
            )
        if (self._recovery is None or self._recovery.done()) and not self._stopping:
            self._recovery = asyncio.create_task(self._recover(), name="briefings-recovery")

    async def _recover(self) -> None:
        """Probe the database with a write, backing off; once it takes one, sweep."""
        delay = RECOVERY_FIRST_S
        while not self._stopping:
            await asyncio.sleep(delay)
            delay = min(delay * 2, RECOVERY_MAX_S, self._sweep_interval)
            try:
                await self.storage.set_value(STORAGE_PROBE_KEY, self.clock().isoformat())
            except Exception as error:  # whatever the driver raises while the server returns
                log.info(
                    "the briefings database is still unavailable: %s", unavailable_reason(error)
                )
                continue
            down_for = self.clock() - (self._storage_down_since or self.clock())
            self._storage_down_since = None
            log.warning(
                "the briefings database is back after %d s; sending what was missed",
                down_for.total_seconds(),
            )
            try:
                await self._busy_with(self.sweep())
            except Exception as error:
                self._storage_down_since = self.clock()
                log.warning("the recovery sweep failed: %s", unavailable_reason(error))
                continue
            return

    async def idle(self) -> None:
        """Until every queued delivery is done (for tests and benchmarks)."""
        await self._queue.join()

    async def catch_up(self) -> int:
        """Deliver or skip what was missed while the bot was down; returns how many were
        queued. See `_catch_up`."""
        return await self._catch_up(await self._reconcile(), OFFLINE, MISSED_OFFLINE)

    async def _catch_up(self, active: Iterable[Subscription], why: str, missed: str) -> int:
        """Due slots that have no row in the delivery log, from the schedule itself.

        For each of the `active` subscriptions, slots after the later of its newest logged
        slot and its last (re)subscription are missed: the newest is sent late (`why` in its
        note) if within the grace period, the others (and it, if too late) are recorded as
        skipped (`missed` in their note). Slots already queued are left to their worker.
        """
        queued = 0
        latest = await self.storage.latest_slots()
        for n, subscription in enumerate(active, 1):
            if self._stopping:  # the next start catches up from the log again
                break
            if n % CATCH_UP_BATCH == 0:
                await asyncio.sleep(0)  # let interactions and sends in between
            channel_id = subscription.channel_id
            since = max(subscription.updated_at, latest.get(channel_id, subscription.updated_at))
            now = self.clock()
            plan = plan_catch_up(
                Schedule.of_subscription(subscription), since=since, now=now, grace=self.grace
            )
            if plan.send is None and not plan.skip and not plan.unrecorded:
                continue
            if plan.send is not None and (channel_id, plan.send) in self._pending:
                continue  # due right now and queued: on its way
            for slot in plan.skip:
                note = missed
                if now - slot > self.grace:
                    note += f", more than {int(self.grace.total_seconds() // 60)} minutes ago"
                else:
                    note += "; a later briefing replaced it"
                if await self.storage.record_outcome(
                    channel_id, slot, "skipped_missed", note=note, now=now
                ):
                    self._observe("skipped")
            if plan.skip or plan.unrecorded:
                log.warning(
                    "channel %s: %d missed briefing(s) skipped (%d too old to record)",
                    channel_id,
                    len(plan.skip) + plan.unrecorded,
                    plan.unrecorded,
                )
            if plan.send is not None and self._enqueue(
                subscription, plan.send, late=why if now - plan.send > ON_TIME else None
            ):
                queued += 1
        if queued:
            log.info("catching up: %d missed briefing(s) will be sent", queued)
        return queued

    async def _sweep_job(self) -> None:
        try:
            await self._busy_with(self.sweep())
        except asyncio.CancelledError:
            if not self._stopping:
                raise
        except UNAVAILABLE_ERRORS as error:
            self._storage_failed(error)
        except Exception:
            log.exception("the briefing sweep failed")

    async def sweep(self) -> int:
        """Bring the jobs in line with the database, retry failed deliveries and settle
        claims in doubt; returns how many were queued. Claims held by this process's workers
        are left alone."""
        return await self._sweep(await self._reconcile())

    async def _sweep(self, subscriptions: Iterable[Subscription]) -> int:
        """`sweep` with the `subscriptions` just reconciled."""
        active = {sub.channel_id: sub for sub in subscriptions}
        now = self.clock()
        queued = 0
        # Deliveries dropped or unrecorded because the database failed in this process.
        dropped = self._storage_missed
        for delivery in await self.storage.pending_retries(stale_claims_before=now):
            if self._stopping:  # what is left stays in the log for the next start
                return queued
            key = (delivery.channel_id, delivery.slot)
            if key in self._pending:
                continue
            subscription = active.get(delivery.channel_id)
            if subscription is None:
                await self.storage.record_outcome(
                    *key, "skipped_missed", note="unsubscribed or paused before a retry", now=now
                )
                continue
            # A claim nobody here holds is in doubt (its process died, or its outcome could
            # not be recorded): the deliverer asks Discord whether it went out.
            if delivery.outcome == "claimed":
                why = STORAGE_DOWN if dropped else OFFLINE
            else:
                why = RETRIED
            late = why if now - delivery.slot > ON_TIME else None
            if self._enqueue(subscription, delivery.slot, late=late):
                queued += 1
        # Slots due with no log row at all: their claim failed (the database was down) or
        # their queue item was dropped while it was.
        self._storage_missed = False
        if dropped:
            queued += await self._catch_up(
                active.values(), STORAGE_DOWN, "missed while my database was unavailable"
            )
        else:
            queued += await self._catch_up(active.values(), DELAYED, "missed")
        if self._last_prune is None or now - self._last_prune > dt.timedelta(days=1):
            self._last_prune = now
            pruned = await self.storage.prune_deliveries(now - KEEP_LOG)
            if pruned:
                log.info("pruned %d old delivery-log rows", pruned)
        return queued
