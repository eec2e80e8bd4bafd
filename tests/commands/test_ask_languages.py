"""`/ask` in Japanese and Russian: answered in the question's language, with the entry's words
marked as the curators' translation and the source the article's verbatim English; within
Discord's limits in all three languages."""

from __future__ import annotations

import dataclasses
import re
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.ask import GUIDANCE, ask_payload, ask_reply, render_answer, suggestion_button
from commands.context import Services
from commands.i18n import say_plural
from knowledge.answerer import MAX_QUESTION_CHARS
from knowledge.base import KnowledgeBase
from knowledge.translations import LANGUAGES
from tests.commands.helpers import invocation, text_of
from tests.conftest import examples

SOURCE = {"en": "Source", "ja": "出典（英語原文）", "ru": "Источник (оригинал на английском)"}


def fields_of(reply) -> dict[str, str]:  # type: ignore[no-untyped-def]
    (embed,) = reply.embeds
    return {field.name: field.value for field in embed.fields}


def test_a_japanese_question_is_answered_in_japanese(services: Services, kb: KnowledgeBase) -> None:
    reply = ask_reply(services, invocation(), "ロシアはなぜ交渉を停止したの？")
    (embed,) = reply.embeds
    entry = kb.get("reason-for-suspension")
    assert entry is not None
    assert embed.title == "ロシアが交渉を停止した理由"
    assert embed.description == kb.translations["ja"].entries[entry.id]["text"]
    assert entry.source.quote in fields_of(reply)[SOURCE["ja"]]  # verbatim English
    assert "キュレーターによる翻訳" in (embed.footer or "")
    assert not reply.ephemeral


def test_a_russian_event_says_when_in_russian(services: Services, kb: KnowledgeBase) -> None:
    reply = ask_reply(services, invocation(), "С какого года идут переговоры о Курилах?")
    fields = fields_of(reply)
    assert fields["Когда"] == "С 1951 года"
    assert (
        fields["Примечание куратора"]
        == kb.translations["ru"].entries["talks-begin"]["curator_note"]
    )
    assert (
        "Now, the talks – which have been going on since 1951 – will stop." in fields[SOURCE["ru"]]
    )
    assert "Перевод кураторов" in (reply.embeds[0].footer or "")


def test_a_quotation_stays_the_speakers_english_words(
    services: Services, kb: KnowledgeBase
) -> None:
    reply = ask_reply(services, invocation(), "岸田首相はロシアの対応について何と言った？")
    quote = kb.get("kishida-unfair-and-unacceptable")
    assert quote is not None
    (embed,) = reply.embeds
    assert f"“{quote.text}”" in (embed.description or "")
    assert "背景" in (embed.description or "")
    assert embed.title == "岸田文雄（日本の首相）"
    payload = ask_payload(services, "岸田首相はロシアの対応について何と言った？")
    assert payload["lang"] == "ja"
    assert "の発言（英語原文）：“This entire situation" in payload["answer"]
    # The gist leads, in the curators' reported speech (no quotation marks), before the
    # speaker's English words.
    gist = kb.translations["ja"].entries[quote.id]["lead"]
    assert (embed.description or "").startswith(f"**{gist}**\n")
    assert "“" not in gist
    assert payload["answer"].index(gist) < payload["answer"].index("“This entire situation")


def test_a_russian_quotation_leads_with_its_gist(services: Services, kb: KnowledgeBase) -> None:
    payload = ask_payload(services, "Процитируй слова МИД России о японских санкциях")
    gist = kb.translations["ru"].entries["foreign-ministry-openly-unfriendly"]["lead"]
    assert payload["answer"].startswith(gist)
    # ...and the speaker's English words follow it, as the original.
    assert "оригинал на английском: «openly unfriendly positions" in payload["answer"]
    assert payload["answer"].index(gist) < payload["answer"].index("«openly unfriendly")
    english = ask_payload(services, "How did Russia's Foreign Ministry describe the sanctions?")
    assert not english["answer"].startswith("Russia's Foreign Ministry called")  # no lead in en


@pytest.mark.parametrize("language", ["ja", "ru"])
def test_every_entry_has_a_yes_no_lead_in_japanese_and_russian(
    kb: KnowledgeBase, language: str
) -> None:
    """A yes/no question may be asked about any entry: each has its settling line."""
    leads = {key for key, fields in kb.translations[language].entries.items() if "lead" in fields}
    assert {entry.id for entry in kb.entries} - leads == set()


@pytest.mark.parametrize(
    ("question", "lead"),
    [
        (
            "日本ってロシアの外貨準備凍結してる？",
            "ロシアの外貨準備は日本によって凍結されています。",
        ),
        (
            "ロシアってビザなし渡航やめたの？",
            "日本国民のビザなし渡航は、ロシアが打ち切っています。",
        ),
        (
            "Япония заморозила валютные резервы России?",
            "Валютные резервы России Япония заморозила.",
        ),
    ],
)
def test_a_casual_yes_no_question_leads_with_the_settling_line(
    services: Services, question: str, lead: str
) -> None:
    assert ask_payload(services, question)["answer"].startswith(lead)


def test_a_russian_quotation_keeps_the_speakers_name_as_written(services: Services) -> None:
    """The name fills a placeholder, so the wording never needs it inflected («Слова Кисиды»)."""
    payload = ask_payload(services, "Что Кисида сказал об ответе России?")
    assert payload["lang"] == "ru"
    said = "Фумио Кисида (Премьер-министр Японии) — цитата, оригинал на английском: «"
    assert said in payload["answer"]


@pytest.mark.parametrize(
    ("locale", "limit"),
    [
        ("en-US", "in 500 characters or fewer"),
        ("ja", "500文字以内"),
        ("ru", "уложитесь в 500 символов"),
    ],
)
def test_a_too_long_question_is_told_the_limit_the_answerer_keeps(
    services: Services, locale: str, limit: str
) -> None:
    """500 characters are accepted and 501 are not, so the limit reads "or fewer" (not "under")."""
    asker = dataclasses.replace(invocation(), locale=locale)
    assert limit not in text_of(ask_reply(services, asker, "x" * MAX_QUESTION_CHARS))
    assert limit in text_of(ask_reply(services, asker, "x" * (MAX_QUESTION_CHARS + 1)))


@pytest.mark.parametrize(
    ("count", "form"), [(1, "1 символ,"), (22, "22 символа,"), (500, "500 символов,")]
)
def test_the_russian_length_limit_takes_the_numbers_form(count: int, form: str) -> None:
    singular, plural = GUIDANCE["too_long"]
    assert form in say_plural("ru", singular, plural, count, examples="…")


def test_a_russian_decline_offers_buttons_that_answer_in_russian(services: Services) -> None:
    reply = ask_reply(services, invocation(user_id=42), "Сколько людей живёт на Хоккайдо?")
    assert not reply.ephemeral
    assert "Я этого не знаю" in text_of(reply)
    if reply.buttons:  # related entries offered: pressing one answers in Russian
        button = reply.buttons[0][0]
        assert re.fullmatch(r"ak:42:[a-z0-9-]+:ru", button.custom_id)
        answered = suggestion_button(services, invocation(user_id=42), button.custom_id)
        assert "Перевод кураторов" in text_of(answered)


def test_an_old_english_button_still_answers_in_english(services: Services) -> None:
    answered = suggestion_button(services, invocation(user_id=42), "ak:42:hokkaido")
    assert "northernmost" in text_of(answered)


def test_a_locale_never_overrides_the_questions_language(services: Services) -> None:
    """The reply follows the question: English stays English, whatever else is around."""
    payload = ask_payload(services, "How many banks did Japan sanction?")
    assert payload["lang"] == "en" and "seven banks" in payload["answer"]
    assert "Curators' translation" not in payload["answer"]


def _long_translations(kb: KnowledgeBase, language: str) -> KnowledgeBase:
    """Every translated text and note made as long as Discord could possibly be asked to show."""
    filler = {
        "ja": "交渉は制裁の後に打ち切られた。",
        "ru": "Переговоры были прерваны после санкций. ",
    }
    translation = kb.translations[language]
    grown = {}
    for entry_id, fields in translation.entries.items():
        longer = dict(fields)
        for key in ("text", "curator_note", "context", "when", "title", "measure", "lead"):
            if key in longer:
                longer[key] = filler[language] * (300 if key != "title" else 20)
        grown[entry_id] = MappingProxyType(longer)
    changed = dataclasses.replace(translation, entries=MappingProxyType(grown))
    return dataclasses.replace(kb, translations={**kb.translations, language: changed})


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_fits_in_every_language(kb: KnowledgeBase, language: str) -> None:
    """Russian runs long and Japanese counts characters differently: all fit, source whole."""
    for grown in (kb, _long_translations(kb, language) if language != "en" else kb):
        for entry in grown.entries:
            reply = render_answer(grown, entry, 0.9, language)
            assert entry.source.quote in fields_of(reply)[SOURCE[language]]


@settings(
    max_examples=examples(100),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    question=st.one_of(
        st.text(alphabet=st.characters(min_codepoint=0x3040, max_codepoint=0x30FF), max_size=600),
        st.text(alphabet=st.characters(min_codepoint=0x0400, max_codepoint=0x04FF), max_size=600),
        st.text(alphabet="千島列島制裁交渉ロシア日本はのをなぜ？ Курилы санкции? ", max_size=600),
    )
)
def test_any_japanese_or_russian_text_gives_a_valid_reply(
    services: Services, question: str
) -> None:
    reply = ask_reply(services, invocation(), question)
    assert reply.embeds
    payload = ask_payload(services, question)
    assert payload["lang"] in LANGUAGES
    assert payload["answer"]
