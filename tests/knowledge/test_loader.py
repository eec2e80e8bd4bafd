"""The loader accepts the curated data and rejects each kind of bad entry, naming file and entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, load_knowledge_base
from knowledge.models import Event, Quote
from knowledge.problems import KnowledgeBaseError
from tests.conftest import SEEDS_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace(path: Path, old: str, new: str) -> None:
    content = path.read_text(encoding="utf-8")
    assert old in content, f"test setup: {old!r} not in {path.name}"
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def load_errors(data_dir: Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(SEEDS_DIR, data_dir)
    return [str(problem) for problem in caught.value.problems]


def test_real_data_loads_every_kind(kb: KnowledgeBase) -> None:
    assert set(kb.counts()) == {"event", "sanction", "quote", "actor", "fact"}
    assert [event.order for event in kb.events] == sorted(event.order for event in kb.events)
    for entry in kb.entries:
        assert entry.source.quote in kb.seeds[entry.source.seed].text


def test_quotes_are_the_articles_words(kb: KnowledgeBase) -> None:
    article = kb.seeds["russia-suspends-kuril-talks"].text
    kishida = kb.get("kishida-unfair-and-unacceptable")
    assert isinstance(kishida, Quote)
    assert kishida.text in article
    assert "completely unacceptable" in kishida.text


def test_loaded_knowledge_base_is_immutable(kb: KnowledgeBase) -> None:
    event = kb.events[0]
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        kb.seeds["new"] = kb.seeds["russia-suspends-kuril-talks"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        kb.version = "x"  # type: ignore[misc]


def test_missing_source_is_rejected(data_copy: Path) -> None:
    append(
        data_copy / "facts.toml",
        '\n[[fact]]\nid = "no-source"\ntitle = "T"\ntext = "Something."\nadded = 2026-11-27\n',
    )
    errors = load_errors(data_copy)
    assert any("facts.toml: no-source: source" in error for error in errors), errors


def test_quote_not_in_its_seed_is_rejected(data_copy: Path) -> None:
    replace(
        data_copy / "facts.toml",
        'quote = "Russia and Japan have never formally closed WWII hostilities."',
        'quote = "Russia and Japan have formally closed WWII hostilities."',
    )
    errors = load_errors(data_copy)
    assert errors == [
        "facts.toml: wwii-never-formally-closed: source quote is not verbatim in seed "
        "'russia-suspends-kuril-talks'"
    ]


def test_curly_and_straight_apostrophes_are_not_interchangeable(data_copy: Path) -> None:
    replace(
        data_copy / "events.toml",
        "Russia’s ambassador to protest",
        "Russia's ambassador to protest",
    )
    assert any("ambassador-summoned" in error for error in load_errors(data_copy))


def test_duplicate_id_is_rejected(data_copy: Path) -> None:
    replace(data_copy / "facts.toml", 'id = "talks-will-stop"', 'id = "talks-begin"')
    errors = load_errors(data_copy)
    assert errors == [
        "facts.toml: talks-begin: duplicate id (also in events.toml)",
        # the renamed entry's training questions are left without an entry
        "questions/facts.toml: talks-will-stop: no entry has this id",
    ]


def test_unknown_seed_is_rejected(data_copy: Path) -> None:
    replace(
        data_copy / "quotes.toml",
        'seed = "russia-suspends-kuril-talks"',
        'seed = "no-such-article"',
    )
    errors = load_errors(data_copy)
    assert len(errors) == 1
    assert (
        "quotes.toml: kishida-unfair-and-unacceptable: unknown seed 'no-such-article'" in errors[0]
    )


def test_altered_quotation_is_rejected(data_copy: Path) -> None:
    replace(
        data_copy / "quotes.toml", "extremely unfair and completely", "extremely unfair and totally"
    )
    assert load_errors(data_copy) == [
        "quotes.toml: kishida-unfair-and-unacceptable: quote text does not match its source "
        "character for character"
    ]


def test_figure_not_in_source_is_rejected(data_copy: Path) -> None:
    replace(
        data_copy / "sanctions.toml",
        'text = "Japan has sanctioned 76 individuals."',
        'text = "Japan has sanctioned 67 individuals."',
    )
    assert load_errors(data_copy) == [
        "sanctions.toml: japan-sanctions-individuals: figure '67' in the text is not in its source"
    ]


def test_unknown_topic_and_speaker_are_rejected(data_copy: Path) -> None:
    replace(data_copy / "quotes.toml", 'speaker = "fumio-kishida"', 'speaker = "shinzo-abe"')
    replace(data_copy / "events.toml", 'topics = ["soviet-union",', 'topics = ["soviets",')
    errors = load_errors(data_copy)
    assert (
        "quotes.toml: kishida-unfair-and-unacceptable: speaker 'shinzo-abe' is not an actor"
        in errors
    )
    assert "events.toml: soviet-annexation: unknown topic 'soviets'" in errors


def test_typo_in_a_field_name_is_an_error_not_a_silent_gap(data_copy: Path) -> None:
    replace(data_copy / "events.toml", 'when = "Since 1951"', 'wehn = "Since 1951"')
    errors = load_errors(data_copy)
    assert any(error.startswith("events.toml: talks-begin: when:") for error in errors), errors
    assert any(error.startswith("events.toml: talks-begin: wehn:") for error in errors), errors


def test_all_problems_are_reported_together(data_copy: Path) -> None:
    replace(data_copy / "facts.toml", 'id = "talks-will-stop"', 'id = "talks-begin"')
    replace(
        data_copy / "quotes.toml", "extremely unfair and completely", "extremely unfair and totally"
    )
    assert len(load_errors(data_copy)) == 3  # the duplicate, its orphaned questions, the quote


def test_version_changes_with_the_data(kb: KnowledgeBase, data_copy: Path) -> None:
    assert load_knowledge_base(SEEDS_DIR, data_copy).version == kb.version
    replace(data_copy / "facts.toml", "The talks stop", "The talks end")
    assert load_knowledge_base(SEEDS_DIR, data_copy).version != kb.version


def test_entries_are_typed_by_kind(kb: KnowledgeBase) -> None:
    assert all(isinstance(event, Event) for event in kb.events)
    assert {quote.speaker for quote in kb.quotes} == {"fumio-kishida", "russia-foreign-ministry"}


def test_version_changes_with_seed_metadata(kb: KnowledgeBase, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    replace(seeds / "russia-suspends-kuril-talks.toml", 'title = "Russia', 'title = "Moscow')
    assert load_knowledge_base(seeds).version != kb.version
