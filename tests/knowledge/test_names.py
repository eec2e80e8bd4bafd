"""Topic and speaker resolution: exact names and aliases, typos, and confident-only matches."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import names
from knowledge.base import KnowledgeBase
from knowledge.names import Named, NameIndex
from tests.conftest import examples


@pytest.mark.parametrize(
    ("typed", "speaker"),
    [
        ("Kishida", "fumio-kishida"),
        ("kishda", "fumio-kishida"),
        ("Japan's PM", "fumio-kishida"),
        ("Japan’s Prime Minister", "fumio-kishida"),
        ("japanese prime minster", "fumio-kishida"),
        ("fumio-kishida", "fumio-kishida"),
        ("Russian foreign ministry", "russia-foreign-ministry"),
        ("Russia's Foreign Ministry", "russia-foreign-ministry"),
        ("foreign minstry", "russia-foreign-ministry"),
        ("MFA", "russia-foreign-ministry"),
    ],
)
def test_speaker_aliases_and_typos_resolve(kb, typed, speaker) -> None:
    assert names.speakers(kb).resolve(typed) == speaker


@pytest.mark.parametrize(
    ("typed", "topic"),
    [
        ("Kurils", "kuril-islands"),
        ("kuril islnds", "kuril-islands"),
        ("Northern Territories", "kuril-islands"),
        ("WWII", "world-war-two"),
        ("world war 2", "world-war-two"),
        ("sanctons", "sanctions"),
        ("talks", "peace-talks"),
        ("the Kremlin", "russia"),
        ("Tokyo", "japan"),
        ("USSR", "soviet-union"),
        ("hokaido", "hokkaido"),
        ("ukrane", "ukraine"),
    ],
)
def test_topic_aliases_and_typos_resolve(kb, typed, topic) -> None:
    assert names.topics(kb).resolve(typed) == topic


@pytest.mark.parametrize("typed", ["", "  ", "pm", "xyz", "Putin", "Zelensky", "weather"])
def test_unrelated_or_too_short_queries_do_not_resolve(kb, typed) -> None:
    assert names.topics(kb).resolve(typed) is None
    assert names.speakers(kb).resolve(typed) is None


def test_speakers_are_only_actors_with_quotes(kb) -> None:
    quoted = {quote.speaker for quote in kb.quotes}
    assert set(names.speakers(kb).names) == quoted
    assert names.speakers(kb).resolve("Japan") is None
    assert names.topics(kb).resolve("Japan") == "japan"


def test_every_name_and_alias_resolves_to_its_own_topic(kb) -> None:
    index = names.topics(kb)
    for topic in kb.topics.values():
        assert index.resolve(topic.name) == topic.id
        assert index.resolve(topic.id) == topic.id
        for alias in topic.aliases:
            assert index.resolve(alias) in kb.topics


def test_an_id_or_name_beats_another_items_alias() -> None:
    index = NameIndex.of([Named("a", "Alpha", ("beta",)), Named("b", "Beta")])
    assert index.resolve("beta") == "b"


def test_ambiguous_fuzzy_matches_are_refused() -> None:
    index = NameIndex.of([Named("a", "Kuril North"), Named("b", "Kuril Nurth")])
    assert index.resolve("kuril narth") is None


def test_index_is_built_once_per_knowledge_base(kb) -> None:
    assert names.topics(kb) is names.topics(kb)
    assert names.speakers(kb) is names.speakers(kb)
    other = KnowledgeBase(kb.seeds, kb.entries, kb.themes, kb.version)
    assert names.topics(other) is not names.topics(kb)


def test_empty_query_suggests_everything_alphabetically(kb) -> None:
    suggested = names.topics(kb).suggest("")
    assert {item for item, _ in suggested} == set(kb.topics)
    shown = [name.lower().removeprefix("the ") for _, name in suggested]
    assert shown == sorted(shown)


def test_suggestions_rank_matching_names_first(kb) -> None:
    assert names.topics(kb).suggest("kur")[0] == ("kuril-islands", "Kuril Islands")
    assert names.speakers(kb).suggest("kishd")[0][0] == "fumio-kishida"
    assert names.topics(kb).suggest("sanc")[0][0] == "sanctions"


@settings(max_examples=examples(200), deadline=None)
@given(st.text(max_size=120))
def test_suggest_and_resolve_accept_any_input_within_discord_limits(
    kb: KnowledgeBase, typed: str
) -> None:
    for index in (names.topics(kb), names.speakers(kb)):
        suggestions = index.suggest(typed)
        assert len(suggestions) <= 25
        assert len({item for item, _ in suggestions}) == len(suggestions)
        assert all(item in index and 1 <= len(name) <= 100 for item, name in suggestions)
        resolved = index.resolve(typed)
        assert resolved is None or resolved in index


def test_suggestions_cap_at_25_and_names_at_100_characters() -> None:
    many = NameIndex.of(Named(f"id-{n}", f"Name {n} " + "long " * 40) for n in range(60))
    suggestions = many.suggest("")
    assert len(suggestions) == 25
    assert all(len(name) <= 100 for _, name in suggestions)
    assert len(many.suggest("name", limit=99)) == 25


@pytest.mark.parametrize(
    ("typed", "topic"),
    [
        ("制裁", "sanctions"),
        ("岸田首相", "fumio-kishida"),
        ("北方領土", "kuril-islands"),
        ("Курилы", "kuril-islands"),
        ("санкции", "sanctions"),
        ("Кисида", "fumio-kishida"),
    ],
)
def test_japanese_and_russian_names_resolve(kb: KnowledgeBase, typed: str, topic: str) -> None:
    assert names.topics(kb).resolve(typed) == topic


def test_a_russian_speaker_name_resolves(kb: KnowledgeBase) -> None:
    assert names.speakers(kb).resolve("Кисида") == "fumio-kishida"
    assert names.speakers(kb).resolve("岸田") == "fumio-kishida"
