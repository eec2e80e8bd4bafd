"""Which days a briefing runs on: one vocabulary for the command options and for storage.

Stored forms are `daily`, `weekdays` or day abbreviations in week order (`mon,wed,fri`).
"""

from __future__ import annotations

import re
from typing import Final

from commands.i18n import N_

DAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_LABELS: Final[dict[str, str]] = dict(
    zip(
        DAYS,
        (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")),
        strict=True,
    )
)
_ALIASES: Final = {
    **{day: day for day in DAYS},
    "monday": "mon",
    "tues": "tue",
    "tuesday": "tue",
    "wednesday": "wed",
    "thur": "thu",
    "thurs": "thu",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
ALL_DAYS: Final = frozenset(range(7))
WEEKDAYS: Final = frozenset(range(5))


class UnknownDayError(ValueError):
    """A word in a day list that names no day."""

    def __init__(self, word: str) -> None:
        super().__init__(f"unknown day {word!r}")
        self.word = word


class MixedDaysError(ValueError):
    """`daily` or `weekdays` inside a list of days (`daily,mon`): a whole set, not a day."""

    def __init__(self, word: str) -> None:
        super().__init__(f"{word!r} cannot be combined with other days")
        self.word = word


#: Words that name a whole set of days; alone they are fine, in a list they are not.
_SET_NAMES: Final = ("daily", "every day", "everyday", "all", "weekdays", "weekday")


def normalise_days(text: str) -> str:
    """The stored form of a day set, from names or abbreviations split by commas or spaces.

    Raises `UnknownDayError` for a word that is not a day, `MixedDaysError` for `daily` or
    `weekdays` among other days, and `ValueError` when no day is named. A set equal to the whole week or to Monday-Friday collapses to `daily`/`weekdays`.
    """
    value = text.strip().lower()
    if value in ("daily", "every day", "everyday", "all"):
        return "daily"
    if value in ("weekdays", "weekday"):
        return "weekdays"
    picked: set[int] = set()
    for part in (part for part in re.split(r"[\s,]+", value) if part):
        day = _ALIASES.get(part)
        if day is None:
            raise MixedDaysError(part) if part in _SET_NAMES else UnknownDayError(part)
        picked.add(DAYS.index(day))
    if not picked:
        raise ValueError("no day named")
    if picked == ALL_DAYS:
        return "daily"
    if picked == WEEKDAYS:
        return "weekdays"
    return ",".join(DAYS[index] for index in sorted(picked))


def weekdays_of(days: str) -> frozenset[int]:
    """Stored days as `datetime.weekday()` numbers (Monday is 0), for the scheduler."""
    if days == "daily":
        return ALL_DAYS
    if days == "weekdays":
        return WEEKDAYS
    return frozenset(DAYS.index(day) for day in days.split(","))
