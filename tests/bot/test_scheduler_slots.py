"""Slot arithmetic across daylight-saving changes, with real `zoneinfo` zones.

Defined behaviour (see `bot.slots`): a local time skipped by spring-forward runs once,
shifted forward by the gap; a local time repeated by fall-back runs once, at its first
occurrence. The cron triggers the scheduler uses fire at every slot; their only extra
firing (the repeat of a fall-back time) maps back to a slot already delivered.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduler import trigger_for
from bot.slots import (
    CatchUp,
    Schedule,
    next_slot,
    nonce_for,
    plan_catch_up,
    previous_slot,
    slot_on,
    slots_between,
    snowflake_at,
    snowflake_time,
)
from tests.conftest import examples

UTC = dt.UTC
H = dt.timedelta(hours=1)
GRACE = dt.timedelta(minutes=120)
ZONES = ("America/New_York", "Europe/London", "Asia/Tokyo", "Australia/Sydney", "UTC")


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def daily(time: str, zone: str, days: str = "daily") -> Schedule:
    return Schedule.of(time, zone, days)


# -- the same local time all year ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        ("America/New_York", utc(2025, 1, 15, 14, 0), utc(2025, 7, 15, 13, 0)),
        ("Europe/London", utc(2025, 1, 15, 9, 0), utc(2025, 7, 15, 8, 0)),
        ("Asia/Tokyo", utc(2025, 1, 15, 0, 0), utc(2025, 7, 15, 0, 0)),
        # Southern hemisphere: summer time in January, standard time in July.
        ("Australia/Sydney", utc(2025, 1, 14, 22, 0), utc(2025, 7, 14, 23, 0)),
    ],
)
def test_nine_local_stays_nine_local_in_winter_and_summer(
    zone: str, winter: dt.datetime, summer: dt.datetime
) -> None:
    schedule = daily("09:00", zone)
    assert slot_on(schedule, dt.date(2025, 1, 15)) == winter
    assert slot_on(schedule, dt.date(2025, 7, 15)) == summer
    for slot in (winter, summer):
        local = slot.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (9, 0)


def test_across_a_transition_each_day_keeps_its_local_time() -> None:
    schedule = daily("09:00", "America/New_York")
    # 2025-03-09: clocks go 02:00 -> 03:00; the day after, 09:00 is an hour earlier in UTC.
    assert slot_on(schedule, dt.date(2025, 3, 8)) == utc(2025, 3, 8, 14, 0)
    assert slot_on(schedule, dt.date(2025, 3, 9)) == utc(2025, 3, 9, 13, 0)
    gap = slot_on(schedule, dt.date(2025, 3, 9)) - slot_on(schedule, dt.date(2025, 3, 8))  # type: ignore[operator]
    assert gap == dt.timedelta(hours=23)


# -- times that do not exist or happen twice ----------------------------------------------


@pytest.mark.parametrize(
    ("zone", "time", "day", "expected"),
    [
        # New York 2025-03-09 02:00 EST -> 03:00 EDT: 02:30 runs at 03:30 EDT.
        ("America/New_York", "02:30", dt.date(2025, 3, 9), utc(2025, 3, 9, 7, 30)),
        # London 2025-03-30 01:00 GMT -> 02:00 BST: 01:30 runs at 02:30 BST.
        ("Europe/London", "01:30", dt.date(2025, 3, 30), utc(2025, 3, 30, 1, 30)),
        # Sydney 2025-10-05 02:00 AEST -> 03:00 AEDT: 02:30 runs at 03:30 AEDT.
        ("Australia/Sydney", "02:30", dt.date(2025, 10, 5), utc(2025, 10, 4, 16, 30)),
    ],
)
def test_a_skipped_local_time_runs_once_shifted_by_the_gap(
    zone: str, time: str, day: dt.date, expected: dt.datetime
) -> None:
    schedule = daily(time, zone)
    slot = slot_on(schedule, day)
    assert slot == expected
    local = slot.astimezone(ZoneInfo(zone))
    assert local.date() == day and local.hour == int(time[:2]) + 1
    slots = slots_between(schedule, expected - 36 * H, expected + 36 * H)
    assert [s.astimezone(ZoneInfo(zone)).date() for s in slots] == [
        day - dt.timedelta(days=1),
        day,
        day + dt.timedelta(days=1),
    ]


@pytest.mark.parametrize(
    ("zone", "time", "day", "first", "second"),
    [
        # New York 2025-11-02 02:00 EDT -> 01:00 EST: 01:30 happens at 05:30 and 06:30 UTC.
        ("America/New_York", "01:30", dt.date(2025, 11, 2), utc(2025, 11, 2, 5, 30), 6),
        # London 2025-10-26 02:00 BST -> 01:00 GMT: 01:30 happens at 00:30 and 01:30 UTC.
        ("Europe/London", "01:30", dt.date(2025, 10, 26), utc(2025, 10, 26, 0, 30), 1),
        # Sydney 2025-04-06 03:00 AEDT -> 02:00 AEST: 02:30 happens at 15:30 and 16:30 UTC.
        ("Australia/Sydney", "02:30", dt.date(2025, 4, 6), utc(2025, 4, 5, 15, 30), 16),
    ],
)
def test_a_repeated_local_time_runs_once_at_its_first_occurrence(
    zone: str, time: str, day: dt.date, first: dt.datetime, second: int
) -> None:
    schedule = daily(time, zone)
    assert slot_on(schedule, day) == first
    repeat = first + H
    assert repeat.hour == second
    # The second occurrence is not a slot: the slot at or before it is still the first.
    assert previous_slot(schedule, repeat) == first
    assert next_slot(schedule, first) > repeat + 20 * H
    assert slots_between(schedule, first - H, repeat + H) == [first]


def test_tokyo_has_no_transitions() -> None:
    schedule = daily("09:00", "Asia/Tokyo")
    slots = slots_between(schedule, utc(2025, 1, 1), utc(2026, 1, 1))
    assert len(slots) == 365
    assert {(s.hour, s.minute) for s in slots} == {(0, 0)}


# -- agreement with the cron triggers the scheduler uses ------------------------------------


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("time", ["01:30", "02:30", "09:00", "23:59"])
def test_cron_trigger_fires_at_every_slot_and_extra_firings_map_to_done_slots(
    zone: str, time: str
) -> None:
    """A year of firings of the real APScheduler trigger against the pure slots."""
    schedule = daily(time, zone, "mon,wed,fri,sat")
    trigger = trigger_for(schedule)
    start, end = utc(2025, 1, 1), utc(2026, 1, 1)
    fires: list[dt.datetime] = []
    previous, now = None, start
    while True:
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        if fire >= end:
            break
        fires.append(fire.astimezone(UTC))
        previous = now = fire
    tick = dt.timedelta(microseconds=1)
    slots = slots_between(schedule, start - tick, end - tick)  # [start, end) like the loop
    assert set(slots) <= set(fires)
    for extra in set(fires) - set(slots):
        assert previous_slot(schedule, extra) in slots  # the fall-back repeat only
        assert extra - previous_slot(schedule, extra) == H
    assert len(set(fires) - set(slots)) <= 1


def test_shifted_trigger_fires_on_the_injected_clock() -> None:
    schedule = daily("09:00", "UTC")
    ahead = dt.timedelta(days=3, minutes=7)
    trigger = trigger_for(schedule, lambda: ahead)
    real_now = utc(2025, 6, 1, 12, 0)
    fire = trigger.get_next_fire_time(None, real_now)
    assert fire is not None
    assert fire + ahead == next_slot(schedule, real_now + ahead)


# -- weekdays, next and previous ----------------------------------------------------------


def test_weekdays_only() -> None:
    schedule = daily("08:00", "Europe/London", "weekdays")
    friday = utc(2025, 6, 6, 7, 0)
    assert next_slot(schedule, friday) == utc(2025, 6, 9, 7, 0)  # Monday, BST
    assert previous_slot(schedule, utc(2025, 6, 8, 12, 0)) == friday
    assert slot_on(schedule, dt.date(2025, 6, 7)) is None


@settings(max_examples=examples(200), deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 59]),
    days=st.sets(st.integers(0, 6), min_size=1),
    at=st.datetimes(
        min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2027, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_and_previous_bracket_any_instant(
    zone: str, hour: int, minute: int, days: set[int], at: dt.datetime
) -> None:
    schedule = Schedule(hour, minute, ZoneInfo(zone), frozenset(days))
    before, after = previous_slot(schedule, at), next_slot(schedule, at)
    assert before <= at < after
    assert slots_between(schedule, before, after) == [after]
    assert next_slot(schedule, before) == after
    local = after.astimezone(ZoneInfo(zone))
    assert local.weekday() in days


# -- catching up after downtime ------------------------------------------------------------


def missed_daily(
    time: str, zone: str, *, since: dt.datetime, now: dt.datetime, **limit: int
) -> CatchUp:
    """The catch-up plan for a daily `time` in `zone`, down from `since` to `now`."""
    return plan_catch_up(daily(time, zone), since=since, now=now, grace=GRACE, **limit)


def test_catch_up_sends_the_newest_missed_slot_within_grace() -> None:
    plan = missed_daily("09:00", "UTC", since=utc(2025, 6, 1, 9, 0), now=utc(2025, 6, 2, 10, 0))
    assert plan.send == utc(2025, 6, 2, 9, 0) and plan.skip == ()


def test_catch_up_skips_slots_past_grace() -> None:
    plan = missed_daily("09:00", "UTC", since=utc(2025, 6, 1, 9, 0), now=utc(2025, 6, 3, 12, 0))
    assert plan.send is None
    assert plan.skip == (utc(2025, 6, 2, 9, 0), utc(2025, 6, 3, 9, 0))


def test_catch_up_has_nothing_to_do_when_nothing_was_missed() -> None:
    schedule = daily("09:00", "UTC")
    since = utc(2025, 6, 2, 9, 0)
    assert plan_catch_up(schedule, since=since, now=since + H, grace=GRACE).send is None
    assert plan_catch_up(schedule, since=since + H, now=since, grace=GRACE).skip == ()


def test_catch_up_after_a_long_outage_records_a_bounded_number_and_counts_the_rest() -> None:
    plan = missed_daily(
        "09:00", "UTC", since=utc(2025, 1, 1, 9, 0), now=utc(2025, 12, 31, 9, 30), record_limit=14
    )
    assert plan.send == utc(2025, 12, 31, 9, 0)
    assert len(plan.skip) == 13
    assert plan.unrecorded + len(plan.skip) + 1 == 364


def test_catch_up_across_fall_back_counts_the_repeated_time_once() -> None:
    plan = missed_daily(
        "01:30", "America/New_York", since=utc(2025, 11, 1, 5, 30), now=utc(2025, 11, 2, 7, 0)
    )
    assert plan.send == utc(2025, 11, 2, 5, 30) and plan.skip == ()


# -- nonces ---------------------------------------------------------------------------------


def test_nonce_is_deterministic_short_and_distinct() -> None:
    slot = utc(2025, 6, 2, 9, 0)
    nonce = nonce_for(900_000_000_000_000_001, slot)
    assert nonce == nonce_for(900_000_000_000_000_001, slot.astimezone(ZoneInfo("Asia/Tokyo")))
    assert len(nonce) <= 25
    assert nonce != nonce_for(900_000_000_000_000_002, slot)
    assert nonce != nonce_for(900_000_000_000_000_001, slot + dt.timedelta(days=1))
    with pytest.raises(ValueError):
        nonce_for(1, dt.datetime(2025, 6, 2, 9, 0))


def test_snowflake_time_matches_discords_epoch() -> None:
    # Discord's documented example: 175928847299117063 was created at 1462015105.796 s.
    assert snowflake_time(175928847299117063).timestamp() == pytest.approx(1462015105.796)


def test_snowflake_at_is_the_first_id_of_its_millisecond() -> None:
    when = snowflake_time(175928847299117063)
    assert snowflake_at(when) == 175928847299117063 >> 22 << 22
    assert snowflake_time(snowflake_at(when)) == when
