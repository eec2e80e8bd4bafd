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
    ("index", "typed", "expected"),
    [
        ("speakers", "Kishida", "fumio-kishida"),
        ("speakers", "kishda", "fumio-kishida"),
        ("speakers", "Japan's PM", "fumio-kishida"),
        ("speakers", "Japan’s Prime Minister", "fumio-kishida"),
        ("speakers", "japanese prime minster", "fumio-kishida"),
        ("speakers", "fumio-kishida", "fumio-kishida"),
        ("speakers", "Russian foreign ministry", "russia-foreign-ministry"),
        ("speakers", "Russia's Foreign Ministry", "russia-foreign-ministry"),
        ("speakers", "foreign minstry", "russia-foreign-ministry"),
        ("speakers", "MFA", "russia-foreign-ministry"),
        ("topics", "Kurils", "kuril-islands"),
        ("topics", "kuril islnds", "kuril-islands"),
        ("topics", "Northern Territories", "kuril-islands"),
        ("topics", "WWII", "world-war-two"),
        ("topics", "world war 2", "world-war-two"),
        ("topics", "sanctons", "sanctions"),
        ("topics", "talks", "peace-talks"),
        ("topics", "the Kremlin", "russia"),
        ("topics", "Tokyo", "japan"),
        ("topics", "USSR", "soviet-union"),
        ("topics", "hokaido", "hokkaido"),
        ("topics", "ukrane", "ukraine"),
    ],
)
def test_aliases_and_typos_resolve(kb, index, typed, expected) -> None:
    assert getattr(names, index)(kb).resolve(typed) == expected


@pytest.mark.parametrize("typed", ["", "  ", "pm", "xyz", "Putin", "Zelensky", "weather"])
def test_unrelated_or_too_short_queries_do_not_resolve(kb, typed) -> None:
    assert names.topics(kb).resolve(typed) is None
    assert names.speakers(kb).resolve(typed) is None


def test_resolve_given_tells_nothing_given_from_a_name_that_names_nothing(kb) -> None:
    topics = names.topics(kb)
    assert topics.resolve_given(None) is None
    assert topics.resolve_given("  ") is None
    assert topics.resolve_given(" Kurils") == "kuril-islands"
    with pytest.raises(names.UnknownNameError) as raised:
        topics.resolve_given("weather ")
    assert raised.value.query == "weather "


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
