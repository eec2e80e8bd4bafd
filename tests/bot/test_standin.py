"""Prove the Discord stand-in with a bare discord.py client (not the project's bot)."""

from __future__ import annotations

import asyncio
import io
import time

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from tests.standin import schema
from tests.standin.server import DiscordStandin

FAST = {"guild_ready_timeout": 0.05}


class ProbeBot(commands.Bot):
    """A minimal bot: one slash command group, an autocomplete, a button and a mention reply."""

    def __init__(self, guild_id: int | None = None) -> None:
        intents = discord.Intents.default()
        intents.message_content = False  # mentions and DMs must still carry content
        super().__init__(command_prefix="!", intents=intents, **FAST)
        self.sync_guild = guild_id
        self.seen_messages: list[discord.Message] = []

        @app_commands.command(description="Ask the probe a question")
        @app_commands.describe(question="What to ask")
        async def ask(interaction: discord.Interaction, question: str) -> None:
            view = discord.ui.View(timeout=None)
            view.add_item(discord.ui.Button(label="More", custom_id="probe:more"))
            await interaction.response.send_message(f"You asked: {question}", view=view)

        @ask.autocomplete("question")
        async def ask_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            topics = ["yalta", "shikotan", "habomai", "iturup"]
            return [app_commands.Choice(name=t, value=t) for t in topics if current in t]

        group = app_commands.Group(name="brief", description="Briefings")
        schedule = app_commands.Group(name="schedule", description="Schedules", parent=group)

        @schedule.command(description="Set the briefing hour")
        async def set_hour(interaction: discord.Interaction, hour: int) -> None:
            await interaction.response.defer(ephemeral=True)
            await interaction.edit_original_response(content=f"hour={hour}")

        self.tree.add_command(ask)
        self.tree.add_command(group)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY (Discord's identify rate limit);
        the stand-in does not need that pause."""

    async def setup_hook(self) -> None:
        guild = discord.Object(self.sync_guild) if self.sync_guild else None
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
            self.tree.clear_commands(guild=None)
        await self.tree.sync(guild=guild)

    async def on_message(self, message: discord.Message) -> None:
        self.seen_messages.append(message)
        if message.author.bot:
            return
        if self.user in message.mentions or message.guild is None:
            await message.reply(f"echo: {message.content}", mention_author=False)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        if interaction.data and interaction.data.get("custom_id") == "probe:more":
            await interaction.response.edit_message(content="more!", view=None)


@pytest.fixture
async def bot(standin: DiscordStandin, run_client) -> ProbeBot:
    return await run_client(ProbeBot())


async def test_login_ready_and_guild_available(standin: DiscordStandin, run_client) -> None:
    started = time.perf_counter()
    client = await run_client(discord.Client(intents=discord.Intents.default(), **FAST))
    assert time.perf_counter() - started < 1.0

    assert client.user is not None and client.user.id == standin.bot_user.id
    assert client.application_id == standin.application_id
    guild = client.get_guild(standin.guild_id)
    assert guild is not None and not guild.unavailable
    general = guild.get_channel(standin.channel_id)
    assert isinstance(general, discord.TextChannel)
    assert general.permissions_for(guild.me).send_messages
    announcements = guild.get_channel(standin.channel("announcements").id)
    assert not announcements.permissions_for(guild.me).send_messages
    paths = [(r.method, r.path) for r in standin.requests]
    assert ("GET", "/users/@me") in paths and ("GET", "/oauth2/applications/@me") in paths
    assert standin.identify_count == 1


async def test_command_sync_is_recorded_with_ids(standin: DiscordStandin, bot: ProbeBot) -> None:
    sync = standin.requests_matching("PUT", "/applications/{application_id}/commands")
    assert len(sync) == 1
    assert {c["name"] for c in sync[0].json} == {"ask", "brief"}
    for cmd in standin.global_commands:
        assert cmd["id"].isdigit() and cmd["application_id"] == str(standin.application_id)
        assert cmd["version"]
    fetched = await bot.tree.fetch_commands()
    assert {c.name for c in fetched} == {"ask", "brief"}


async def test_guild_sync(standin: DiscordStandin, run_client) -> None:
    await run_client(ProbeBot(guild_id=standin.guild_id))
    assert standin.global_commands == []
    assert {c["name"] for c in standin.guild_commands[standin.guild_id]} == {"ask", "brief"}
    sent = await standin.dispatch_slash("ask", {"question": "guild?"})
    assert sent.payload["data"]["guild_id"] == str(standin.guild_id)
    reply = await standin.wait_for_reply(sent)
    assert reply["content"] == "You asked: guild?"


async def test_slash_command_answered(standin: DiscordStandin, bot: ProbeBot) -> None:
    sent = await standin.dispatch_slash("ask", {"question": "Who signed in 1855?"})
    response = await standin.wait_for_interaction_response(sent)
    assert response["type"] == 4
    assert response["data"]["content"] == "You asked: Who signed in 1855?"
    callback = standin.requests_matching("POST", "/interactions/{id}/{token}/callback")
    assert callback[0].query == {"with_response": "1"} and callback[0].status == 200

    # The button on that reply is wired through to the bot.
    reply = await standin.wait_for_reply(sent)
    click = await standin.dispatch_component(reply, "probe:more")
    assert (await standin.wait_for_interaction_response(click))["type"] == 7
    assert standin.messages[int(reply["id"])]["content"] == "more!"


async def test_subcommand_group_deferred_then_edited(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    sent = await standin.dispatch_slash("brief schedule set_hour", {"hour": 7})
    options = sent.payload["data"]["options"]
    assert options[0]["type"] == 2 and options[0]["options"][0]["type"] == 1
    assert (await standin.wait_for_interaction_response(sent))["type"] == 5
    reply = await standin.wait_for_reply(sent)
    assert reply["content"] == "hour=7" and reply["flags"] & 64


async def test_dm_slash_command(standin: DiscordStandin, bot: ProbeBot) -> None:
    sent = await standin.dispatch_slash("ask", {"question": "dm"}, dm=True)
    assert "guild_id" not in sent.payload and sent.payload["user"]["username"] == "alice"
    assert (await standin.wait_for_reply(sent))["content"] == "You asked: dm"


async def test_autocomplete(standin: DiscordStandin, bot: ProbeBot) -> None:
    sent = await standin.dispatch_autocomplete("ask", "question", "ha")
    response = await standin.wait_for_interaction_response(sent)
    assert response == {"type": 8, "data": {"choices": [{"name": "habomai", "value": "habomai"}]}}


async def test_mention_dm_and_bot_messages(standin: DiscordStandin, bot: ProbeBot) -> None:
    # Without the message-content intent a plain guild message arrives with empty content.
    await standin.dispatch_message("no mention here")
    mention = await standin.dispatch_message("what about Iturup?", mention_bot=True)
    reply = await standin.wait_for_message(standin.channel_id)
    assert reply["content"] == f"echo: {standin.bot_user.mention} what about Iturup?"
    assert reply["message_reference"]["message_id"] == mention["id"]
    assert bot.seen_messages[0].content == ""

    await standin.dispatch_message("hello in private", dm=True)
    dm_reply = await standin.wait_for_message()
    assert dm_reply["content"] == "echo: hello in private"
    assert "guild_id" not in dm_reply

    await standin.dispatch_message("beep", author=standin.user("helper-bot"), mention_bot=True)
    await standin.dispatch_message("sync point", dm=True)
    await standin.wait_for_message(predicate=lambda m: m["content"] == "echo: sync point")
    assert not [m for m in standin.bot_messages if "beep" in m["content"]]


async def test_rate_limit_then_success(standin: DiscordStandin, bot: ProbeBot) -> None:
    route = "/channels/{channel_id}/messages"
    standin.fail_next("POST", route, status=429, count=2, retry_after=0.05)
    channel = bot.get_channel(standin.channel_id)
    message = await channel.send("after the storm")
    assert message.content == "after the storm"
    assert [r.status for r in standin.requests_matching("POST", route)] == [429, 429, 200]


async def test_global_rate_limit(standin: DiscordStandin, bot: ProbeBot) -> None:
    standin.fail_next("GET", "/channels/{channel_id}", is_global=True, retry_after=0.05)
    channel = await bot.fetch_channel(standin.channel_id)
    assert channel.id == standin.channel_id
    first = standin.requests_matching("GET", f"/channels/{standin.channel_id}")[0]
    assert first.status == 429


async def test_server_error_then_success(standin: DiscordStandin, bot: ProbeBot) -> None:
    standin.fail_next("POST", "/channels/{channel_id}/messages", status=502)
    message = await bot.get_channel(standin.channel_id).send("eventually")
    assert message.content == "eventually"


async def test_channel_errors_surface_as_discord_exceptions(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    channel = bot.get_channel(standin.channel_id)
    standin.set_channel_error(standin.channel_id, 403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("nope")
    assert forbidden.value.code == 50013
    standin.set_channel_error(standin.channel_id, 404)
    with pytest.raises(discord.NotFound) as missing:
        await channel.send("nope")
    assert missing.value.code == 10003
    standin.set_channel_error(standin.channel_id, None)
    with pytest.raises(discord.Forbidden):  # a real overwrite denies SEND_MESSAGES here
        await bot.get_channel(standin.channel("announcements").id).send("nope")


async def test_enforced_nonce_deduplicates(standin: DiscordStandin, bot: ProbeBot) -> None:
    channel = bot.get_channel(standin.channel_id)
    # discord.py sends enforce_nonce=true whenever a nonce is given.
    first = await channel.send("once", nonce="brief-2024-01-01")
    again = await channel.send("once", nonce="brief-2024-01-01")
    assert first.id == again.id
    sent = standin.requests_matching("POST", "/channels/{channel_id}/messages")
    assert all(r.json["enforce_nonce"] is True for r in sent)
    assert len([m for m in standin.bot_messages if m["content"] == "once"]) == 1


async def test_channel_history_pages_like_discord_without_nonces(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    channel = bot.get_channel(standin.channel_id)
    sent = [await channel.send(f"m{n}", nonce=f"n{n}") for n in range(5)]
    assert sent[0].nonce == "n0"  # the create response echoes the nonce ...
    newest_first = await bot.http.logs_from(channel.id, 3)
    assert [m["content"] for m in newest_first] == ["m4", "m3", "m2"]
    assert all("nonce" not in m for m in newest_first)  # ... history does not
    after = await bot.http.logs_from(channel.id, 2, after=sent[1].id)
    assert [m["content"] for m in after] == ["m3", "m2"]  # the oldest after, newest first
    before = await bot.http.logs_from(channel.id, 100, before=sent[1].id)
    assert [m["content"] for m in before] == ["m0"]
    # discord.py's own iterator agrees on order.
    history = [m.content async for m in channel.history(limit=None, oldest_first=True)]
    assert history == [f"m{n}" for n in range(5)]


@pytest.mark.standin_allow_violations
async def test_channel_history_checks_the_query_and_read_permission(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    with pytest.raises(discord.HTTPException) as bad:
        await bot.http.logs_from(standin.channel_id, 101)
    assert bad.value.code == 50035
    with pytest.raises(discord.HTTPException):
        route = discord.http.Route("GET", "/channels/{c}/messages", c=standin.channel_id)
        await bot.http.request(route, params={"since": "yesterday"})
    problems = [str(v) for v in standin.take_violations()]
    assert any("?limit" in p and "101" in p for p in problems)
    assert any("?since: not a query parameter" in p for p in problems)
    hidden = standin.add_channel(
        "no-history",
        overwrites=[{"id": str(standin.guild_id), "type": 0, "allow": "0", "deny": str(1 << 16)}],
    )
    with pytest.raises(discord.Forbidden) as denied:
        await bot.http.logs_from(hidden.id, 10)
    assert denied.value.code == 50013


async def test_gateway_disconnect_resumes(standin: DiscordStandin, bot: ProbeBot) -> None:
    await standin.disconnect_gateway(code=4000)
    # Dispatched while the socket is down: must be replayed on RESUME.
    sent = await standin.dispatch_slash("ask", {"question": "still there?"})
    await standin.wait_for_connections(2)
    assert standin.resume_count == 1 and standin.identify_count == 1
    assert (await standin.wait_for_reply(sent))["content"] == "You asked: still there?"


async def test_invalid_session_reidentifies(standin: DiscordStandin, bot: ProbeBot) -> None:
    await standin.invalidate_session(resumable=False)
    await standin.wait_for_connections(2)
    assert standin.identify_count == 2
    sent = await standin.dispatch_slash("ask", {"question": "again"})
    assert (await standin.wait_for_reply(sent))["content"] == "You asked: again"


async def test_unknown_route_recorded(standin: DiscordStandin, bot: ProbeBot) -> None:
    with pytest.raises(discord.NotFound):
        await bot.http.request(discord.http.Route("GET", "/not/a/route"))
    assert standin.unknown_routes[-1].path == "/not/a/route"


@pytest.mark.standin_allow_violations
async def test_over_long_content_is_a_violation(standin: DiscordStandin, bot: ProbeBot) -> None:
    with pytest.raises(discord.HTTPException) as rejected:
        await bot.get_channel(standin.channel_id).send("x" * 2001)
    assert rejected.value.code == 50035
    (violation,) = standin.take_violations()
    assert "2001 characters > 2000" in str(violation)


def test_validator_rejects_bad_and_accepts_good() -> None:
    path = "/channels/1/messages"
    good = {
        "content": "The Treaty of Shimoda (1855)",
        "embeds": [{"title": "Shimoda", "fields": [{"name": "Year", "value": "1855"}]}],
        "components": [
            {"type": 1, "components": [{"type": 2, "style": 1, "label": "More", "custom_id": "m"}]}
        ],
        "allowed_mentions": {"parse": [], "users": [123]},
        "message_reference": {"message_id": 42, "fail_if_not_exists": False},
    }
    assert schema.validate_request("POST", path, good) == []

    # Caught by the spec's schema.
    assert schema.validate_against_spec("POST", path, {"embeds": [{"title": 5}]})
    assert schema.validate_against_spec("POST", path, {"components": [{"type": "row"}]})
    # Caught by the documented limits (the preview spec allows 4000 characters).
    assert schema.validate_against_spec("POST", path, {"content": "x" * 2001}) == []
    assert schema.check_limits("POST", path, {"content": "x" * 2001})
    row = {"type": 1, "components": [{"type": 2, "style": 1, "label": "b", "custom_id": "c"}] * 6}
    assert schema.check_limits("POST", path, {"components": [row]})
    too_long_embed = {
        "embeds": [{"description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1024}] * 2}]
    }
    assert any("6000" in p for p in schema.check_limits("POST", path, too_long_embed))

    callback = "/interactions/1/token/callback"
    choices = [{"name": f"c{i}", "value": f"c{i}"} for i in range(26)]
    assert schema.validate_request("POST", callback, {"type": 8, "data": {"choices": choices}})
    assert (
        schema.validate_request("POST", callback, {"type": 8, "data": {"choices": choices[:3]}})
        == []
    )

    sync = "/applications/1/commands"
    good_cmd = {"name": "ask", "description": "Ask", "type": 1}
    assert schema.validate_request("PUT", sync, [good_cmd]) == []
    assert schema.validate_request("PUT", sync, [{**good_cmd, "name": "Ask Me"}])
    assert schema.validate_request("PUT", sync, [{**good_cmd, "description": ""}])


@pytest.mark.standin_allow_violations
async def test_direct_check_records_violation(standin: DiscordStandin) -> None:
    problems = standin.check("POST", "/webhooks/1/tok", {"content": "x" * 2500})
    assert problems and standin.violations
    standin.take_violations()


async def test_global_rate_limit_throttles_but_everything_arrives(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    standin.set_global_rate_limit(20)
    channel = bot.get_channel(standin.channel_id)
    sent = await asyncio.gather(*(channel.send(f"burst {i}") for i in range(30)))
    assert len({m.id for m in sent}) == 30
    statuses = [r.status for r in standin.requests_matching("POST", "/channels/{id}/messages")]
    assert statuses.count(200) == 30 and 429 in statuses


async def test_file_upload_is_recorded_and_validated(
    standin: DiscordStandin, bot: ProbeBot
) -> None:
    channel = bot.get_channel(standin.channel_id)
    await channel.send("see attached", file=discord.File(io.BytesIO(b"x" * 10), "brief.txt"))
    (upload,) = standin.requests_matching("POST", "/channels/{id}/messages")
    assert upload.json["content"] == "see attached"
    assert upload.files[0]["filename"] == "brief.txt" and upload.files[0]["size"] == 10
    (attachment,) = standin.bot_messages[-1]["attachments"]
    assert attachment["filename"] == "brief.txt" and attachment["size"] == 10


async def test_modal_submit(standin: DiscordStandin, bot: ProbeBot) -> None:
    answered: list[str] = []

    async def on_interaction(interaction: discord.Interaction) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            value = interaction.data["components"][0]["components"][0]["value"]
            answered.append(value)
            await interaction.response.send_message(f"noted: {value}", ephemeral=True)

    bot.add_listener(on_interaction)
    sent = await standin.dispatch_modal_submit("feedback", {"text": "great"})
    reply = await standin.wait_for_reply(sent)
    assert reply["content"] == "noted: great" and reply["flags"] & 64
