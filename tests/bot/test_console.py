"""The console runs the real handlers on scripted input and stays polite on bad input."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from bot.console import ConsoleSession, parse_command
from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.bot.cli_process import KURIL_BRIEF, clean_env, kuril_brief
from tests.conftest import REPO_ROOT


@pytest.fixture
def output() -> io.StringIO:
    """What the `session` fixture's console prints."""
    return io.StringIO()


@pytest.fixture
def session(kb: KnowledgeBase, output: io.StringIO) -> ConsoleSession:
    return ConsoleSession(Services(kb=kb), Console(file=output, width=100, color_system=None))


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
    session: ConsoleSession, output: io.StringIO, kb: KnowledgeBase
) -> None:
    await session.run(["/help", "", "   ", "/about", "quit", "/about"])
    text = output.getvalue()
    assert "Kuril Brief commands" in text
    assert f"Knowledge base version {kb.version}" in text
    assert text.count("About Kuril Brief") == 1, "lines after quit must not run"


async def test_unknown_command_and_option_get_polite_replies(
    session: ConsoleSession,
) -> None:
    unknown = await session.handle("/weather")
    assert unknown is not None and unknown.ephemeral
    assert "There is no `/weather` command" in (unknown.embeds[0].description or "")
    bad_option = await session.handle("/about colour:red")
    assert bad_option is not None and "no option `colour`" in (
        bad_option.embeds[0].description or ""
    )


async def test_empty_lines_are_ignored(session: ConsoleSession, output: io.StringIO) -> None:
    assert await session.handle("") is None
    assert await session.handle(" \t ") is None
    assert output.getvalue() == ""


async def test_pressing_a_button_that_does_not_exist(
    session: ConsoleSession,
) -> None:
    reply = await session.handle("7")
    assert reply is not None and reply.ephemeral


def piped_console(tmp_path: Path, lines: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """`kuril-brief console` run for real with `lines` piped in; it must exit cleanly."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console", *arguments],
        input=lines,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={"PATH": "/usr/bin:/bin", "KURIL_DATA_DIR": str(tmp_path), "DISCORD_TOKEN": ""},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.e2e
def test_console_reads_stdin_when_it_is_not_a_terminal(tmp_path: Path) -> None:
    """The real entry point, scripted through a pipe, exits cleanly."""
    result = piped_console(tmp_path, "/about\n\n/nonsense\n")
    assert "About Kuril Brief" in result.stdout
    assert "There is no /nonsense command" in result.stdout
    assert "Traceback" not in result.stderr


async def test_briefings_are_listed_but_explained_as_server_only(
    session: ConsoleSession,
) -> None:
    help_reply = await session.handle("/help")
    assert help_reply is not None
    listed = [field.name for field in help_reply.embeds[0].fields]
    assert any(name.startswith("/briefings subscribe channel:") for name in listed)
    reply = await session.handle("/briefings list")
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


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/timeline topic Kuril", "`/timeline topic:Kuril`, not `/timeline topic Kuril`"),
        ("/quote Kishida", "Options are written name:value, for example `/quote speaker:Kishida`"),
        ("/about please", "`/about` takes no options"),
        (
            "/timeline:Kishid",
            "Put a space after the command name and write options as name:value: "
            "`/timeline topic:Kishid`.",
        ),
        (
            "/quote:",
            "Put a space after the command name and write options as name:value: `/quote`.",
        ),
        ("/about:x", "`/about` takes no options. Type `/about` alone."),
        ("/weather:rain", "There is no `/weather` command."),
    ],
)
async def test_a_missing_colon_is_said_plainly(
    session: ConsoleSession, line: str, expected: str
) -> None:
    reply = await session.handle(line)
    assert reply is not None and reply.ephemeral
    assert expected in (reply.embeds[0].description or "")


async def test_console_notices_follow_the_chosen_language(kb: KnowledgeBase) -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    japanese = ConsoleSession(Services(kb=kb), console, language="ja")
    reply = await japanese.handle("/timeline:Kishid")
    assert reply is not None and reply.ephemeral
    assert "コマンド名の後にスペースを入れ" in (reply.embeds[0].description or "")
    assert "`/timeline topic:Kishid`" in (reply.embeds[0].description or "")


async def test_options_with_colons_still_run(session: ConsoleSession) -> None:
    reply = await session.handle("/timeline topic:Kuril")
    assert reply is not None and not reply.ephemeral


@pytest.mark.e2e
def test_a_command_glued_to_its_value_is_said_plainly_in_a_real_console(tmp_path: Path) -> None:
    result = kuril_brief("console", home=tmp_path, input="/timeline:Kishid\n")
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "Put a space after the command name" in text and "/timeline topic:Kishid" in text
    assert "There is no / command" not in text


@pytest.mark.e2e
def test_piped_input_is_echoed_before_each_reply(tmp_path: Path) -> None:
    result = kuril_brief("console", home=tmp_path, input="/about\n\nhow many banks\nquit\n/help\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    echoes = [number for number, line in enumerate(lines) if line.startswith("> ")]
    assert [lines[number] for number in echoes] == ["> /about", "> how many banks", "> quit"]
    about, banks, _ = echoes
    assert any("About Kuril Brief" in line for line in lines[about:banks])
    assert any("seven" in line.lower() for line in lines[banks:])
    assert "Kuril Brief commands" not in result.stdout, "nothing runs after quit"


def read_until(fd: int, needle: bytes, seen: bytearray, start: int = 0) -> None:
    """Read the terminal into `seen` until `needle` appears after offset `start`."""
    deadline = time.monotonic() + 30
    while needle not in seen[start:]:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            raise AssertionError(f"no {needle!r} in 30s; screen:\n{seen.decode(errors='replace')}")
        try:
            seen += os.read(fd, 65536)
        except OSError:  # the terminal closed: the console ended
            raise AssertionError(
                f"ended before {needle!r}:\n{seen.decode(errors='replace')}"
            ) from None


def terminal_session(home: Path, keystrokes: list[bytes]) -> bytes:
    """`kuril-brief console` on a pty: send each keystroke line after the prompt returns."""
    main, terminal = pty.openpty()
    env = {**clean_env(home), "TERM": "xterm", "COLUMNS": "100"}
    process = subprocess.Popen(
        [str(KURIL_BRIEF), "console"], stdin=terminal, stdout=terminal, stderr=terminal,
        env=env, cwd=home, close_fds=True,
    )  # fmt: skip
    os.close(terminal)
    seen = bytearray()
    try:
        read_until(main, b"> ", seen)
        for keys in keystrokes:
            mark = len(seen)
            os.write(main, keys)
            if keys != b"quit\r":  # every other line here runs /about: wait for it and the prompt
                read_until(main, b"About Kuril Brief", seen, mark)
                read_until(main, b"> ", seen, seen.index(b"About Kuril Brief", mark))
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    return bytes(seen)


UP = b"\x1b[A"


@pytest.mark.e2e
def test_a_terminal_gets_line_editing_and_history(tmp_path: Path) -> None:
    """On a real terminal (a pty) the up arrow recalls the last line instead of typing ^[[A,
    and the history survives into the next session through the data directory."""
    screen = terminal_session(tmp_path, [b"/about\r", UP + b"\r", b"quit\r"])
    assert screen.count(b"About Kuril Brief") == 2
    assert b"^[[A" not in screen
    history = tmp_path / "data" / "console_history"
    assert history.read_text(encoding="utf-8").splitlines() == ["/about", "quit"]

    screen = terminal_session(tmp_path, [UP + UP + b"\r", b"quit\r"])  # a new session
    assert screen.count(b"About Kuril Brief") == 1


@pytest.mark.e2e
def test_console_lang_answers_in_the_language_picked(tmp_path: Path) -> None:
    """`console --lang ru`: an English question answered with the Russian translation, its
    source the article's English sentence; without --lang, a Japanese question in Japanese."""
    picked = piped_console(tmp_path, "How many banks did Japan sanction?\n", "--lang", "ru").stdout
    assert "Япония ввела санкции против семи банков." in picked
    assert "Перевод кураторов" in picked
    assert "seven banks" in picked  # the verbatim source
    own = piped_console(tmp_path, "日本は銀行何行に制裁を科したの？\n").stdout
    assert "日本は銀行7行に制裁を科した。" in own
    assert "出典（英語原文）" in own


async def test_console_notices_in_the_language_picked(kb: KnowledgeBase) -> None:
    output = io.StringIO()
    session = ConsoleSession(Services(kb=kb), Console(file=output, width=100), "ru")
    stray = await session.handle("/timeline topic Kuril")
    assert (
        stray is not None and "После имени параметра нужно двоеточие" in stray.embeds[0].description
    )
    press = await session.handle("7")
    assert press is not None and "нет кнопки с таким номером" in press.embeds[0].description
