"""The console runs the real handlers on scripted input and stays polite on bad input."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from rich.console import Console

from bot.console import ConsoleSession, parse_command
from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.conftest import REPO_ROOT


@pytest.fixture
def session(kb: KnowledgeBase) -> tuple[ConsoleSession, io.StringIO]:
    output = io.StringIO()
    console = Console(file=output, width=100, color_system=None)
    return ConsoleSession(Services(kb=kb), console), output


def test_parse_command_options_with_spaces_and_colons() -> None:
    assert parse_command("/quote speaker:Fumio Kishida") == ("quote", {"speaker": "Fumio Kishida"})
    assert parse_command("/about") == ("about", {})
    assert parse_command("/TIMELINE topic:sanctions ") == ("timeline", {"topic": "sanctions"})
    assert parse_command("/ask question:what did Kishida say: see https://x.org") == (
        "ask",
        {"question": "what did Kishida say: see https://x.org"},
    )
    assert parse_command("/briefings subscribe channel:#news time:09:00 days:mon, fri") == (
        "briefings subscribe",
        {"channel": "#news", "time": "09:00", "days": "mon, fri"},
    )
    assert parse_command("/about colour:red") == ("about", {"colour": "red"})


async def test_scripted_session_renders_each_reply(
    session: tuple[ConsoleSession, io.StringIO], kb: KnowledgeBase
) -> None:
    console_session, output = session
    await console_session.run(["/help", "", "   ", "/about", "quit", "/about"])
    text = output.getvalue()
    assert "Kuril Brief commands" in text
    assert f"Knowledge base version {kb.version}" in text
    assert text.count("About Kuril Brief") == 1, "lines after quit must not run"


async def test_unknown_command_and_option_get_polite_replies(
    session: tuple[ConsoleSession, io.StringIO],
) -> None:
    console_session, _ = session
    unknown = await console_session.handle("/weather")
    assert unknown is not None and unknown.ephemeral
    assert "There is no `/weather` command" in (unknown.embeds[0].description or "")
    bad_option = await console_session.handle("/about colour:red")
    assert bad_option is not None and "no option `colour`" in (
        bad_option.embeds[0].description or ""
    )


async def test_empty_lines_are_ignored(session: tuple[ConsoleSession, io.StringIO]) -> None:
    console_session, output = session
    assert await console_session.handle("") is None
    assert await console_session.handle(" \t ") is None
    assert output.getvalue() == ""


async def test_pressing_a_button_that_does_not_exist(
    session: tuple[ConsoleSession, io.StringIO],
) -> None:
    console_session, _ = session
    reply = await console_session.handle("7")
    assert reply is not None and reply.ephemeral


def test_console_reads_stdin_when_it_is_not_a_terminal(tmp_path: pytest.TempPathFactory) -> None:
    """The real entry point, scripted through a pipe, exits cleanly."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input="/about\n\n/nonsense\n",
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "KURIL_DATA_DIR": str(tmp_path), "DISCORD_TOKEN": ""},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "About Kuril Brief" in result.stdout
    assert "There is no /nonsense command" in result.stdout
    assert "Traceback" not in result.stderr


async def test_briefings_are_listed_but_explained_as_server_only(
    session: tuple[ConsoleSession, io.StringIO],
) -> None:
    console_session, _ = session
    help_reply = await console_session.handle("/help")
    assert help_reply is not None
    listed = [field.name for field in help_reply.embeds[0].fields]
    assert any(name.startswith("/briefings subscribe channel:") for name in listed)
    reply = await console_session.handle("/briefings list")
    assert reply is not None and reply.ephemeral
    assert "only in a server" in (reply.embeds[0].description or "")


def test_discord_quotes_end_at_their_line_in_the_console() -> None:
    from bot.console import discord_markdown

    output = io.StringIO()
    Console(file=output, width=60, color_system=None).print(
        discord_markdown("> the quoted sentence\n— the article's title")
    )
    quoted, title = [line for line in output.getvalue().splitlines() if line.strip()]
    assert quoted.startswith("▌") and "quoted sentence" in quoted
    assert not title.startswith("▌") and "article's title" in title


def test_discord_timestamps_are_shown_as_dates() -> None:
    """Noon UTC on 30 November is that date in every zone from UTC-11 to UTC+11."""
    from bot.console import discord_markdown

    output = io.StringIO()
    Console(file=output, width=80, color_system=None).print(
        discord_markdown("Due <t:1796040000:F>, on <t:1796040000:D>")
    )
    text = output.getvalue()
    assert "<t:" not in text
    assert "30 November 2026" in text
