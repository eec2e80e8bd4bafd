"""`kuril-brief console`: the bot's commands in a terminal, rendered with rich.

It runs exactly the handlers the Discord layer runs. Lines starting with `/` are commands
with `key:value` options (`/quote speaker:Kishida`); a number presses a button of the last
reply; anything else is a free-text question. On a terminal, lines can be edited and recalled
(stdlib readline; the history is kept in the data directory). When stdin is not a terminal it
reads one line at a time and echoes each before its reply, so it can be scripted and the
transcript still shows which reply answers which line.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from rich.console import Console, Group
from rich.markdown import Markdown
from rich.panel import Panel
from rich.text import Text

from commands.ask import ask_reply
from commands.context import Invocation, Services
from commands.i18n import N_, say
from commands.messages import Button, Reply
from commands.registry import COMMANDS, run_command, run_component, stranger_refusal

CONSOLE_USER_ID = 1
_OPTION = re.compile(r"(?:^|\s)([A-Za-z_]+):")
EXIT_WORDS = {"exit", "quit", "/exit", "/quit"}
TAKES_NO_OPTIONS = N_("`/{name}` takes no options. Type `/{name}` alone.")


def parse_command(line: str) -> tuple[str, dict[str, str]]:
    """Split `/name [sub] key:value ...` into the command name and its options.

    After the first option, only the command's own option names start a new option, so a
    value may hold colons and words such as `say:` or `https:` (`/ask question:what did
    Kishida say: anything`). An unknown first option is kept, to be reported as unknown.
    """
    body = line.strip().removeprefix("/")
    first_option = _OPTION.search(body)
    head = body[: first_option.start()] if first_option else body
    words = head.split()
    name = " ".join(words[:2]) if " ".join(words[:2]) in COMMANDS else " ".join(words[:1])
    spec = COMMANDS.get(name.lower())
    known = {option.name for option in spec.options} if spec else set()
    options: dict[str, str] = {}
    if first_option:
        starts = [first_option] + [
            match
            for match in _OPTION.finditer(body, first_option.end())
            if match.group(1).lower() in known
        ]
        for match, following in zip(starts, [*starts[1:], None], strict=True):
            end = following.start() if following else len(body)
            options[match.group(1).lower()] = body[match.end() : end].strip()
    return name.lower(), options


def stray_words(line: str) -> list[str]:
    """Words after the command name that are not `key:value` options (`/timeline topic Kuril`)."""
    body = line.strip().removeprefix("/")
    first_option = _OPTION.search(body)
    head = body[: first_option.start()] if first_option else body
    name, _ = parse_command(line)
    return head.split()[len(name.split()) :]


def stray_words_notice(name: str, stray: list[str], language: str = "en") -> Reply:
    """Plain words where options go: say how to write them instead of ignoring them."""
    spec = COMMANDS[name]
    option_names = [option.name for option in spec.options]
    if not option_names:
        return Reply.notice(say(language, TAKES_NO_OPTIONS, name=name))
    if stray[0].lower() in option_names and len(stray) > 1:
        fixed = f"/{name} {stray[0].lower()}:{' '.join(stray[1:])}"
        typed = f"/{name} {' '.join(stray)}"
        return Reply.notice(
            say(
                language,
                "An option needs a colon after its name: `{fixed}`, not `{typed}`.",
                fixed=fixed,
                typed=typed,
            )
        )
    fixed = f"/{name} {option_names[0]}:{' '.join(stray)}"
    return Reply.notice(
        say(
            language,
            "Options are written name:value, for example `{fixed}`. Usage: `{usage}`.",
            fixed=fixed,
            usage=spec.usage(),
        )
    )


_GLUED = re.compile(r"/\s*([A-Za-z_]+):(.*)", re.DOTALL)


def glued_name(line: str) -> tuple[str, str] | None:
    """(name, value) for `/timeline:Kishid`, a command name written like an option; else None."""
    match = _GLUED.fullmatch(line.strip())
    return (match[1].lower(), match[2].strip()) if match else None


def glued_name_notice(name: str, value: str, language: str = "en") -> Reply:
    """`/timeline:Kishid`: show the line as it should be written."""
    option_names = [option.name for option in COMMANDS[name].options]
    if not option_names:
        return Reply.notice(say(language, TAKES_NO_OPTIONS, name=name))
    fixed = f"/{name} {option_names[0]}:{value}" if value else f"/{name}"
    return Reply.notice(
        say(
            language,
            "Put a space after the command name and write options as name:value: `{fixed}`.",
            fixed=fixed,
        )
    )


def render(reply: Reply) -> Group:
    """A reply as rich renderables: embeds as panels, buttons as numbered choices."""
    parts: list[Panel | Text | Markdown] = []
    if reply.ephemeral:
        parts.append(Text("(only you can see this)", style="dim italic"))
    if reply.content:
        parts.append(discord_markdown(reply.content))
    for embed in reply.embeds:
        body: list[Markdown | Text] = []
        if embed.description:
            body.append(discord_markdown(embed.description))
        for field in embed.fields:
            body.append(Text(field.name, style="bold"))
            body.append(discord_markdown(field.value))
        if embed.footer:
            body.append(Text(embed.footer, style="dim"))
        parts.append(
            Panel(
                Group(*body),
                title=embed.title,
                title_align="left",
                border_style=f"#{embed.colour:06x}",
            )
        )
    buttons = flat_buttons(reply)
    if buttons:
        choices = "  ".join(
            f"[{number}] {button.label}"
            for number, button in enumerate(buttons, 1)
            if not button.disabled
        )
        parts.append(Text(f"Buttons: {choices}  (type the number)", style="cyan"))
    return Group(*parts)


_TIMESTAMP = re.compile(r"<t:(-?\d{1,12})(?::([tTdDfFR]))?>")


def _local_time(match: re.Match[str]) -> str:
    """Discord shows `<t:…>` in each reader's zone; the console shows the machine's."""
    when = dt.datetime.fromtimestamp(int(match.group(1)), dt.UTC).astimezone()
    if match.group(2) in ("d", "D"):
        return f"{when:%A} {when.day} {when:%B %Y}"
    return f"{when:%A} {when.day} {when:%B %Y}, {when:%H:%M %Z}"


def discord_markdown(text: str) -> Markdown:
    """Discord's Markdown read by CommonMark: a line break is a break, and `>` quotes one line.

    CommonMark joins lines into paragraphs and lets a quote run on into the next line, so
    breaks become hard breaks and a quote is closed by an empty line before unquoted text.
    """
    text = _TIMESTAMP.sub(_local_time, text)
    lines: list[str] = []
    for line in text.split("\n"):
        if lines and lines[-1].startswith(">") and not line.startswith(">"):
            lines.append("")
        lines.append(line)
    return Markdown("  \n".join(lines))


def flat_buttons(reply: Reply) -> list[Button]:
    return [button for row in reply.buttons for button in row]


class ConsoleSession:
    """One console user: remembers the last reply so its buttons can be pressed."""

    def __init__(self, services: Services, console: Console, language: str | None = None) -> None:
        self.services = services
        self.console = console
        self.language = language
        """Answers in this language (`console --lang`); None: each question's own."""
        self.last_reply: Reply | None = None

    def invocation(self) -> Invocation:
        return Invocation(
            user_id=CONSOLE_USER_ID, now=dt.datetime.now(dt.UTC), language=self.language
        )

    async def handle(self, line: str) -> Reply | None:
        """Turn one input line into a reply; `None` for an empty line."""
        line = line.strip()
        if not line:
            return None
        if line.isdigit():
            return await self._press(int(line))
        if line.startswith("/"):
            glued = glued_name(line)
            if glued is not None and glued[0] in COMMANDS:
                return glued_name_notice(*glued, self.language or "en")
            if glued is not None:  # `/weather:x`: an unknown command, said as such
                return run_command(glued[0], self.services, self.invocation(), {})
            name, options = parse_command(line)
            stray = stray_words(line)
            if name in COMMANDS and stray:
                return stray_words_notice(name, stray, self.language or "en")
            return run_command(name, self.services, self.invocation(), options)
        return ask_reply(self.services, self.invocation(), line)

    async def _press(self, number: int) -> Reply:
        # Numbered as `render` shows them: over all buttons, disabled ones just not offered.
        buttons = flat_buttons(self.last_reply) if self.last_reply else []
        if not 1 <= number <= len(buttons) or buttons[number - 1].disabled:
            return Reply.notice(
                say(self.language, "There is no button with that number on the last reply.")
            )
        custom_id, invocation = buttons[number - 1].custom_id, self.invocation()
        refusal = stranger_refusal(custom_id, invocation)
        return refusal or run_component(custom_id, self.services, invocation)

    async def run(self, lines: Iterable[str], *, echo: bool = False) -> None:
        """Answer each line; `echo` shows each line first (piped input, so a transcript shows
        which reply answers which line)."""
        for line in lines:
            if echo and line.strip():
                self.console.print(Text(f"> {line.strip()}", style="bold"))
            if line.strip().lower() in EXIT_WORDS:
                break
            reply = await self.handle(line)
            if reply is None:
                continue
            if flat_buttons(reply):
                self.last_reply = reply
            self.console.print(render(reply))


PROMPT = "> "
HISTORY_FILE = "console_history"
HISTORY_LENGTH = 1000


def terminal_lines(console: Console, history: Path | None) -> Iterator[str]:
    """Prompted lines with line editing and history (stdlib readline), kept in `history`."""
    import readline  # importing it gives input() line editing and history

    if history is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
    readline.set_history_length(HISTORY_LENGTH)
    console.print(
        "[bold]Kuril Brief console[/bold]: type /help for commands, a question, or quit to "
        "leave. Arrow keys edit and recall earlier lines."
    )
    try:
        while True:
            try:
                # Plain input(): readline must know the prompt to redraw the line correctly.
                yield input(PROMPT)
            except (EOFError, KeyboardInterrupt):
                console.print()
                return
    finally:
        if history is not None:
            with contextlib.suppress(OSError):
                history.parent.mkdir(parents=True, exist_ok=True)
                readline.write_history_file(history)


def run_console_session(services: Services, data_dir: Path, language: str | None = None) -> int:
    """`kuril-brief console`: interactive on a terminal, scripted (and echoed) from a pipe;
    `language` answers questions in that language rather than each question's own."""
    console = Console()
    session = ConsoleSession(services, console, language)
    if sys.stdin.isatty():
        asyncio.run(session.run(terminal_lines(console, data_dir / HISTORY_FILE)))
    else:
        asyncio.run(session.run(sys.stdin, echo=True))
    return 0
