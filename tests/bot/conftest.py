"""Fixtures for end-to-end tests against the loopback Discord stand-in, and the database
URL the storage and scheduler tests run on."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import discord
import pytest

from bot.settings import Settings
from tests.bot.postgres import fresh_postgres_url
from tests.standin.server import DiscordStandin

RunClient = Callable[..., Awaitable[discord.Client]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "standin_allow_violations: the test sends schema/limit-breaking bodies on purpose",
    )
    config.addinivalue_line(
        "markers",
        "standin_options(**kwargs): keyword arguments for DiscordStandin in this test",
    )
    config.addinivalue_line(
        "markers",
        "standin_allow_unanswered: the test leaves interactions unanswered on purpose",
    )


@pytest.fixture
async def standin(request: pytest.FixtureRequest) -> AsyncIterator[DiscordStandin]:
    """A running stand-in with discord.py pointed at it; fails the test on any violation.

    Options come from ``@pytest.mark.standin_options(...)``; the heartbeat is short by default.
    """
    marker = request.node.get_closest_marker("standin_options")
    options = {"heartbeat_interval_ms": 1000, **(marker.kwargs if marker else {})}
    server = DiscordStandin(**options)
    await server.start()
    try:
        with server.patch_discord():
            yield server
    finally:
        await server.stop()
    allowed = request.node.get_closest_marker("standin_allow_violations")
    if server.violations and not allowed:
        lines = "\n".join(f"  - {v}" for v in server.violations)
        pytest.fail(f"the bot sent bodies Discord would reject:\n{lines}", pytrace=False)
    unanswered = [i.id for i in server.interactions.values() if not i.acknowledged]
    if unanswered and not request.node.get_closest_marker("standin_allow_unanswered"):
        pytest.fail(f"interactions never acknowledged: {unanswered}", pytrace=False)


@pytest.fixture
async def run_client(standin: DiscordStandin) -> AsyncIterator[RunClient]:
    """``await run_client(client)`` starts a discord.py client on the stand-in, waits for
    ``on_ready`` and closes it at teardown. Build clients with ``guild_ready_timeout=0.05``."""
    running: list[tuple[discord.Client, asyncio.Task[None]]] = []

    async def run(client: discord.Client, *, timeout: float = 5.0) -> discord.Client:  # noqa: ASYNC109
        task = asyncio.create_task(client.start(standin.token), name="standin-client")
        running.append((client, task))
        ready = asyncio.create_task(client.wait_until_ready())
        done, _ = await asyncio.wait({ready, task}, timeout=timeout, return_when="FIRST_COMPLETED")
        if ready not in done:
            ready.cancel()
            if task in done:
                task.result()  # re-raise the login/connect error
            raise AssertionError(f"client not ready after {timeout}s")
        return client

    yield run
    for client, task in running:
        await client.close()
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.wait_for(task, 5.0)


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings as on a fresh machine: no token or .env of the developer's, data in tmp."""
    for name in ("DISCORD_TOKEN", "DATABASE_URL", "DISCORD_API_BASE", "KURIL_SEEDS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("KURIL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setitem(Settings.model_config, "env_file", None)


@pytest.fixture(
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    ]
)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL as a user would write it, pointing at an empty database: SQLite, and
    PostgreSQL when `KURIL_TEST_POSTGRES_URL` names one."""
    if request.param == "sqlite":
        (tmp_path / "db").mkdir()  # outside the data directory: storage does not create it
        return f"sqlite:///{tmp_path / 'db' / 'kuril-brief.db'}"
    return await fresh_postgres_url()
