"""The free-text reply's own words in Japanese and Russian (the entries' words are the curators'
translations in `knowledge.translations`; sources stay the article's English).

`say(language, english, **values)` looks the English wording up and fills its placeholders;
English, or a wording with no translation, is returned as it is, so a reply is never empty.
`tests/commands/test_phrases.py` fails when a wording lacks a translation or a translation
loses a placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping

PHRASES: Mapping[str, Mapping[str, str]] = {
    "When": {"ja": "時期", "ru": "Когда"},
    "Curator's note": {"ja": "キュレーターの注記", "ru": "Примечание куратора"},
    "Source": {"ja": "出典（英語原文）", "ru": "Источник (оригинал на английском)"},
    "Source ({title})": {
        "ja": "出典（英語原文：{title}）",
        "ru": "Источник (оригинал на английском: {title})",
    },
    "Context": {"ja": "背景", "ru": "Контекст"},
    "{name} ({role}) said: “{text}”": {
        "ja": "{name}（{role}）の発言（英語原文）：“{text}”",
        "ru": "Слова {name} ({role}), оригинал на английском: “{text}”",
    },
    "Part {number} of {parts}": {
        "ja": "{parts}件中{number}件目",
        "ru": "Часть {number} из {parts}",
    },
    "Match confidence {score}": {"ja": "一致度 {score}", "ru": "Уверенность {score}"},
    "knowledge base {version}": {"ja": "ナレッジベース {version}", "ru": "база знаний {version}"},
    "Curators' translation": {"ja": "キュレーターによる翻訳", "ru": "Перевод кураторов"},
    "I don't know that: nothing in my sources answers it, and I would rather say so than guess.": {
        "ja": "わかりません。手元の資料には答えがなく、推測で答えるよりそうお伝えします。",
        "ru": (
            "Я этого не знаю: в моих источниках ответа нет, и я лучше скажу об этом, "
            "чем буду гадать."
        ),
    },
    "You can also browse with /timeline, /sanctions and /quote.": {
        "ja": "/timeline、/sanctions、/quote でも調べられます。",
        "ru": "Можно также посмотреть /timeline, /sanctions и /quote.",
    },
    "Did you mean {names}?": {
        "ja": "もしかして：{names}",
        "ru": "Возможно, вы имели в виду: {names}?",
    },
    "Pick one below.": {"ja": "下から選んでください。", "ru": "Выберите ниже."},
    "{first} or {last}": {"ja": "{first}、{last}", "ru": "{first} или {last}"},
    "I don't know that one": {"ja": "それはわかりません", "ru": "Этого я не знаю"},
}


def say(language: str | None, english: str, **values: object) -> str:
    """`english` in `language` (its curated wording), with `values` filled in."""
    wording = PHRASES.get(english, {}).get(language or "en", english)
    return wording.format(**values) if values else wording
