"""METRICS_PORT end to end: the real bot on the stand-in, `/metrics` and `/healthz` scraped
over 127.0.0.1 as Prometheus and a container health check would."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import discord
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.client import KurilBriefBot
from bot.render import message_kwargs
from commands.messages import Button, Reply
from tests.bot.postgres import fresh_postgres_url
from tests.bot.running_bot import Clock, StartBot
from tests.bot.test_process import (
    assert_quiet,
    bot_environment,
    exit_of,
    killed_on_exit,
    read_until,
    run_cli,
    start_run,
)
from tests.standin.server import DiscordStandin

UTC = dt.UTC
SLOT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # 18:00 in Tokyo

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def fetch(port: int, path: str) -> tuple[int, str, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{port}{path}") as response,
    ):
        return response.status, response.headers["Content-Type"], await response.text()


async def scrape(bot: KurilBriefBot) -> Samples:
    assert bot.metrics_server is not None and bot.metrics_server.port is not None
    status, content_type, text = await fetch(bot.metrics_server.port, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def health(bot: KurilBriefBot) -> tuple[int, str]:
    assert bot.metrics_server is not None and bot.metrics_server.port is not None
    status, _, text = await fetch(bot.metrics_server.port, "/healthz")
    return status, text


async def until(check: Callable[[], Awaitable[bool]], *, timeout: float, what: str) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def free_port() -> int:
    """A port nothing listens on now (METRICS_PORT must name one; 0 is not allowed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def bot(start_bot: StartBot) -> KurilBriefBot:
    return await start_bot(metrics_port=free_port())  # on 127.0.0.1, the default host


async def test_metrics_are_served_with_the_prefix_and_health_is_ok(bot: KurilBriefBot) -> None:
    samples = await scrape(bot)
    names = {name for name, _ in samples}
    assert names and all(name.startswith("kuril_brief_") for name in names)
    for expected in (
        "kuril_brief_interaction_ack_seconds_count",
        "kuril_brief_free_text_answers_total",
        "kuril_brief_briefings_total",
        "kuril_brief_rest_rate_limited_total",
        "kuril_brief_gateway_latency_seconds",
        "kuril_brief_shard_state",
    ):
        assert expected in names, expected
    assert value(samples, "kuril_brief_shard_state", shard="0", state="connected") == 1
    assert value(samples, "kuril_brief_shard_state", shard="0", state="disconnected") == 0
    assert await health(bot) == (
        200,
        '{"status": "ok", "gateway": "connected", "database": "ok"}',
    )
    assert bot.metrics_server is not None
    status, _, _ = await fetch(bot.metrics_server.port or 0, "/nothing-here")
    assert status == 404


async def test_interaction_counters_and_ack_latency_move(
    bot: KurilBriefBot, standin: DiscordStandin
) -> None:
    before = await scrape(bot)
    sent = await standin.dispatch_slash("timeline")
    await standin.wait_for_reply(sent)
    # A member without Manage Channels is refused politely by the permission check.
    refused = await standin.dispatch_slash(
        "briefings list", user=standin.user("alice"), permissions=0
    )
    await standin.wait_for_interaction_response(refused)

    async def counted() -> bool:
        after = await scrape(bot)
        return (
            value(after, "kuril_brief_interactions_total", command="timeline", outcome="ok") == 1
            and value(
                after,
                "kuril_brief_interactions_total",
                command="briefings list",
                outcome="refused",
            )
            == 1
            and value(after, "kuril_brief_interaction_ack_seconds_count")
            >= value(before, "kuril_brief_interaction_ack_seconds_count") + 2
        )

    await until(counted, timeout=5, what="the interaction counters")
    after = await scrape(bot)
    # Acknowledged well inside Discord's 3 s: every observation is in the 3 s bucket.
    assert value(after, "kuril_brief_interaction_ack_seconds_bucket", le="3.0") == value(
        after, "kuril_brief_interaction_ack_seconds_count"
    )


async def test_button_presses_are_counted_by_kind_and_outcome(
    bot: KurilBriefBot, standin: DiscordStandin
) -> None:
    page = await standin.wait_for_reply(await standin.dispatch_slash("timeline"))
    following = next(
        button
        for row in page["components"]
        for button in row["components"]
        if "Next" in button["label"]
    )
    kind = "button:" + following["custom_id"].partition(":")[0]
    stranger = await standin.dispatch_component(
        page, following["custom_id"], user=standin.user("mod")
    )
    await standin.wait_for_interaction_response(stranger)
    await standin.wait_for_interaction_response(
        await standin.dispatch_component(page, following["custom_id"])
    )
    # A button of a kind the bot does not know (an older release's): counted as unknown, so
    # made-up ids cannot create new label values.
    channel = bot.get_channel(standin.channel_id)
    assert isinstance(channel, discord.TextChannel)
    old = Reply(content="Old", buttons=((Button(label="Old", custom_id="gone:button"),),))
    await channel.send(**message_kwargs(old))
    stale = await standin.wait_for_message(standin.channel_id)
    await standin.wait_for_interaction_response(
        await standin.dispatch_component(stale, "gone:button")
    )

    async def counted() -> bool:
        samples = await scrape(bot)
        return (
            value(samples, "kuril_brief_interactions_total", command=kind, outcome="ok") == 1
            and value(samples, "kuril_brief_interactions_total", command=kind, outcome="refused")
            == 1
            and value(
                samples, "kuril_brief_interactions_total", command="button:unknown", outcome="ok"
            )
            == 1
        )

    await until(counted, timeout=5, what="the button counters")


async def test_free_text_answers_are_counted_answered_or_declined(
    bot: KurilBriefBot, standin: DiscordStandin
) -> None:
    sent = await standin.dispatch_slash("ask", {"question": "How many banks did Japan sanction?"})
    await standin.wait_for_reply(sent)
    await standin.dispatch_message("what is the population of hokkaido in 1700?", dm=True)

    async def counted() -> bool:
        samples = await scrape(bot)
        return (
            value(samples, "kuril_brief_free_text_answers_total", outcome="answered") == 1
            and value(samples, "kuril_brief_free_text_answers_total", outcome="declined") == 1
        )

    await until(counted, timeout=5, what="one answered and one declined question")


async def test_rest_429s_are_counted(bot: KurilBriefBot, standin: DiscordStandin) -> None:
    channel = standin.default_channel
    standin.fail_next("POST", f"/channels/{channel.id}/messages", status=429, retry_after=0.05)
    await standin.dispatch_message("Why were the talks suspended?", mention_bot=True)
    await standin.wait_for_message(channel.id, timeout=5)  # discord.py retried after the 429

    async def counted() -> bool:
        samples = await scrape(bot)
        return value(samples, "kuril_brief_rest_rate_limited_total", scope="user") == 1

    await until(counted, timeout=5, what="the 429 counter")


async def test_briefing_deliveries_are_counted(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    clock = Clock(SLOT - dt.timedelta(seconds=3))
    bot = await start_bot(clock=clock, metrics_port=free_port())
    channel = standin.channel("briefings")
    options: dict[str, Any] = {"channel": channel, "time": "18:00", "timezone": "Asia/Tokyo"}
    sent = await standin.dispatch_slash("briefings subscribe", options, user=standin.user("mod"))
    await standin.wait_for_followup(sent)
    await standin.wait_for_message(channel.id, timeout=10)
    await bot.briefings.idle()
    samples = await scrape(bot)
    assert value(samples, "kuril_brief_briefings_total", outcome="delivered") == 1
    assert value(samples, "kuril_brief_briefings_total", outcome="paused") == 0
    assert (
        value(
            samples, "kuril_brief_interactions_total", command="briefings subscribe", outcome="ok"
        )
        == 1
    )


async def test_briefings_missed_while_down_are_counted_late_or_skipped(
    start_bot: StartBot, standin: DiscordStandin
) -> None:
    clock = Clock(SLOT - dt.timedelta(hours=1))
    bot = await start_bot(clock=clock)
    for channel in (standin.channel("briefings"), standin.default_channel):
        options: dict[str, Any] = {"channel": channel, "time": "18:00", "timezone": "Asia/Tokyo"}
        sent = await standin.dispatch_slash(
            "briefings subscribe", options, user=standin.user("mod")
        )
        await standin.wait_for_followup(sent)
    await bot.close()

    clock.set(SLOT + dt.timedelta(days=1, minutes=30))  # down over two slots; one within grace
    bot = await start_bot(clock=clock, metrics_port=free_port())
    await asyncio.wait_for(bot.briefings.started.wait(), 5)
    await bot.briefings.idle()
    samples = await scrape(bot)
    assert value(samples, "kuril_brief_briefings_total", outcome="late") == 2
    assert value(samples, "kuril_brief_briefings_total", outcome="skipped") == 2
    assert value(samples, "kuril_brief_briefings_total", outcome="delivered") == 0


async def test_healthz_is_503_while_the_gateway_is_down(
    bot: KurilBriefBot, standin: DiscordStandin
) -> None:
    assert (await health(bot))[0] == 200
    standin.refuse_gateway()
    await standin.disconnect_gateway(code=4000)

    async def down() -> bool:
        return (await health(bot))[0] == 503

    await until(down, timeout=5, what="/healthz to report the outage")
    status, body = await health(bot)
    assert status == 503 and '"gateway": "disconnected"' in body and '"database": "ok"' in body
    samples = await scrape(bot)
    assert value(samples, "kuril_brief_shard_state", shard="0", state="disconnected") == 1

    standin.refuse_gateway(False)

    async def back() -> bool:
        return (await health(bot))[0] == 200

    await until(back, timeout=20, what="/healthz to recover after the gateway came back")


async def test_healthz_is_503_once_the_database_file_is_deleted(bot: KurilBriefBot) -> None:
    """A SQLite file deleted under the running bot fails every call from then on; /healthz
    says so (not "not open yet", which is for the moments before start-up opens it)."""
    assert (await health(bot))[0] == 200
    path = bot.storage.sqlite_path
    assert path is not None
    path.unlink()
    assert await health(bot) == (
        503,
        '{"status": "unavailable", "gateway": "connected", "database": "file deleted or replaced"}',
    )


async def test_run_as_a_process_serves_metrics_from_the_environment(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    """`kuril-brief run` with METRICS_PORT set, as a container's HEALTHCHECK would probe it."""
    port = free_port()
    env = {**bot_environment(standin, tmp_path / "data"), "METRICS_PORT": str(port)}
    process = await start_run(env)
    assert process.stderr is not None
    log: list[str] = []
    async with killed_on_exit(process):
        await asyncio.wait_for(read_until(process.stderr, "ready as", log), 30)
        assert any(f"metrics and /healthz on http://127.0.0.1:{port}" in line for line in log)
        status, _, body = await fetch(port, "/healthz")
        assert status == 200, body
        await standin.wait_for_reply(await standin.dispatch_slash("about"), timeout=10)

        async def counted() -> bool:
            _, _, text = await fetch(port, "/metrics")
            return 'kuril_brief_interactions_total{command="about",outcome="ok"} 1.0' in text

        await until(counted, timeout=5, what="the process's interaction counter")
        process.send_signal(signal.SIGTERM)
        code, output, _ = await exit_of(process, log, since=time.monotonic())
    assert code == 0, output
    assert_quiet(output)
    with pytest.raises(aiohttp.ClientConnectionError):
        await fetch(port, "/healthz")  # the port is closed with the bot


async def test_a_taken_metrics_port_stops_run_before_it_logs_in(
    standin: DiscordStandin, tmp_path: Path
) -> None:
    """The port is bound first: nothing reaches Discord and no database is made or migrated."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {**bot_environment(standin, tmp_path / "data"), "METRICS_PORT": str(port)}
        code, err = await run_cli("run", env=env)
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        f"Cannot serve metrics on METRICS_HOST=127.0.0.1 METRICS_PORT={port}: address already "
        "in use. Pick a free port (and an address of this machine), or unset METRICS_PORT."
    )
    assert "Traceback" not in err
    assert standin.requests == [], "it logged in before binding the metrics port"
    assert not (tmp_path / "data" / "kuril-brief.db").exists()


class TcpProxy:
    """A loopback TCP proxy in front of PostgreSQL that can cut every connection."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening (new connections are refused) and drop the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._pipes):
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.close()
            return
        self._pipes |= {writer, up_writer}
        await asyncio.gather(
            self._pump(reader, up_writer), self._pump(up_reader, writer), return_exceptions=True
        )

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        finally:
            self._pipes.discard(writer)
            writer.close()


@pytest.fixture
async def postgres_proxy() -> AsyncIterator[tuple[str, TcpProxy]]:
    """A PostgreSQL URL that goes through a proxy the test can cut."""
    from sqlalchemy.engine import make_url

    url = make_url(await fresh_postgres_url())
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    try:
        yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy
    finally:
        with contextlib.suppress(Exception):
            await proxy.cut()


@pytest.mark.postgres
async def test_healthz_is_503_while_the_database_is_unreachable(
    start_bot: StartBot, postgres_proxy: tuple[str, TcpProxy]
) -> None:
    url, proxy = postgres_proxy
    bot = await start_bot(metrics_port=free_port(), database_url=url)
    assert (await health(bot))[0] == 200
    await proxy.cut()
    status, body = await health(bot)
    assert status == 503
    assert '"gateway": "connected"' in body and '"database": "ok"' not in body

    await proxy.start()  # PostgreSQL is reachable again: the pool reconnects

    async def back() -> bool:
        return (await health(bot))[0] == 200

    await until(back, timeout=10, what="/healthz to recover after the database came back")
