"""Commands for a Japanese or Russian Discord locale: the bot's words from the catalogues, the
entries' words the curators' translation (marked), sources the article's English; every page
within Discord's limits in all three languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from commands import briefings as bx
from commands import quote as qt
from commands import sanctions as sx
from commands import timeline as tl
from commands.brief import brief
from commands.briefing import briefing_order, compose_briefing
from commands.context import Invocation, Services
from commands.messages import Choice, Reply
from commands.registry import complete, run_command, run_component, stranger_refusal
from knowledge.base import KnowledgeBase
from knowledge.translations import LANGUAGES
from tests.commands.helpers import invocation, text_of


def as_user(locale: str, user_id: int = 42) -> Invocation:
    return dataclasses.replace(invocation(user_id), locale=locale)


def test_the_timeline_in_japanese(services: Services, kb: KnowledgeBase) -> None:
    reply = tl.timeline(services, as_user("ja"))
    (embed,) = reply.embeds
    first = kb.events[0]
    translated = kb.translations["ja"].entries[first.id]
    assert embed.title == "千島列島（クリル諸島）をめぐる紛争の年表"
    assert f"**1. {translated['title']}** · *{translated['when']}*" in (embed.description or "")
    assert str(translated["text"]) in (embed.description or "")
    assert f"> {first.source.quote}" in (embed.description or "")  # the article's English
    assert "(英語原文)" in (embed.description or "")
    assert "キュレーターによる翻訳" in (embed.footer or "")
    assert f"出来事{len(kb.events)}件" in (embed.footer or "")
    labels = [button.label for row in reply.buttons for button in row]
    assert labels == ["◀ 前へ", "次へ ▶"]


async def test_the_timeline_pages_in_russian(services: Services, kb: KnowledgeBase) -> None:
    first = tl.timeline(services, as_user("ru"))
    assert f"{len(kb.events)} событий" in (first.embeds[0].footer or "")  # 10: the many form
    following = first.buttons[0][1]
    second = run_component(following.custom_id, services, as_user("ru"))
    assert "Страница 2 из" in (second.embeds[0].footer or "")
    refused = stranger_refusal(following.custom_id, as_user("ru", user_id=7))
    assert refused is not None and refused.ephemeral
    assert "Эти кнопки принадлежат тому, кто вызвал команду" in text_of(refused)


def test_a_topic_in_russian_is_named_in_russian(services: Services) -> None:
    reply = tl.timeline(services, as_user("ru"), "sanctions")
    assert reply.embeds[0].title == "Хронология: Санкции и ответные меры"
    unknown = tl.timeline(services, as_user("ru"), "zzzz")
    assert unknown.ephemeral and "Я не знаю темы «zzzz»." in text_of(unknown)


def test_english_stays_as_it_was(services: Services) -> None:
    reply = tl.timeline(services, as_user("en-US"))
    assert reply.embeds[0].title == "Timeline of the Kuril Islands dispute"
    assert "Curators' translation" not in (reply.embeds[0].footer or "")
    assert "(English original)" not in (reply.embeds[0].description or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_timeline_page_fits_in_every_language(kb: KnowledgeBase, language: str) -> None:
    for topic_id in (None, *sorted(tl.topics_with_events(kb))):
        pages = tl.pages_for(kb, topic_id, language)
        for page in range(len(pages)):
            assert not tl.render_page(kb, 42, topic_id, page, language).ephemeral


def test_sanctions_in_russian(services: Services, kb: KnowledgeBase) -> None:
    reply = sx.sanctions(services, as_user("ru"))
    japan, russia = reply.embeds
    assert japan.title == "Санкции Японии против России"
    assert russia.title == "Ответные меры России против Японии"
    individuals = kb.translations["ru"].entries["japan-sanctions-individuals"]
    assert f"• **{individuals['measure']}**: {individuals['text']}" in (japan.description or "")
    entry = kb.get("japan-sanctions-individuals")
    assert entry is not None and f"> {entry.source.quote}" in (japan.description or "")
    assert "Перевод кураторов" in (russia.footer or "")
    bad = sx.sanctions(services, as_user("ru"), "china")
    assert bad.ephemeral and "`side` — это `japan` или `russia`" in text_of(bad)


def test_a_quote_in_japanese_keeps_the_speakers_words(
    services: Services, kb: KnowledgeBase
) -> None:
    reply = qt.quote(services, as_user("ja"), "Kishida")
    (embed,) = reply.embeds
    kishida = kb.get("kishida-unfair-and-unacceptable")
    assert kishida is not None
    assert embed.title == "岸田文雄"
    assert f"“{kishida.text}”" in (embed.description or "")  # verbatim English
    fields = {field.name: field.value for field in embed.fields}
    assert fields["肩書き"] == "日本の首相"
    assert fields["背景"] == kb.translations["ja"].entries[kishida.id]["context"]
    assert kishida.source.quote in fields["出典（英語原文）"]
    assert "肩書きと背景はキュレーターによる翻訳です。" in (embed.footer or "")
    unknown = qt.quote(services, as_user("ja"), "zzzz")
    assert unknown.ephemeral and "「zzzz」という発言者は見つかりません。" in text_of(unknown)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_sanctions_page_and_quote_fits_in_every_language(
    kb: KnowledgeBase, language: str
) -> None:
    for side in (None, *sx.SIDES):
        for page in range(len(sx.pages_for(kb, side, language))):
            assert not sx.render_page(kb, 42, side, page, language).ephemeral
    for number, item in enumerate(kb.quotes):
        assert not qt.render_quote(kb, item, number, len(kb.quotes), language).ephemeral


@pytest.mark.parametrize("language", LANGUAGES)
async def test_about_and_help_in_every_language(services: Services, language: str) -> None:
    about = run_command("about", services, as_user(language), {})
    help_reply = run_command("help", services, as_user(language), {})
    titles = {"en": "About Kuril Brief", "ja": "Kuril Brief について", "ru": "О Kuril Brief"}
    assert about.embeds[0].title == titles[language]
    timeline = next(f for f in help_reply.embeds[0].fields if f.name.startswith("/timeline"))
    descriptions = {
        "en": "The dispute's events in order, each with its source.",
        "ja": "紛争の出来事を順に、それぞれ出典付きで表示します。",
        "ru": "События спора по порядку, каждое с источником.",
    }
    assert timeline.value == descriptions[language]


async def test_about_counts_in_russian_plural_forms(services: Services, kb: KnowledgeBase) -> None:
    reply = run_command("about", services, as_user("ru"), {})
    known = next(f for f in reply.embeds[0].fields if f.name.startswith("Что я знаю"))
    assert f"{len(kb.events)} событий" in known.value  # 10: the "many" form
    assert f"Что я знаю ({len(kb.entries)} записей)" == known.name  # 35


async def test_usage_notices_in_japanese(services: Services) -> None:
    reply = run_command("nonsense", services, as_user("ja"), {})
    assert reply.ephemeral and "`/nonsense` というコマンドはありません。" in text_of(reply)
    button = run_component("zz:1:2", services, as_user("ja"))
    assert "このボタンはもう使えません。" in text_of(button)


def test_a_briefing_in_russian_is_dated_the_russian_way(kb: KnowledgeBase) -> None:
    now = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    composed = compose_briefing(
        kb, now, tz=ZoneInfo("Europe/Moscow"), seen=frozenset(), language="ru"
    )
    (embed,) = composed.reply.embeds
    assert embed.title == "Kuril Brief · вторник, 1 декабря 2026\u202fг."  # CLDR's narrow space
    assert "09:00 (Europe/Moscow)" in (embed.footer or "")
    assert "Перевод кураторов" in (embed.footer or "")
    names = [field.name for field in embed.fields]
    assert names == ["Что нового с прошлой сводки", "Источники"]
    first = kb.translations["ru"].entries[kb.events[0].id]
    assert str(first["text"]) in (embed.description or "")
    assert f"> {kb.events[0].source.quote}" in (embed.description or "")


def test_brief_follows_the_users_locale(services: Services) -> None:
    reply = brief(services, as_user("ja"))
    title = reply.embeds[0].title or ""
    assert re.fullmatch(r"Kuril Brief · \d{4}年\d{1,2}月\d{1,2}日.曜日", title), title
    assert "キュレーターによる翻訳" in (reply.embeds[0].footer or "")


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_briefing_fits_in_every_language(kb: KnowledgeBase, language: str) -> None:
    now = dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.UTC)
    cursor = 0
    for _ in range(len(briefing_order(kb))):
        composed = compose_briefing(kb, now, cursor=cursor, seen=frozenset(), language=language)
        assert composed.shown and not composed.reply.ephemeral
        cursor = composed.cursor


def test_briefings_replies_in_japanese() -> None:
    checked = bx.subscribe_request(
        channel_id=5,
        channel_name="news",
        time="9",
        timezone="Tokio",
        days="mon,xyz",
        language="ja",
    )
    assert isinstance(checked, Reply)
    text = text_of(checked)
    assert "`9` は時刻として認識できません。" in text
    assert "`xyz` は曜日として認識できません。" in text
    assert "`Tokio` はタイムゾーンとして認識できません。" in text
    row = bx.SubscriptionRow(5, "09:00", "Asia/Tokyo", "mon,wed", None, False, None, None)
    listed = bx.list_reply([row], "ja")
    assert "月, 水" in text_of(listed)
    assert "**一時停止中**：理由の記録なし" in text_of(listed)


def test_a_known_pause_reason_is_shown_in_the_readers_language() -> None:
    from bot.delivery import PAUSE_REASONS

    row = bx.SubscriptionRow(5, "09:00", "UTC", "daily", None, False, PAUSE_REASONS[10003], None)
    assert "このチャンネルはもう存在しません" in text_of(bx.list_reply([row], "ja"))
    odd = dataclasses.replace(row, pause_reason="Something else happened.")
    assert "Something else happened." in text_of(bx.list_reply([odd], "ru"))


def test_autocomplete_labels_in_russian_and_japanese(services: Services, kb: KnowledgeBase) -> None:
    topics = complete("timeline", "topic", services, "санкции", "ru")
    assert topics[0].value == "sanctions"
    count = len(tl.events_for(kb, "sanctions"))
    assert topics[0].name.startswith("Санкции и ответные меры (")
    assert str(count) in topics[0].name
    speakers = complete("quote", "speaker", services, "岸田", "ja")
    assert speakers[0] == Choice("岸田文雄 （引用1件）", "fumio-kishida")
    days = bx.complete_days("", "ru")
    assert days[0] == Choice("daily: каждый день", "daily")
