"""The plain records storage hands out, and the checks every write must pass.

Callers get frozen dataclasses, never ORM rows, so nothing outside `bot.storage` can touch
the database by accident. The command layer gives users friendly errors; these checks are
the last line that keeps a bad row out of the database whatever the caller does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from commands import days
from commands.days import weekdays_of

__all__ = [
    "FINAL_OUTCOMES",
    "MAX_PAUSE_REASON",
    "OUTCOMES",
    "ChannelState",
    "Delivery",
    "InvalidRecordError",
    "Outcome",
    "Status",
    "Subscription",
    "normalise_days",
    "validate_language",
    "validate_snowflake",
    "validate_time",
    "validate_timezone",
    "weekdays_of",
]

Status = Literal["active", "paused"]
STATUSES: Final = ("active", "paused")

Outcome = Literal["claimed", "sent", "sent_late", "skipped_missed", "failed_retrying", "paused"]
#: `claimed` is the in-flight state `claim_slot` writes; the rest are recorded afterwards.
OUTCOMES: Final = ("claimed", "sent", "sent_late", "skipped_missed", "failed_retrying", "paused")
#: Outcomes after which a slot is settled: it is never claimed or overwritten again.
FINAL_OUTCOMES: Final = frozenset({"sent", "sent_late", "skipped_missed", "paused"})

MAX_SNOWFLAKE: Final = 2**63 - 1
MAX_PAUSE_REASON: Final = 500
MAX_NOTE: Final = 1000
_TIME_RE: Final = re.compile(r"(?:[01][0-9]|2[0-3]):[0-5][0-9]")


class InvalidRecordError(ValueError):
    """A write was refused because the record is invalid; nothing was changed."""


def validate_snowflake(value: object, what: str) -> int:
    """Discord ids are positive 64-bit integers; BigInteger columns hold exactly those."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_SNOWFLAKE:
        raise InvalidRecordError(f"{what} must be a Discord snowflake, got {value!r}")
    return value


def validate_time(value: object) -> str:
    """Local time of day as zero-padded 24-hour `HH:MM` (the command layer pads user input)."""
    if not isinstance(value, str) or not _TIME_RE.fullmatch(value):
        raise InvalidRecordError(f"time must be HH:MM (00:00-23:59), got {value!r}")
    return value


def validate_timezone(value: object) -> str:
    """An IANA zone name that this Python's tz database knows, stored exactly as given."""
    if not isinstance(value, str) or not value or len(value) > 64:
        raise InvalidRecordError(f"timezone must be an IANA zone name, got {value!r}")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidRecordError(f"unknown timezone {value!r}") from exc
    return value


LANGUAGES = ("en", "ja", "ru")


def validate_language(value: object) -> str:
    """A briefing language the bot writes, or a refusal."""
    if value not in LANGUAGES:
        raise InvalidRecordError(f"language must be one of {', '.join(LANGUAGES)}, got {value!r}")
    return str(value)


def normalise_days(value: object) -> str:
    """The stored form of a day set (see `commands.days.normalise_days`), or a refusal."""
    if not isinstance(value, str):
        raise InvalidRecordError(f"days must be a string, got {value!r}")
    try:
        return days.normalise_days(value)
    except ValueError as exc:
        raise InvalidRecordError(f"days {value!r}: {exc}") from None


def utc(value: datetime, what: str) -> datetime:
    """Storage keeps every instant in UTC; a naive datetime is ambiguous, so it is refused."""
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{what} must be a datetime, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidRecordError(f"{what} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Subscription:
    """One channel's briefing schedule. `local_time` is `HH:MM` in `timezone`; `days` is
    normalised. Fields are named as the table's columns, so a row maps onto it by name."""

    guild_id: int
    channel_id: int
    local_time: str
    timezone: str
    days: str
    role_id: int | None
    status: Status
    pause_reason: str | None
    created_by: int
    created_at: datetime
    updated_at: datetime
    language: str = "en"
    """The briefing's language: `en`, `ja` or `ru`."""

    @property
    def active(self) -> bool:
        return self.status == "active"

    @property
    def weekdays(self) -> frozenset[int]:
        """The days it runs, as `datetime.weekday()` numbers."""
        return weekdays_of(self.days)


@dataclass(frozen=True, slots=True)
class Delivery:
    """The log row of one scheduled slot of one channel; `slot` is the run's UTC instant.
    Fields are named as the table's columns (all but its surrogate `id`).

    `attempts` counts claims: 1 after the first `claim_slot`, +1 for each retry claim.
    """

    channel_id: int
    slot: datetime
    outcome: Outcome
    message_id: int | None
    attempts: int
    note: str | None
    recorded_at: datetime

    @property
    def final(self) -> bool:
        """True once the slot is settled and will never be sent (again)."""
        return self.outcome in FINAL_OUTCOMES


@dataclass(frozen=True, slots=True)
class ChannelState:
    """Where a subscribed channel's briefings have got to in the knowledge base.

    - `rotation_cursor` is the rotation position (index of the next item to show) in the knowledge
      base whose `version` is `kb_version`; when the version changes the scheduler decides
      how to carry the cursor over (e.g. modulo the new size).
    - `seen_entry_ids` are the entry ids that existed when the channel was last briefed:
      "what's new" is the current ids minus these. A set of ids, not a timestamp, because
      entries carry no creation time and the knowledge-base version is only a hash.
    - `last_briefed_at` is when that last briefing went out (None before the first).
    """

    channel_id: int
    kb_version: str
    rotation_cursor: int = 0
    seen_entry_ids: frozenset[str] = field(default_factory=frozenset)
    last_briefed_at: datetime | None = None
    updated_at: datetime | None = None
