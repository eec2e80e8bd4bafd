"""Every slash command, with and without options, and every autocomplete, through the stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from knowledge.base import KnowledgeBase
from tests.bot.running_bot import StartBot, embed_text
from tests.standin.server import FLAG_EPHEMERAL, DiscordStandin

AUTOCOMPLETE_RESULT = 8
HOSTILE = ["x" * 3000, "🙂🏝️🗾", "K̷̢u̴r̶i̸l̵ ̷i̸s̴l̶a̷n̸d̷s̴", "@everyone <@&1> @here", "```\ncode\n```"]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in message.get("components") or [] for c in row["components"]]


@pytest.fixture
async def bot_ready(start_bot: StartBot) -> None:
    await start_bot()


@pytest.mark.usefixtures("bot_ready")
@pytest.mark.parametrize(
    ("command", "options", "expected"),
    [
        ("timeline", {}, "dying days of World War Two"),
        ("timeline", {"topic": "sanctions"}, "76 individuals"),
        ("timeline", {"topic": "kishda"}, "Kishida"),
        ("sanctions", {}, "seven banks"),
        ("sanctions", {"side": "japan"}, "76 individuals"),
        ("sanctions", {"side": "russia"}, "visa-free travel"),
        ("quote", {}, "“"),
        ("quote", {"speaker": "fumio-kishida"}, "completely unacceptable"),
        ("quote", {"speaker": "Russian foreign ministry"}, "Foreign Ministry"),
        ("brief", {}, "Kuril"),
        ("about", {}, "Knowledge base version"),
        ("ask", {"question": "How many banks did Japan sanction?"}, "seven banks"),
    ],
)
async def test_command_answers_publicly_with_its_facts(
    standin: DiscordStandin, command: str, options: dict[str, str], expected: str
) -> None:
    sent = await standin.dispatch_slash(command, options)
    reply = await standin.wait_for_reply(sent)
    assert expected in embed_text(reply)
    assert not reply["flags"] & FLAG_EPHEMERAL
    assert sent.response is not None and sent.response["data"]["allowed_mentions"] == {"parse": []}


@pytest.mark.usefixtures("bot_ready")
@pytest.mark.parametrize(("command", "option"), [("timeline", "topic"), ("quote", "speaker")])
@pytest.mark.parametrize("typed", ["", "kish", "sanctoins", "zzzz", "x" * 300])
async def test_autocomplete_answers_with_at_most_25_choices(
    standin: DiscordStandin, command: str, option: str, typed: str
) -> None:
    sent = await standin.dispatch_autocomplete(command, option, typed)
    callback = await standin.wait_for_interaction_response(sent)
    assert callback["type"] == AUTOCOMPLETE_RESULT
    choices = callback["data"]["choices"]
    assert len(choices) <= 25
    if typed == "kish":
        assert choices[0]["value"] == "fumio-kishida"
    if typed == "":
        assert choices, "an empty field lists what can be picked"


@pytest.mark.usefixtures("bot_ready")
async def test_timeline_pages_for_the_invoker_only(
    standin: DiscordStandin, kb: KnowledgeBase
) -> None:
    first = await standin.wait_for_reply(await standin.dispatch_slash("timeline"))
    seen_text = [embed_text(first)]
    page = first
    for _ in range(len(kb.events)):
        following = next((b for b in buttons(page) if "Next" in b["label"]), None)
        if following is None or following.get("disabled"):
            break
        stranger = await standin.dispatch_component(
            page, following["custom_id"], user=standin.user("mod")
        )
        refusal = await standin.wait_for_interaction_response(stranger)
        assert refusal["data"]["flags"] & FLAG_EPHEMERAL
        assert "belong to whoever ran the command" in embed_text(refusal["data"])

        press = await standin.dispatch_component(page, following["custom_id"])
        update = await standin.wait_for_interaction_response(press)
        assert update["type"] == 7  # the message is edited in place
        page = {**page, **update["data"]}
        seen_text.append(embed_text(update["data"]))
    assert len(seen_text) > 1, "today's timeline spans more than one page"
    everything = "\n".join(seen_text)
    for event in kb.events:
        assert everything.count(event.title) == 1, event.title


@pytest.mark.usefixtures("bot_ready")
@pytest.mark.parametrize("text", HOSTILE)
@pytest.mark.parametrize(
    ("command", "option"), [("timeline", "topic"), ("quote", "speaker"), ("ask", "question")]
)
async def test_hostile_option_values_get_polite_replies(
    standin: DiscordStandin, command: str, option: str, text: str
) -> None:
    sent = await standin.dispatch_slash(command, {option: text})
    reply = await standin.wait_for_reply(sent)
    shown = embed_text(reply)
    assert shown.strip()
    assert "Traceback" not in shown
    assert sent.response is not None and sent.response["data"]["allowed_mentions"] == {"parse": []}


@pytest.mark.usefixtures("bot_ready")
async def test_every_registered_command_was_synced_with_descriptions(
    standin: DiscordStandin,
) -> None:
    synced = {c["name"]: c for c in standin.global_commands}
    assert {"timeline", "sanctions", "quote", "brief", "about", "help", "ask"} <= set(synced)
    for command in synced.values():
        assert 1 <= len(command["description"]) <= 100
        for option in command.get("options", []):
            assert 1 <= len(option["description"]) <= 100
    side = synced["sanctions"]["options"][0]
    assert [c["value"] for c in side["choices"]] == ["japan", "russia"]
    assert synced["timeline"]["options"][0]["autocomplete"] is True


async def test_timeline_buttons_keep_working_after_a_restart(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    """The page, topic and owner travel in the custom id, not in the old process's memory."""
    first_bot = await start_bot()
    page = await standin.wait_for_reply(await standin.dispatch_slash("timeline"))
    following = next(b for b in buttons(page) if "Next" in b["label"])
    first_page = embed_text(page)
    await first_bot.close()

    await start_bot()
    press = await standin.dispatch_component(page, following["custom_id"])
    update = await standin.wait_for_interaction_response(press)
    assert update["type"] == 7
    assert "Page 1 of" in first_page
    assert "Page 2 of" in embed_text(update["data"])


@pytest.mark.usefixtures("bot_ready")
async def test_commands_are_synced_with_japanese_and_russian_localisations(
    standin: DiscordStandin,
) -> None:
    """The stand-in validated the payload against Discord's OpenAPI schema on arrival."""
    assert not standin.take_violations()
    synced = {c["name"]: c for c in standin.global_commands}
    timeline = synced["timeline"]
    assert timeline["name_localizations"] == {"ja": "年表", "ru": "хронология"}
    assert set(timeline["description_localizations"]) == {"ja", "ru"}
    topic = timeline["options"][0]
    assert topic["name"] == "topic"
    assert topic["name_localizations"] == {"ja": "話題", "ru": "тема"}
    side = synced["sanctions"]["options"][0]
    assert [c["value"] for c in side["choices"]] == ["japan", "russia"]
    assert side["choices"][0]["name_localizations"] == {"ja": "日本", "ru": "Япония"}
    briefings = synced["briefings"]
    assert briefings["name_localizations"]["ru"] == "рассылки"
    subscribe = next(o for o in briefings["options"] if o["name"] == "subscribe")
    assert subscribe["name_localizations"] == {"ja": "登録", "ru": "подписать"}
    for command in synced.values():
        for language, text in command["description_localizations"].items():
            assert 1 <= len(text) <= 100, (command["name"], language)


@pytest.mark.usefixtures("bot_ready")
async def test_a_japanese_user_gets_a_japanese_answer(standin: DiscordStandin) -> None:
    sent = await standin.dispatch_slash(
        "ask", {"question": "ロシアはなぜ交渉を停止したの？"}, locale="ja"
    )
    reply = await standin.wait_for_reply(sent)
    (embed,) = reply["embeds"]
    assert embed["title"] == "ロシアが交渉を停止した理由"
    source = next(f for f in embed["fields"] if f["name"] == "出典（英語原文）")
    assert "Russia says the move was a response to Japanese sanctions" in source["value"]
    assert "キュレーターによる翻訳" in embed["footer"]["text"]
    assert not standin.take_violations()


@pytest.mark.usefixtures("bot_ready")
@pytest.mark.parametrize(
    ("locale", "note"),
    [("ja", "すみません、読めるのは英語・日本語・ロシア語"), ("ru", "Извините, я понимаю вопросы")],
)
async def test_a_question_it_cannot_read_gets_a_note_in_the_users_language(
    standin: DiscordStandin, locale: str, note: str
) -> None:
    sent = await standin.dispatch_slash(
        "ask", {"question": "쿠릴 열도는 어디에 있나요?"}, locale=locale
    )
    reply = await standin.wait_for_interaction_response(sent)
    assert reply["data"]["flags"] & FLAG_EPHEMERAL
    assert note in embed_text(reply["data"])
    assert not standin.take_violations()


@pytest.mark.usefixtures("bot_ready")
async def test_a_japanese_user_gets_the_timeline_in_japanese(standin: DiscordStandin) -> None:
    sent = await standin.dispatch_slash("timeline", {}, locale="ja")
    reply = await standin.wait_for_reply(sent)
    (embed,) = reply["embeds"]
    assert embed["title"] == "千島列島（クリル諸島）をめぐる紛争の年表"
    assert "キュレーターによる翻訳" in embed["footer"]["text"]
    labels = [c["label"] for row in reply["components"] for c in row["components"]]
    assert labels == ["◀ 前へ", "次へ ▶"]
    assert not standin.take_violations()


@pytest.mark.usefixtures("bot_ready")
async def test_someone_elses_button_is_refused_in_the_pressers_language(
    standin: DiscordStandin,
) -> None:
    page = await standin.wait_for_reply(await standin.dispatch_slash("timeline", {}, locale="ja"))
    following = next(b for b in buttons(page) if "次へ" in b["label"])
    for locale, note in (
        ("ja", "これらのボタンはコマンドを実行した本人だけが使えます"),
        ("ru", "Эти кнопки принадлежат тому, кто вызвал команду"),
    ):
        stranger = await standin.dispatch_component(
            page, following["custom_id"], user=standin.user("mod"), locale=locale
        )
        refusal = await standin.wait_for_interaction_response(stranger)
        assert refusal["data"]["flags"] & FLAG_EPHEMERAL
        assert note in embed_text(refusal["data"])
    assert not standin.take_violations()
