"""Slash-command names, descriptions, option names and choices in Japanese and Russian.

Discord shows these in its command picker to users whose client is set to `ja` or `ru`; the
English names in `commands.registry` stay the defaults (and what the bot receives back). The
Discord layer hands them to discord.py through an `app_commands.Translator`
(`bot.translator`), keyed by the English wording. `tests/commands/test_command_locales.py`
checks that every string the tree registers has both translations within Discord's limits.
"""

from __future__ import annotations

from collections.abc import Mapping

GROUP_DESCRIPTION = "Scheduled briefings for a channel (needs Manage Channels)."
"""`/briefings`'s own description (the group's, not a subcommand's)."""

NAMES: Mapping[str, Mapping[str, str]] = {
    # commands and the group
    "timeline": {"ja": "年表", "ru": "хронология"},
    "sanctions": {"ja": "制裁", "ru": "санкции"},
    "quote": {"ja": "引用", "ru": "цитата"},
    "ask": {"ja": "質問", "ru": "вопрос"},
    "brief": {"ja": "ブリーフ", "ru": "сводка"},
    "about": {"ja": "概要", "ru": "о-боте"},
    "help": {"ja": "ヘルプ", "ru": "помощь"},
    "briefings": {"ja": "定期ブリーフィング", "ru": "рассылки"},
    "subscribe": {"ja": "登録", "ru": "подписать"},
    "unsubscribe": {"ja": "解除", "ru": "отписать"},
    "list": {"ja": "一覧", "ru": "список"},
    # options
    "topic": {"ja": "話題", "ru": "тема"},
    "side": {"ja": "側", "ru": "сторона"},
    "speaker": {"ja": "発言者", "ru": "кто"},
    "question": {"ja": "質問内容", "ru": "текст"},
    "channel": {"ja": "チャンネル", "ru": "канал"},
    "time": {"ja": "時刻", "ru": "время"},
    "timezone": {"ja": "タイムゾーン", "ru": "часовой-пояс"},
    "days": {"ja": "曜日", "ru": "дни"},
    "role": {"ja": "ロール", "ru": "роль"},
    "language": {"ja": "言語", "ru": "язык"},
}
"""Command, group, subcommand and option names (Discord: 1–32 lower-case letters, digits, - _)."""

CHOICES: Mapping[str, Mapping[str, str]] = {
    "japan": {"ja": "日本", "ru": "Япония"},
    "russia": {"ja": "ロシア", "ru": "Россия"},
    # A language's value is its code; English users see its name.
    "en": {"en": "English", "ja": "英語", "ru": "английский"},
    "ja": {"en": "Japanese", "ja": "日本語", "ru": "японский"},
    "ru": {"en": "Russian", "ja": "ロシア語", "ru": "русский"},
}
"""Names shown for fixed choices; the value sent back stays the English one. An `en` name is
the default shown (`choice_label`), for a value that is a code rather than a word."""


def choice_label(value: str) -> str:
    """The name a fixed choice shows by default: its `en` name, else the value itself."""
    return CHOICES.get(value, {}).get("en", value)


DESCRIPTIONS: Mapping[str, Mapping[str, str]] = {
    "The dispute's events in order, each with its source.": {
        "ja": "紛争の出来事を順に、それぞれ出典付きで表示します。",
        "ru": "События спора по порядку, каждое с источником.",
    },
    "Only events about this person, place or theme (e.g. Kishida, sanctions).": {
        "ja": "この人物・場所・テーマに関する出来事だけ（例：岸田、制裁）。",
        "ru": "Только события об этом человеке, месте или теме (например, Кисида, санкции).",
    },
    "Japan's sanctions on Russia and Russia's countermeasures, with figures and sources.": {
        "ja": "日本の対ロシア制裁とロシアの対抗措置を、数字と出典付きで。",
        "ru": "Санкции Японии против России и ответные меры России, с цифрами и источниками.",
    },
    "Only one side's measures: japan or russia (both when left empty).": {
        "ja": "片方の措置だけ：日本またはロシア（空欄なら両方）。",
        "ru": "Меры только одной стороны: Япония или Россия (пусто — обе).",
    },
    "A verbatim quote with its speaker, role, context and source.": {
        "ja": "原文どおりの引用（英語）を、発言者・肩書き・背景・出典付きで。",
        "ru": "Дословная цитата (на английском) с автором, должностью, контекстом и источником.",
    },
    "Who to quote (a name, title or typo will do); empty for the next quote.": {
        "ja": "誰の発言か（名前や肩書き、多少の誤字も可）。空欄なら次の引用。",
        "ru": "Чью цитату показать (имя, должность, можно с опечаткой); пусто — следующая.",
    },
    "Ask a question about the Kuril Islands dispute, in your own words.": {
        "ja": "千島列島（クリル諸島）をめぐる紛争について、自由に質問できます。",
        "ru": "Задайте вопрос о споре вокруг Курильских островов своими словами.",
    },
    "Your question, e.g. why were the talks suspended?": {
        "ja": "質問（例：なぜ交渉は停止されたの？）",
        "ru": "Ваш вопрос, например: почему переговоры приостановлены?",
    },
    "The briefing a subscribed channel would get now.": {
        "ja": "登録済みのチャンネルに今届くブリーフィング。",
        "ru": "Сводка, которую подписанный канал получил бы сейчас.",
    },
    "What Kuril Brief knows, its sources, and how it finds answers.": {
        "ja": "Kuril Brief が知っていること、その出典、答えの見つけ方。",
        "ru": "Что знает Kuril Brief, его источники и как он находит ответы.",
    },
    "List Kuril Brief's commands.": {
        "ja": "Kuril Brief のコマンド一覧。",
        "ru": "Список команд Kuril Brief.",
    },
    GROUP_DESCRIPTION: {
        "ja": "チャンネルへの定期ブリーフィング（チャンネル管理の権限が必要）。",
        "ru": "Регулярные сводки для канала (нужно право «Управлять каналами»).",
    },
    "Post a briefing in a channel at a set local time.": {
        "ja": "指定した現地時刻にチャンネルへブリーフィングを投稿します。",
        "ru": "Публиковать сводку в канале в заданное местное время.",
    },
    "The channel that gets the briefings.": {
        "ja": "ブリーフィングを受け取るチャンネル。",
        "ru": "Канал, в который приходят сводки.",
    },
    "Local time of day, 24-hour HH:MM (e.g. 09:00).": {
        "ja": "現地時刻、24時間制の HH:MM（例：09:00）。",
        "ru": "Местное время в 24-часовом формате ЧЧ:ММ (например, 09:00).",
    },
    "Your time zone's IANA name, e.g. Asia/Tokyo (start typing to search).": {
        "ja": "タイムゾーンの IANA 名（例：Asia/Tokyo。入力すると候補が出ます）。",
        "ru": "Часовой пояс по IANA, например Europe/Moscow (начните вводить для поиска).",
    },
    "daily (default), weekdays, or days such as mon,wed,fri.": {
        "ja": "daily（毎日、既定）、weekdays（平日）、または mon,wed,fri のような曜日。",
        "ru": "daily (ежедневно, по умолчанию), weekdays (будни) или дни вроде mon,wed,fri.",
    },
    "A role to ping with each briefing (optional; nobody is pinged otherwise).": {
        "ja": "毎回メンションするロール（任意。指定しなければ誰にも通知しません）。",
        "ru": "Роль для упоминания в каждой сводке (необязательно; иначе никого не упоминаем).",
    },
    "Stop a channel's briefings.": {
        "ja": "チャンネルのブリーフィングを停止します。",
        "ru": "Остановить сводки в канале.",
    },
    "The channel that should get no more briefings.": {
        "ja": "今後ブリーフィングを受け取らないチャンネル。",
        "ru": "Канал, которому сводки больше не нужны.",
    },
    "The briefings' language (default: the server's, if Japanese or Russian).": {
        "ja": "ブリーフィングの言語（既定：サーバーの言語が日本語かロシア語ならそれ）。",
        "ru": "Язык сводок (по умолчанию — язык сервера, если японский или русский).",
    },
    "This server's briefings: schedule, next run and status.": {
        "ja": "このサーバーのブリーフィング：予定、次回の実行、状態。",
        "ru": "Сводки этого сервера: расписание, следующий запуск и статус.",
    },
}
"""Command, group and option descriptions (Discord: 1–100 characters)."""

LOCALISED_LANGUAGES = ("ja", "ru")


def localised(english: str, language: str, kind: str) -> str | None:
    """`english` (a name, choice or description, as `kind` says) in `language`, or None."""
    table = {"name": NAMES, "choice": CHOICES, "description": DESCRIPTIONS}[kind]
    return table.get(english, {}).get(language)
