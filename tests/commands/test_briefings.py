"""`/briefings` options and replies, without Discord."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.storage import InvalidRecordError, normalise_days
from commands.briefings import (
    OptionError,
    SubscribeRequest,
    SubscriptionRow,
    complete_days,
    complete_timezone,
    default_language,
    describe_days,
    list_reply,
    parse_days,
    parse_time,
    parse_timezone,
    subscribe_request,
    subscribed_reply,
    unsubscribed_reply,
)
from commands.messages import Reply

NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
CHANNEL, ROLE = 1300000000000000002, 1200000000000000003


def text_of(reply: Reply) -> str:
    parts = [reply.content or ""]
    for embed in reply.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer or ""]
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("09:00", "09:00"),
        ("9:05", "09:05"),
        (" 18:30 ", "18:30"),
        ("23:59", "23:59"),
        ("7.45", "07:45"),
    ],
)
def test_times_are_normalised_to_hh_mm(given_: str, expected: str) -> None:
    assert parse_time(given_) == expected


@pytest.mark.parametrize("bad", ["", "24:00", "12:60", "9am", "noon", "1200", "12:5", "-1:00"])
def test_bad_times_are_refused_politely(bad: str) -> None:
    with pytest.raises(OptionError, match="HH:MM"):
        parse_time(bad)


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        ("asia/tokyo", "Asia/Tokyo"),
        ("America/New York", "America/New_York"),
        ("utc", "UTC"),
        ("Europe/Moscow", "Europe/Moscow"),
    ],
)
def test_timezones_match_without_case_or_underscores(given_: str, expected: str) -> None:
    assert parse_timezone(given_) == expected


def test_unknown_timezone_suggests_close_names() -> None:
    with pytest.raises(OptionError) as error:
        parse_timezone("Tokio")
    assert "Did you mean `Asia/Tokyo`" in str(error.value)
    with pytest.raises(OptionError, match="not a time zone"):
        parse_timezone("Mars/Olympus_Mons")


@given(st.text(alphabet="monTUEwdhfrisatuy ,", max_size=30))
def test_days_parse_exactly_as_storage_normalises(text: str) -> None:
    try:
        stored: str | None = normalise_days(text if text.strip() else "daily")  # empty: default
    except InvalidRecordError:
        stored = None
    try:
        parsed: str | None = parse_days(text)
    except OptionError:
        parsed = None
    assert parsed == stored


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        (None, "daily"),
        ("weekdays", "weekdays"),
        ("Mon, Wed, Fri", "mon,wed,fri"),
        ("saturday sunday", "sat,sun"),
        ("mon tue wed thu fri", "weekdays"),
    ],
)
def test_days(given_: str | None, expected: str) -> None:
    assert parse_days(given_) == expected


@pytest.mark.parametrize("given_", ["daily,mon", "weekdays sat", "Mon, daily"])
def test_daily_or_weekdays_among_days_is_explained(given_: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_days(given_)
    message = str(error.value)
    assert "already means a set of days" in message and "not a day I know" not in message
    assert "on its own" in message and "`mon,wed,fri`" in message


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ja", "`daily` はそれだけで曜日のまとまりを表すため"),
        ("ru", "`daily` уже означает набор дней"),
    ],
)
def test_daily_among_days_is_explained_in_the_admins_language(language: str, expected: str) -> None:
    with pytest.raises(OptionError) as error:
        parse_days("daily,mon", language)
    assert str(error.value).startswith(expected)
    assert "`mon,wed,fri`" in str(error.value)


def test_describe_days() -> None:
    assert describe_days("daily") == "every day"
    assert describe_days("mon,wed,fri") == "Mon, Wed, Fri"


def test_timezone_autocomplete_is_fuzzy_and_within_limits() -> None:
    assert complete_timezone("tokyo", NOW)[0].value == "Asia/Tokyo"
    assert complete_timezone("new york", NOW)[0].value == "America/New_York"
    assert complete_timezone("sydny", NOW)[0].value == "Australia/Sydney"
    assert complete_timezone("moscow", NOW)[0].name == "Europe/Moscow (UTC+03:00)"
    assert complete_timezone("new york", NOW)[0].name == "America/New_York (UTC-05:00)"
    popular = complete_timezone("", NOW)
    assert popular[0].value == "UTC" and len(popular) <= 25
    for typed in ("a", "america", "zzzzzz", "x" * 200):
        choices = complete_timezone(typed, NOW)
        assert len(choices) <= 25
        assert all(len(c.name) <= 100 and len(c.value) <= 100 for c in choices)
        assert all(parse_timezone(c.value) == c.value for c in choices)


def test_days_autocomplete_offers_what_was_typed_first() -> None:
    assert complete_days("")[0].value == "daily"
    assert complete_days("tue thu")[0].value == "tue,thu"
    assert complete_days("blursday")[0].value == "daily"


def request(**overrides: object) -> SubscribeRequest | Reply:
    values: dict[str, object] = {
        "channel_id": CHANNEL,
        "channel_name": "briefings",
        "time": "9:00",
        "timezone": "asia/tokyo",
        "days": "weekdays",
    }
    values.update(overrides)
    return subscribe_request(**values)  # type: ignore[arg-type]


def test_a_good_request_is_normalised() -> None:
    assert request(role_id=ROLE, role_name="Briefings") == SubscribeRequest(
        CHANNEL, "09:00", "Asia/Tokyo", "weekdays", ROLE
    )


def test_every_problem_is_named_and_other_choices_kept() -> None:
    reply = request(time="25:00", timezone="Tokio", role_id=ROLE, role_name="Briefings")
    assert isinstance(reply, Reply) and reply.ephemeral
    text = text_of(reply)
    assert "**time**" in text and "**timezone**" in text and "Asia/Tokyo" in text
    assert "Your other choices were kept: channel <#1300000000000000002>, days `weekdays`" in text
    assert f"role <@&{ROLE}>" in text
    assert (
        "`/briefings subscribe channel:#briefings time:… timezone:… days:weekdays "
        "role:@Briefings`" in text
    )


def test_missing_bot_permissions_are_named() -> None:
    reply = request(bot_missing=["Send Messages", "Embed Links"])
    assert isinstance(reply, Reply)
    text = text_of(reply)
    assert "missing Send Messages, Embed Links" in text and "time `9:00`" in text


def test_hostile_input_is_shown_safely() -> None:
    reply = request(time="`" * 5000, timezone="@everyone" + "x" * 5000)
    assert isinstance(reply, Reply)
    assert reply.mention_role_id is None and reply.content is None


def test_subscribed_reply_shows_the_next_run_as_a_discord_timestamp() -> None:
    ok = request(role_id=ROLE)
    assert isinstance(ok, SubscribeRequest)
    next_run = dt.datetime(2026, 1, 16, 0, 0, tzinfo=dt.UTC)
    text = text_of(subscribed_reply(ok, next_run=next_run))
    assert "Briefings scheduled for <#1300000000000000002>: 09:00 Asia/Tokyo" in text
    assert f"<t:{int(next_run.timestamp())}:F>" in text and f"<@&{ROLE}>" in text
    assert "resumed" in text_of(subscribed_reply(ok, next_run=next_run, resumed=True))
    assert "updated" in text_of(subscribed_reply(ok, next_run=next_run, updated=True))


def test_unsubscribed_reply() -> None:
    assert "no more briefings" in text_of(unsubscribed_reply(CHANNEL, existed=True))
    assert "nothing changed" in text_of(unsubscribed_reply(CHANNEL, existed=False))


def row(channel_id: int, *, active: bool = True, reason: str | None = None) -> SubscriptionRow:
    return SubscriptionRow(
        channel_id=channel_id,
        time="09:00",
        timezone="Europe/Moscow",
        days="mon,wed,fri",
        role_id=None,
        active=active,
        pause_reason=reason,
        next_run=dt.datetime(2026, 1, 16, 6, 0, tzinfo=dt.UTC) if active else None,
    )


def test_list_shows_schedule_next_run_and_status() -> None:
    reply = list_reply([row(1), row(2, active=False, reason="The channel no longer exists.")])
    text = text_of(reply)
    assert reply.ephemeral
    assert "<#1> · 09:00 Europe/Moscow, Mon, Wed, Fri" in text
    assert "Active · next <t:1768543200:F>" in text
    assert "**Paused**: The channel no longer exists." in text
    assert "1 active, 1 paused" in text


def test_list_when_empty_and_when_very_long() -> None:
    assert "No channel in this server" in text_of(list_reply([]))
    reasons = "x" * 400
    reply = list_reply([row(n, active=n % 2 == 0, reason=reasons) for n in range(1, 200)])
    assert "more." in text_of(reply)  # cut to fit, saying how many are left out


@pytest.mark.parametrize(
    ("guild_locale", "language"),
    [("ja", "ja"), ("ru", "ru"), ("en-US", "en"), ("en-GB", "en"), ("pt-BR", "en"), (None, "en")],
)
def test_a_subscriptions_default_language_is_the_servers_if_japanese_or_russian(
    guild_locale: str | None, language: str
) -> None:
    assert default_language(guild_locale) == language
