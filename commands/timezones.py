"""Time zones for briefing schedules: IANA names, matched forgivingly and suggested fuzzily.

One vocabulary for the `timezone` option and its autocomplete, as `commands.days` is for
days. Plain data and errors only: `commands.briefings` words the refusals.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import Final

from rapidfuzz import fuzz, process

from commands.messages import AUTOCOMPLETE_LIMIT, Choice

POPULAR_ZONES: Final = (
    "UTC",
    "Asia/Tokyo",
    "Europe/Moscow",
    "Asia/Vladivostok",
    "Asia/Sakhalin",
    "Asia/Magadan",
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Kolkata",
)
"""What an empty `timezone` field suggests: the zones most people want."""
_NOT_ZONES: Final = ("Factory", "localtime", "posixrules")
GUESSES: Final = 3
"""How many close names an unknown zone's refusal offers."""


class UnknownZoneError(ValueError):
    """A name that is no IANA zone; `guesses` are the closest real ones, best first."""

    def __init__(self, text: str, guesses: tuple[str, ...]) -> None:
        super().__init__(f"unknown time zone {text!r}")
        self.text = text
        self.guesses = guesses


def _zone_key(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip().lower())


def _search_key(name: str) -> str:
    return re.sub(r"[\s_/-]+", " ", name.strip().lower())


@functools.cache
def _zones() -> tuple[dict[str, str], tuple[str, ...], tuple[str, ...]]:
    """(normalised key -> every IANA name, suggested names, their search keys), built once.

    Every name is accepted; suggestions leave out legacy aliases without a region (`ROK`,
    `NZ`, `Japan`), which only add noise to fuzzy ranking, except UTC.
    """
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(("posix/", "right/"))
    )
    suggested = tuple(name for name in names if "/" in name or name == "UTC")
    by_key = {_zone_key(name): name for name in names}
    return by_key, suggested, tuple(map(_search_key, suggested))


def normalise_zone(text: str) -> str:
    """An IANA zone name, matched without regard to case or `_` vs space.

    Raises `UnknownZoneError` (with the closest names) for anything else.
    """
    by_key, names, keys = _zones()
    found = by_key.get(_zone_key(text or ""))
    if found is not None:
        return found
    matches = process.extract(
        _search_key(text or ""),
        keys,
        scorer=fuzz.WRatio,
        processor=None,
        limit=GUESSES,
        score_cutoff=70,
    )
    raise UnknownZoneError(text, tuple(names[index] for _, _, index in matches))


def utc_offset(name: str, now: dt.datetime) -> str:
    """`name`'s offset from UTC at `now`, as `UTC+09:00`."""
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def complete_timezone(typed: str, now: dt.datetime) -> list[Choice]:
    """Zone names ranked by fuzzy match (city, region or full name; typos allowed), each
    labelled with its current UTC offset. Nothing typed yet: the zones most people want."""
    _, names, keys = _zones()
    query = _search_key(typed or "")
    if not query:
        picked = list(POPULAR_ZONES)
    else:
        ranked = process.extract(
            query,
            keys,
            scorer=fuzz.WRatio,
            processor=None,
            limit=AUTOCOMPLETE_LIMIT,
            score_cutoff=60,
        )
        # Ties (common with partial matches) go to the shorter, more canonical name.
        ranked.sort(key=lambda match: (-match[1], "/" not in names[match[2]], len(match[0])))
        picked = [names[index] for _, _, index in ranked]
    return [Choice(f"{name} ({utc_offset(name, now)})", name) for name in picked]
