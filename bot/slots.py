"""When a subscription's briefings are due: pure slot arithmetic in the subscription's zone.

A *slot* is the UTC instant of one scheduled briefing. A subscription runs at local `HH:MM`
in its IANA zone on its chosen weekdays, so 09:00 Asia/Tokyo or America/New_York stays
09:00 local all year. Daylight-saving transitions are defined as follows (and match what
APScheduler's `CronTrigger` fires, see the tests):

- A local time that does not exist that day (clocks spring forward over it, e.g. 02:30 in
  New York on the second Sunday of March) runs once, at the instant it would have been
  without the jump: shifted forward by the gap, 02:30 EST = 03:30 EDT.
- A local time that happens twice (clocks fall back, e.g. 01:30 in New York on the first
  Sunday of November) runs once, at its first occurrence (`fold=0`, still on summer time).
  `CronTrigger` also fires at the second occurrence; that firing maps back to the same slot,
  which the delivery log has already settled, so nothing is sent twice.

Everything here is a pure function of its arguments; nothing reads a clock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.storage.models import Subscription, weekdays_of

__all__ = [
    "CatchUp",
    "Schedule",
    "next_slot",
    "nonce_for",
    "plan_catch_up",
    "previous_slot",
    "slot_on",
    "slots_between",
    "snowflake_at",
    "snowflake_time",
]

UTC = dt.UTC
#: How far before/after a slot the pure functions look; a schedule runs at least weekly.
_DAYS_AROUND = 8
#: Discord ids count milliseconds from 2015-01-01 in their top 42 bits.
DISCORD_EPOCH_MS = 1_420_070_400_000


@dataclass(frozen=True, slots=True)
class Schedule:
    """Local `hour:minute` in `zone` on `weekdays` (`datetime.weekday()` numbers)."""

    hour: int
    minute: int
    zone: ZoneInfo
    weekdays: frozenset[int]

    def __post_init__(self) -> None:
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"bad time {self.hour}:{self.minute}")
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"bad weekdays {sorted(self.weekdays)}")

    @classmethod
    def of(cls, time: str, timezone: str, days: str) -> Schedule:
        """From storage's fields: `time` is `HH:MM`, `days` normalised (`daily`, ...)."""
        hour, minute = (int(part) for part in time.split(":"))
        return cls(hour, minute, ZoneInfo(timezone), weekdays_of(days))

    @classmethod
    def of_subscription(cls, subscription: Subscription) -> Schedule:
        return cls.of(subscription.local_time, subscription.timezone, subscription.days)

    @property
    def cron_day_of_week(self) -> str:
        """The weekdays as an APScheduler `day_of_week` field (`mon,wed,fri`)."""
        names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
        return ",".join(names[day] for day in sorted(self.weekdays))


def slot_on(schedule: Schedule, day: dt.date) -> dt.datetime | None:
    """The slot on local calendar `day` (UTC), or None if the schedule skips that weekday."""
    if day.weekday() not in schedule.weekdays:
        return None
    local = dt.datetime(
        day.year, day.month, day.day, schedule.hour, schedule.minute, tzinfo=schedule.zone, fold=0
    )
    # fold=0 picks the first of a repeated time and, for a skipped time, the offset in force
    # before the jump: converting to UTC and back moves it forward by the gap.
    return local.astimezone(UTC)


def _local_day(schedule: Schedule, at: dt.datetime) -> dt.date:
    if at.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return at.astimezone(schedule.zone).date()


def next_slot(schedule: Schedule, after: dt.datetime) -> dt.datetime:
    """The first slot strictly after `after`."""
    day = _local_day(schedule, after) - dt.timedelta(days=1)
    for offset in range(_DAYS_AROUND + 2):
        slot = slot_on(schedule, day + dt.timedelta(days=offset))
        if slot is not None and slot > after:
            return slot
    raise AssertionError("a schedule runs at least once a week")  # pragma: no cover


def previous_slot(schedule: Schedule, at: dt.datetime) -> dt.datetime:
    """The last slot at or before `at`."""
    day = _local_day(schedule, at) + dt.timedelta(days=1)
    for offset in range(_DAYS_AROUND + 2):
        slot = slot_on(schedule, day - dt.timedelta(days=offset))
        if slot is not None and slot <= at:
            return slot
    raise AssertionError("a schedule runs at least once a week")  # pragma: no cover


def slots_between(
    schedule: Schedule, start: dt.datetime, end: dt.datetime, *, limit: int | None = None
) -> list[dt.datetime]:
    """Slots with `start < slot <= end`, oldest first; with `limit`, only the newest `limit`."""
    if end <= start:
        return []
    first = next_slot(schedule, start)
    if limit is not None:
        # Walk back from the end so a long outage costs `limit` steps, not one per day.
        newest: list[dt.datetime] = []
        slot = previous_slot(schedule, end)
        while slot >= first and len(newest) < limit:
            newest.append(slot)
            slot = previous_slot(schedule, slot - dt.timedelta(seconds=1))
        return newest[::-1]
    slots = []
    slot = first
    while slot <= end:
        slots.append(slot)
        slot = next_slot(schedule, slot)
    return slots


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What to do about slots missed since the last one the delivery log knows.

    `send` is the newest missed slot if it is still within the grace period (it goes out
    once, late, with a note); `skip` are the older missed slots, and `send`'s slot too when
    it is past the grace period, each recorded as skipped. `unrecorded` counts missed slots
    too old to record individually (only logged), after a very long outage.
    """

    send: dt.datetime | None
    skip: tuple[dt.datetime, ...]
    unrecorded: int = 0


def plan_catch_up(
    schedule: Schedule,
    *,
    since: dt.datetime,
    now: dt.datetime,
    grace: dt.timedelta,
    record_limit: int = 14,
) -> CatchUp:
    """Slots in `(since, now]` were due but never handled: send the newest within `grace`,
    skip the rest (at most `record_limit` of them are returned to record; the rest counted).

    `since` is the later of the channel's newest delivery-log slot and the moment the
    subscription was last (re)created or resumed, so nothing is caught up from before then.
    """
    if since >= now:
        return CatchUp(None, ())
    missed = slots_between(schedule, since, now, limit=record_limit + 1)
    if not missed:
        return CatchUp(None, ())
    unrecorded = 0
    if len(missed) > record_limit:
        oldest_kept = missed[1]
        unrecorded = _count_between(schedule, since, oldest_kept - dt.timedelta(seconds=1))
        missed = missed[1:]
    newest = missed[-1]
    if now - newest <= grace:
        return CatchUp(newest, tuple(missed[:-1]), unrecorded)
    return CatchUp(None, tuple(missed), unrecorded)


def _count_between(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> int:
    """How many slots fall in `(start, end]` (one cheap step per local day)."""
    if end <= start:
        return 0
    first, last = _local_day(schedule, start), _local_day(schedule, end)
    count = 0
    for offset in range((last - first).days + 1):
        slot = slot_on(schedule, first + dt.timedelta(days=offset))
        count += slot is not None and start < slot <= end
    return count


def nonce_for(channel_id: int, slot: dt.datetime) -> str:
    """The Discord message nonce for one channel's slot: deterministic, 17 chars (<= 25).

    The same (channel, slot) always gives the same nonce, so a retry after a crash between
    sending and recording is deduplicated by Discord (`enforce_nonce`) instead of posted twice.
    """
    if slot.tzinfo is None:
        raise ValueError("slot must be timezone-aware")
    key = f"{channel_id}:{int(slot.astimezone(UTC).timestamp())}"
    return "b" + hashlib.sha256(key.encode()).hexdigest()[:16]


def snowflake_at(when: dt.datetime) -> int:
    """The smallest Discord id made at `when`: `after=` it lists what was posted since."""
    if when.tzinfo is None:
        raise ValueError("when must be timezone-aware")
    return max(0, int(when.timestamp() * 1000) - DISCORD_EPOCH_MS) << 22


def snowflake_time(snowflake: int) -> dt.datetime:
    """When Discord made the id `snowflake` (UTC, to the millisecond)."""
    return dt.datetime.fromtimestamp(((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000, UTC)
