"""Every slash-command string the tree registers has a Japanese and a Russian version within
Discord's limits (names: 1–32 lower-case letters, digits, - or _; descriptions: 1–100)."""

from __future__ import annotations

import re

import pytest

from commands.command_locales import (
    CHOICES,
    DESCRIPTIONS,
    GROUP_DESCRIPTION,
    LOCALISED_LANGUAGES,
    NAMES,
    choice_label,
    localised,
)
from commands.registry import COMMANDS

# Discord's name rule, for the scripts used here (Unicode letters and digits, - and _).
NAME = re.compile(r"^[-_'\w]{1,32}$")


def registered() -> tuple[set[str], set[str], set[str]]:
    """Names, descriptions and choices the Discord layer registers, from the command table."""
    names: set[str] = set()
    descriptions = {GROUP_DESCRIPTION}
    choices: set[str] = set()
    for spec in COMMANDS.values():
        names.update(spec.name.split())
        descriptions.add(spec.description)
        for option in spec.options:
            names.add(option.name)
            descriptions.add(option.description)
            choices.update(option.choices)
    return names, descriptions, choices


@pytest.mark.parametrize("language", LOCALISED_LANGUAGES)
def test_every_registered_string_is_localised(language: str) -> None:
    names, descriptions, choices = registered()
    for name in names:
        assert localised(name, language, "name"), f"command/option name {name!r} in {language}"
    for description in descriptions:
        assert localised(description, language, "description"), f"{description!r} in {language}"
    for choice in choices:
        assert localised(choice, language, "choice"), f"choice {choice!r} in {language}"


def test_nothing_is_translated_that_is_not_registered() -> None:
    names, descriptions, choices = registered()
    assert set(NAMES) == names
    assert set(DESCRIPTIONS) == descriptions
    assert set(CHOICES) == choices


@pytest.mark.parametrize("language", LOCALISED_LANGUAGES)
def test_localised_strings_keep_to_discords_limits(language: str) -> None:
    for english, versions in NAMES.items():
        name = versions[language]
        assert NAME.match(name) and name == name.lower(), (english, name)
    for versions in DESCRIPTIONS.values():
        assert 1 <= len(versions[language]) <= 100
    for versions in CHOICES.values():
        assert 1 <= len(versions[language]) <= 100


def test_option_names_are_unique_within_each_command() -> None:
    for spec in COMMANDS.values():
        for language in LOCALISED_LANGUAGES:
            shown = [NAMES[option.name][language] for option in spec.options]
            assert len(shown) == len(set(shown)), (spec.name, language)


def test_a_choice_shows_its_english_name_where_its_value_is_a_code() -> None:
    assert [choice_label(value) for value in ("en", "ja", "ru")] == [
        "English",
        "Japanese",
        "Russian",
    ]
    assert choice_label("japan") == "japan"
