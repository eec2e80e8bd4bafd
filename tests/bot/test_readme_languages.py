"""The README's one example per language is what `kuril-brief ask` really prints."""

from __future__ import annotations

import re
import shlex

import pytest

from bot.cli import main
from tests.conftest import REPO_ROOT

# Each run loads the knowledge base and trains the free-text model afresh: seconds each.
pytestmark = [pytest.mark.usefixtures("clean_environment"), pytest.mark.e2e]


def examples() -> list[tuple[str, str]]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Languages\n", 1)[1]
    block = re.search(r"```console\n(.*?)```", section, re.DOTALL)
    assert block, "the Languages section has no console example"
    found = []
    for chunk in block.group(1).strip().split("\n\n"):
        command, *output = chunk.splitlines()
        found.append((command.removeprefix("$ "), "\n".join(output)))
    return found


def test_there_is_one_example_per_language() -> None:
    questions = [shlex.split(command)[-1] for command, _ in examples()]
    assert len(questions) == 3
    assert re.search(r"[a-z]", questions[0])
    assert re.search(r"[\u3040-\u30ff]", questions[1])
    assert re.search(r"[а-я]", questions[2])


@pytest.mark.parametrize(("command", "expected"), examples())
def test_the_example_is_the_real_output(
    command: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    arguments = shlex.split(command)
    assert arguments[0] == "kuril-brief"
    assert main(arguments[1:]) == 0
    assert capsys.readouterr().out.strip() == expected
