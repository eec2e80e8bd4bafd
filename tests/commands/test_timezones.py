"""Time zones for briefing schedules: forgiving names, close guesses, fuzzy suggestions."""

from __future__ import annotations

import datetime as dt

import pytest

from commands.timezones import (
    POPULAR_ZONES,
    UnknownZoneError,
    complete_timezone,
    normalise_zone,
    utc_offset,
)

WINTER = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
SUMMER = dt.datetime(2026, 7, 15, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("America/New York", "America/New_York"),
        ("  america/new_york ", "America/New_York"),
        ("utc", "UTC"),
        ("Japan", "Japan"),  # a legacy alias is accepted, though never suggested
    ],
)
def test_zone_names_match_without_case_or_underscores(given_: str, expected: str) -> None:
    assert normalise_zone(given_) == expected


def test_an_unknown_zone_carries_the_closest_real_ones() -> None:
    with pytest.raises(UnknownZoneError) as error:
        normalise_zone("Tokio")
    assert error.value.text == "Tokio"
    assert error.value.guesses[0] == "Asia/Tokyo"
    assert len(error.value.guesses) <= 3


@pytest.mark.parametrize("nonsense", ["Mars/Olympus_Mons", "", "posixrules", "localtime"])
def test_nonsense_is_refused_and_suggests_nothing_far_off(nonsense: str) -> None:
    with pytest.raises(UnknownZoneError) as error:
        normalise_zone(nonsense)
    assert all(normalise_zone(guess) == guess for guess in error.value.guesses)


def test_utc_offsets_follow_daylight_saving() -> None:
    assert utc_offset("Asia/Tokyo", WINTER) == "UTC+09:00"
    assert utc_offset("America/New_York", WINTER) == "UTC-05:00"
    assert utc_offset("America/New_York", SUMMER) == "UTC-04:00"
    assert utc_offset("Asia/Kolkata", WINTER) == "UTC+05:30"
    assert utc_offset("UTC", SUMMER) == "UTC+00:00"


def test_timezone_autocomplete_is_fuzzy_and_within_limits() -> None:
    assert complete_timezone("tokyo", WINTER)[0].value == "Asia/Tokyo"
    assert complete_timezone("new york", WINTER)[0].value == "America/New_York"
    assert complete_timezone("sydny", WINTER)[0].value == "Australia/Sydney"
    assert complete_timezone("moscow", WINTER)[0].name == "Europe/Moscow (UTC+03:00)"
    assert complete_timezone("new york", WINTER)[0].name == "America/New_York (UTC-05:00)"
    assert complete_timezone("new york", SUMMER)[0].name == "America/New_York (UTC-04:00)"
    popular = complete_timezone("", WINTER)
    assert [choice.value for choice in popular] == list(POPULAR_ZONES)
    for typed in ("a", "america", "zzzzzz", "x" * 200):
        choices = complete_timezone(typed, WINTER)
        assert len(choices) <= 25
        assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
        assert all(normalise_zone(c.value) == c.value for c in choices)
