"""Every command in a scripted console session, as `kuril-brief console` runs them."""

from __future__ import annotations

import io

from rich.console import Console

from bot.console import ConsoleSession, parse_command
from commands.context import Services
from knowledge.base import KnowledgeBase
from tests.commands.helpers import text_of


def session(kb: KnowledgeBase) -> tuple[ConsoleSession, io.StringIO]:
    out = io.StringIO()
    return ConsoleSession(Services(kb), Console(file=out, width=120, color_system=None)), out


def test_key_value_options_parse() -> None:
    assert parse_command("/quote speaker:Japan's PM") == ("quote", {"speaker": "Japan's PM"})
    assert parse_command("/timeline topic:Kuril Islands") == (
        "timeline",
        {"topic": "Kuril Islands"},
    )
    assert parse_command("/sanctions side:japan") == ("sanctions", {"side": "japan"})


async def test_timeline_pages_by_pressing_button_numbers(kb: KnowledgeBase) -> None:
    console, _ = session(kb)
    pages = [await console.handle("/timeline")]
    console.last_reply = pages[0]
    # Page 1 shows only "Next" as [2]; later pages show [1] Previous and [2] Next.
    for _ in range(5):
        reply = await console.handle("2")
        if reply.ephemeral:
            break
        pages.append(reply)
        console.last_reply = reply
    seen = "\n".join(text_of(page) for page in pages)
    for event in kb.events:
        assert seen.count(event.text) == 1
    back = await console.handle("1")
    assert "Page 2 of" in back.embeds[0].footer


async def test_each_command_answers_in_the_console(kb: KnowledgeBase) -> None:
    console, _ = session(kb)
    sanctions = text_of(await console.handle("/sanctions side:japan"))
    assert "76 individuals" in sanctions and "seven banks" in sanctions
    quote = await console.handle("/quote speaker:kishda")
    assert quote.embeds[0].title == "Fumio Kishida"
    unknown = await console.handle("/quote speaker:Putin")
    assert unknown.ephemeral and "Fumio Kishida" in text_of(unknown)
    brief = await console.handle("/brief")
    assert brief.embeds[0].title.startswith("Kuril Brief · ")
    about = await console.handle("/about")
    assert kb.version in about.embeds[0].footer
    narrowed = await console.handle("/timeline topic:Russian foreign ministry")
    assert narrowed.embeds[0].title == "Timeline: Russia's Foreign Ministry"


async def test_a_scripted_run_renders_every_command(kb: KnowledgeBase) -> None:
    console, out = session(kb)
    await console.run(
        [
            "/timeline",
            "2",
            "/sanctions",
            "/sanctions side:nowhere",
            "/quote",
            "/quote speaker:Russian foreign ministry",
            "/brief",
            "/about",
            "/help",
            "quit",
            "/about",
        ]
    )
    text = out.getvalue()
    assert "Page 2 of 3" in text
    assert "Japan's sanctions on Russia" in text and "Russia's countermeasures" in text
    assert "only you can see this" in text
    assert "Russia's Foreign Ministry" in text
    assert "Kuril Brief ·" in text
    assert text.count("About Kuril Brief") == 1  # nothing runs after quit
    assert "Traceback" not in text
