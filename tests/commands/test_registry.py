"""The command table is complete enough for Discord: descriptions, choices, autocomplete."""

from __future__ import annotations

import re

import pytest

from commands.registry import COMMANDS, Choice, OptionSpec, complete, run_command
from tests.commands.helpers import invocation

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")


@pytest.mark.parametrize("spec", COMMANDS.values(), ids=list(COMMANDS))
def test_specs_meet_discords_rules(spec) -> None:
    assert all(NAME.match(part) for part in spec.name.split(" "))
    assert 1 <= len(spec.description) <= 100
    for option in spec.options:
        assert NAME.match(option.name)
        assert 1 <= len(option.description) <= 100
        assert len(option.choices) <= 25
        assert not (option.choices and option.autocomplete)


def test_product_md_options_are_declared() -> None:
    assert COMMANDS["timeline"].options[0].name == "topic"
    assert COMMANDS["timeline"].options[0].autocomplete is not None
    assert COMMANDS["quote"].options[0].name == "speaker"
    assert COMMANDS["quote"].options[0].autocomplete is not None
    assert COMMANDS["sanctions"].options[0].choices == ("japan", "russia")
    assert not COMMANDS["brief"].options
    for name in ("timeline", "sanctions", "quote", "brief", "about"):
        assert not any(option.required for option in COMMANDS[name].options)


def test_topic_autocomplete_offers_only_topics_with_events(services) -> None:
    choices = complete("timeline", "topic", services, "")
    values = {choice.value for choice in choices}
    assert "kuril-islands" in values and "trade" not in values
    assert all(isinstance(choice, Choice) and len(choice.name) <= 100 for choice in choices)
    assert complete("timeline", "topic", services, "kuril")[0].value == "kuril-islands"
    assert "event" in complete("timeline", "topic", services, "kuril")[0].name


def test_speaker_autocomplete_offers_quoted_speakers(services) -> None:
    assert complete("quote", "speaker", services, "kishd")[0].value == "fumio-kishida"
    values = {choice.value for choice in complete("quote", "speaker", services, "")}
    assert values == {quote.speaker for quote in services.kb.quotes}


def test_autocomplete_respects_limits_on_a_grown_kb(big_services) -> None:
    for typed in ("", "speaker", "s", "grown alias 3", "x" * 200):
        for command, option in (("timeline", "topic"), ("quote", "speaker")):
            choices = complete(command, option, big_services, typed)
            assert len(choices) <= 25
            assert all(1 <= len(c.name) <= 100 and 1 <= len(c.value) <= 100 for c in choices)


def test_autocomplete_for_unknown_options_is_empty(services) -> None:
    assert complete("about", "x", services, "") == []
    assert complete("nope", "x", services, "") == []
    assert complete("sanctions", "side", services, "") == []


def test_an_option_cannot_have_both_choices_and_autocomplete() -> None:
    with pytest.raises(ValueError):
        OptionSpec("x", "d", choices=("a",), autocomplete=lambda services, typed: [])
    with pytest.raises(TypeError):
        OptionSpec("x", "d", autocomplete=True)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("timeline", {}),
        ("timeline", {"topic": "Kurils"}),
        ("sanctions", {}),
        ("sanctions", {"side": "russia"}),
        ("quote", {}),
        ("quote", {"speaker": "Kishida"}),
        ("brief", {}),
        ("about", {}),
        ("help", {}),
    ],
)
async def test_every_command_runs_through_the_registry(services, name, options) -> None:
    reply = run_command(name, services, invocation(), options)
    assert not reply.ephemeral or name == "help"


async def test_unknown_options_are_refused_politely(services) -> None:
    reply = run_command("timeline", services, invocation(), {"speaker": "x"})
    assert reply.ephemeral
