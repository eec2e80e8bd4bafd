"""The real bot, end to end, against the loopback Discord stand-in.

Login, sync, the commands that exist so far, free text by mention and DM, unknown buttons,
errors, rate limits and a gateway drop. Every body the bot sends is checked against Discord's
schema by the `standin` fixture.
"""

from __future__ import annotations

import logging
from typing import Any

import discord
import pytest

from bot.cogs import reference
from bot.render import message_kwargs
from bot.storage import StorageClosedError
from commands.messages import Button, Reply
from knowledge.base import KnowledgeBase
from tests.bot.running_bot import StartBot, embed_text
from tests.standin.server import FLAG_EPHEMERAL, DiscordStandin


async def test_login_syncs_commands_once(start_bot: StartBot, standin: DiscordStandin) -> None:
    bot = await start_bot()
    names = {command["name"] for command in standin.global_commands}
    assert {"about", "help", "ask"} <= names
    assert all(command["description"] for command in standin.global_commands)
    assert bot.intents.message_content is False
    assert bot.shard_count == 1
    syncs = standin.requests_matching("PUT", "/applications/{app}/commands")
    assert len(syncs) == 1
    await bot.close()

    await start_bot()  # same data dir: the command set is unchanged, so no second sync
    assert len(standin.requests_matching("PUT", "/applications/{app}/commands")) == 1


async def test_dev_guild_sync_goes_to_that_guild(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    await start_bot(discord_dev_guild_id=standin.guild_id)
    assert {c["name"] for c in standin.guild_commands[standin.guild_id]} >= {"about", "ask"}
    assert standin.requests_matching("PUT", "/applications/{app}/commands") == []


async def test_about_answers_publicly_with_the_version(
    start_bot: StartBot, standin: DiscordStandin, kb: KnowledgeBase
) -> None:
    await start_bot()
    sent = await standin.dispatch_slash("about")
    reply = await standin.wait_for_reply(sent)
    assert f"Knowledge base version {kb.version}" in embed_text(reply)
    assert not reply["flags"] & FLAG_EPHEMERAL
    callback = sent.response
    assert callback is not None
    assert callback["data"]["allowed_mentions"] == {"parse": []}


async def test_help_is_ephemeral(start_bot: StartBot, standin: DiscordStandin) -> None:
    await start_bot()
    reply = await standin.wait_for_reply(await standin.dispatch_slash("help"))
    assert reply["flags"] & FLAG_EPHEMERAL
    assert "/about" in embed_text(reply)


async def test_ask_accepts_hostile_input_without_pinging(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    await start_bot()
    for question in ("@everyone " + "x" * 3000, "🙂🙂🙂", "Z̷̢a̴l̶g̸o̵ t̷e̸x̴t", "```py\nprint(1)\n```"):
        sent = await standin.dispatch_slash("ask", {"question": question})
        reply = await standin.wait_for_reply(sent)
        assert embed_text(reply).strip()
        assert sent.response is not None
        assert sent.response["data"]["allowed_mentions"] == {"parse": []}


async def test_mention_and_dm_get_replies_and_bots_are_ignored(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    await start_bot()
    asked = await standin.dispatch_message("why were the talks suspended?", mention_bot=True)
    reply = await standin.wait_for_message(standin.channel_id)
    assert reply["message_reference"]["message_id"] == asked["id"]
    assert embed_text(reply).strip()

    await standin.dispatch_message("hello there", dm=True)
    dm_reply = await standin.wait_for_message()
    assert int(dm_reply["channel_id"]) == standin.dm_channel(standin.user("alice")).id

    ignored = [
        await standin.dispatch_message("ping", author=standin.user("helper-bot"), mention_bot=True),
        await standin.dispatch_message("not for the bot"),
    ]
    # Events arrive in order: once the bot has answered a later message, it has seen these.
    control = await standin.dispatch_message("how many banks were sanctioned?", dm=True)
    control_reply = await standin.wait_for_message()
    assert control_reply["message_reference"]["message_id"] == control["id"]
    answered = {m.get("message_reference", {}).get("message_id") for m in standin.bot_messages}
    assert not answered & {message["id"] for message in ignored}


async def test_stale_button_gets_a_polite_private_note(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    """A button from an older version of the bot, whose id nothing handles any more."""
    bot = await start_bot()
    stale = Reply(
        content="An old message", buttons=((Button(label="Old", custom_id="gone:button"),),)
    )
    channel = bot.get_channel(standin.channel_id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send(**message_kwargs(stale))
    message = await standin.wait_for_message(standin.channel_id)
    press = await standin.dispatch_component(message, "gone:button")
    callback = await standin.wait_for_interaction_response(press)
    assert callback["type"] == 4  # a new message, not an edit of the one pressed
    assert callback["data"]["flags"] & FLAG_EPHEMERAL
    assert "no longer available" in embed_text(callback["data"])


@pytest.mark.parametrize("custom_id", ["tl:²:1:-", "sx:²", "tl:٣:1:-", "sx:1٣:0:-"])
async def test_a_forged_button_id_gets_a_polite_note(
    start_bot: StartBot, standin: DiscordStandin, custom_id: str
) -> None:
    """Ids with digits that are not ASCII (`str.isdigit` accepts "²")."""
    bot = await start_bot()
    forged = Reply(content="Forged", buttons=((Button(label="Next", custom_id=custom_id),),))
    channel = bot.get_channel(standin.channel_id)
    assert isinstance(channel, discord.TextChannel)
    await channel.send(**message_kwargs(forged))
    message = await standin.wait_for_message(standin.channel_id)
    press = await standin.dispatch_component(message, custom_id)
    callback = await standin.wait_for_interaction_response(press)
    assert callback["data"]["flags"] & FLAG_EPHEMERAL
    assert "buttons are no longer valid" in embed_text(callback["data"])


async def test_unexpected_error_is_logged_and_answered_with_an_apology(
    start_bot: StartBot,
    standin: DiscordStandin,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await start_bot()

    def broken(*args: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(reference, "about_reply", broken)  # the handler the /about cog calls
    with caplog.at_level(logging.ERROR, logger="bot.tree"):
        reply = await standin.wait_for_reply(await standin.dispatch_slash("about"))
    assert reply["flags"] & FLAG_EPHEMERAL
    assert "Sorry, something went wrong" in embed_text(reply)
    assert "boom" not in embed_text(reply)
    assert any("/about" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("status", [429, 502])
async def test_recovers_from_a_rate_limit_or_bad_gateway(
    start_bot: StartBot, standin: DiscordStandin, status: int
) -> None:
    await start_bot()
    route = "/interactions/{interaction_id}/{token}/callback"
    standin.fail_next("POST", route, status=status, retry_after=0.05)
    sent = await standin.dispatch_slash("about")
    reply = await standin.wait_for_reply(sent, timeout=10)
    assert "About Kuril Brief" in embed_text(reply)
    statuses = [r.status for r in standin.requests_matching("POST", route)]
    assert statuses[:2] == [status, 200]


async def test_close_releases_storage(start_bot: StartBot) -> None:
    bot = await start_bot()
    await bot.close()
    with pytest.raises(StorageClosedError):
        await bot.storage.get_value("anything")


async def test_reconnects_after_a_gateway_drop(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    await start_bot()
    await standin.disconnect_gateway()
    await standin.wait_for_connections(2, timeout=10)
    reply = await standin.wait_for_reply(await standin.dispatch_slash("about"))
    assert "About Kuril Brief" in embed_text(reply)
