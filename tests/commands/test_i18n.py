"""The message catalogues: every wording the handlers mark is translated into Japanese and
Russian, with the same placeholders; untranslated or unknown falls back to English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from commands.i18n import CATALOGUED, KEYWORDS, LOCALE_DIR, catalogue, language_of, say
from tests.conftest import REPO_ROOT

PLACEHOLDER = re.compile(r"\{(\w*)\}")


def marked() -> set[str]:
    """Every message id the handlers mark, found as `pybabel extract -k say:2 -k N_` would."""
    found = set()
    for folder in ("commands", "bot"):
        for _, _, message, _, _ in extract_from_dir(
            REPO_ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def translated(language: str) -> dict[str, str]:
    """Every translated message id (a plural's singular), to its translation (all forms)."""
    found = catalogue(language)
    return {**found.messages, **{key: " | ".join(v) for key, v in found.plurals.items()}}


def test_the_handlers_mark_their_wordings() -> None:
    messages = marked()
    assert "Did you mean {names}?" in messages
    assert "That suggestion is no longer available. Please ask your question again." in messages
    assert len(messages) >= 20


@pytest.mark.parametrize("language", CATALOGUED)
def test_every_marked_message_is_translated(language: str) -> None:
    missing = sorted(marked() - set(translated(language)))
    assert not missing, f"{language} catalogue lacks: {missing}"


def placeholder_problems(messages: dict[str, str]) -> list[str]:
    """Translations whose placeholders differ from their English, or that are the English."""
    return [
        f"{english!r} -> {wording!r}"
        for english, wording in messages.items()
        if sorted(PLACEHOLDER.findall(wording)) != sorted(PLACEHOLDER.findall(english))
        or wording == english
    ]


@pytest.mark.parametrize("language", CATALOGUED)
def test_translations_keep_every_placeholder(language: str) -> None:
    assert not placeholder_problems(catalogue(language).messages)
    for english, forms in catalogue(language).plurals.items():
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == sorted(PLACEHOLDER.findall(english)), (
                f"{language}: {english!r} -> {form!r}"
            )


def test_a_catalogue_with_a_lost_placeholder_is_caught(tmp_path: Path) -> None:
    """The check above is not vacuous: the real catalogue with one placeholder dropped fails."""
    po = (LOCALE_DIR / "ru" / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    broken = po.replace('msgstr "Часть {number} из {parts}"', 'msgstr "Часть {number}"')
    assert broken != po
    path = tmp_path / "messages.po"
    path.write_text(broken, encoding="utf-8")
    with path.open("rb") as file:
        read = read_po(file)
        messages = {m.id: m.string for m in read if isinstance(m.id, str) and m.id and m.string}
    assert placeholder_problems(messages) == ["'Part {number} of {parts}' -> 'Часть {number}'"]


def test_say_fills_placeholders_and_falls_back_to_english() -> None:
    assert say("ru", "Part {number} of {parts}", number=1, parts=2) == "Часть 1 из 2"
    assert say("ja", "Part {number} of {parts}", number=1, parts=2) == "2件中1件目"
    assert say("en", "Part {number} of {parts}", number=1, parts=2) == "Part 1 of 2"
    assert say("de", "Source") == "Source"
    assert say("ja", "a wording nobody marked") == "a wording nobody marked"


@pytest.mark.parametrize(
    ("locale", "language"),
    [("ja", "ja"), ("ru", "ru"), ("en-US", "en"), ("en-GB", "en"), ("pt-BR", "en"), (None, "en")],
)
def test_discord_locales_map_to_languages(locale: str | None, language: str) -> None:
    assert language_of(locale) == language


@pytest.mark.parametrize("language", CATALOGUED)
def test_no_catalogued_message_is_stale(language: str) -> None:
    """Every translation is of a message the code still marks (an f-string would hide one)."""
    assert not sorted(set(translated(language)) - marked())
