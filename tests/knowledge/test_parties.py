"""Parties the article never speaks of: read from data, found in questions, declined."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.answerer import Answerer, answerer_for
from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, read_knowledge_base
from knowledge.parties import PARTIES_FILE, read_parties
from knowledge.questions import OUT_OF_SCOPE
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="module")
def answerer(kb: KnowledgeBase) -> Answerer:
    return answerer_for(kb)


def write_parties(tmp_path: Path, text: str) -> Path:
    (tmp_path / PARTIES_FILE).write_text(text, encoding="utf-8")
    return tmp_path


def test_names_match_as_whole_words_and_short_capitals_only_as_written(tmp_path: Path) -> None:
    parties, problems = read_parties(
        write_parties(
            tmp_path,
            '[united-states]\nnames = ["US", "U.S.", "White House"]\n'
            '[china]\nnames = ["China", "Beijing"]\n',
        )
    )
    assert problems == []
    assert parties.named_in("So what did the U.S. make of it?") == {"united-states"}
    assert parties.named_in("did the white house and beijing comment") == {
        "united-states",
        "china",
    }
    assert parties.named_in("can you tell us about the talks") == frozenset()
    assert parties.named_in("TELL US ABOUT THE TALKS") == frozenset()
    assert parties.named_in("what about the chinaware trade") == frozenset()


def test_a_party_without_names_is_a_problem_and_no_file_is_no_parties(tmp_path: Path) -> None:
    parties, problems = read_parties(tmp_path)
    assert problems == [] and parties.named_in("what did China say") == frozenset()
    _, problems = read_parties(write_parties(tmp_path, '[nato]\nnames = []\n[eu]\nname = "EU"\n'))
    assert [str(problem) for problem in problems] == [
        f"{PARTIES_FILE}: nato: names must be a list of names",
        f"{PARTIES_FILE}: eu: names must be a list of names",
    ]


def test_a_broken_parties_file_stops_the_load(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / PARTIES_FILE).write_text("[nato\n", encoding="utf-8")
    kb, problems = read_knowledge_base(SEEDS_DIR, data)
    assert kb is None
    assert any(PARTIES_FILE in str(problem) for problem in problems), problems


@pytest.mark.parametrize(
    "question",
    [
        "So how did Washington take the news that Moscow froze the island talks?",
        "what did the white house say after japan sanctioned russia",
        "did NATO have anything to say about the kuril negotiations ending",
        "What was Putin's own explanation for walking out of the talks?",
        "has beijing said anything about russia ending visa-free trips",
    ],
)
def test_what_a_party_the_article_never_speaks_of_said_is_declined(
    answerer: Answerer, question: str
) -> None:
    assert not answerer.answer(question).answered


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        (
            "so what did tokyo say when moscow froze the island talks",
            "kishida-unfair-and-unacceptable",
        ),
        ("can you tell us why russia walked out of the talks", "reason-for-suspension"),
    ],
)
def test_the_parties_the_article_speaks_of_are_still_answered(
    answerer: Answerer, question: str, entry: str
) -> None:
    answer = answerer.answer(question)
    assert answer.answered and entry in answer.entry_ids, answer


def test_a_part_asking_about_a_stranger_is_reported_not_in_the_sources(
    answerer: Answerer,
) -> None:
    answer = answerer.answer("when did the island talks start and what does the EU make of it?")
    assert answer.entry_ids == ("talks-begin",)
    assert answer.unanswered_parts == 1


def test_near_misses_beside_an_entry_are_out_of_scope(
    kb: KnowledgeBase, answerer: Answerer
) -> None:
    labels = dict(kb.questions.examples)
    assert labels["name the seven banks japan went after"] == OUT_OF_SCOPE
    assert kb.questions.groups["not_said"] > 0
    assert not answerer.answer("could you give me the names of the banks on tokyo's list").answered
    assert answerer.answer("how many russian banks are on tokyo's list").entry_ids == (
        "japan-sanctions-banks",
    )
