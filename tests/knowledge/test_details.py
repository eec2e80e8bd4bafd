"""Which kind of detail a question asks for: read from data, checked against what entries state,
and declined (offering the entry) when the entry does not state it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.answerer import Answerer, answerer_for
from knowledge.base import KnowledgeBase
from knowledge.details import DETAILS_DIR, read_details
from knowledge.loader import DATA_DIR, load_knowledge_base, read_knowledge_base
from knowledge.questions import QUESTIONS_DIR
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="module")
def answerer(kb: KnowledgeBase) -> Answerer:
    return answerer_for(kb)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def write_details(data_dir: Path, language: str, text: str) -> Path:
    (data_dir / DETAILS_DIR).mkdir(exist_ok=True)
    (data_dir / DETAILS_DIR / f"{language}.toml").write_text(text, encoding="utf-8")
    return data_dir


def test_the_reader_finds_each_kind_a_question_asks_for(tmp_path: Path) -> None:
    reader, problems = read_details(
        write_details(
            tmp_path,
            "en",
            "[count]\nasked_by = ['\\bhow many\\b']\n"
            "[date]\nasked_by = ['\\bwhat year\\b', '\\bwhen exactly\\b']\n",
        )
    )
    assert problems == []
    assert reader.kinds == {"count", "date"}
    assert reader.asked("How MANY banks?") == {"count"}
    assert reader.asked("When, exactly, did it start?") == {"date"}
    assert reader.asked("why did russia stop the talks") == frozenset()


def test_no_file_asks_for_nothing_and_a_broken_one_is_a_problem(tmp_path: Path) -> None:
    reader, problems = read_details(tmp_path, "ja")
    assert problems == [] and reader.asked("何人？") == frozenset()
    _, problems = read_details(
        write_details(tmp_path, "en", "[count]\nasked_by = ['(unclosed']\n[date]\nasked_by = 1\n")
    )
    messages = [str(problem) for problem in problems]
    assert any("count: '(unclosed' is not a regular expression" in m for m in messages), messages
    assert any("date: asked_by must be a list" in m for m in messages), messages


def test_a_language_reads_its_own_words_into_the_english_kinds(data_copy: Path) -> None:
    """The hook for Japanese and Russian: a file per language, whose kinds must be English ones."""
    write_details(data_copy, "ru", "[count]\nasked_by = ['сколько']\n[colour]\nasked_by = ['x']\n")
    kb, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert kb is None
    assert any("colour: no such kind in details/en.toml" in str(p) for p in problems), problems


def test_an_entry_stating_an_unknown_kind_is_a_problem(data_copy: Path) -> None:
    path = data_copy / QUESTIONS_DIR / "sanctions.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '[japan-sanctions-banks]\nstates = ["count"]',
            '[japan-sanctions-banks]\nstates = ["colour"]',
        ),
        encoding="utf-8",
    )
    kb, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert kb is None
    assert any(
        "japan-sanctions-banks: states 'colour': no such kind" in str(p) for p in problems
    ), problems


def test_a_question_taught_to_an_entry_must_ask_only_what_it_states(data_copy: Path) -> None:
    """Else the data contradicts itself: the bot would decline a question it was taught."""
    path = data_copy / QUESTIONS_DIR / "sanctions.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            '[japan-sanctions-banks]\nstates = ["count"]\nquestions = [\n',
            '[japan-sanctions-banks]\nstates = ["count"]\nquestions = [\n'
            '    "which banks did japan sanction by name",\n',
        ),
        encoding="utf-8",
    )
    kb, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert kb is None
    assert any(
        "japan-sanctions-banks: 'which banks did japan sanction by name' asks for organisation"
        in str(p)
        for p in problems
    ), problems


@pytest.mark.parametrize(
    ("question", "related"),
    [
        ("could you tell me which banks tokyo blacklisted", "japan-sanctions-banks"),
        ("which particular components are banned from export", "japan-limits-high-tech-exports"),
        ("are the kuril talks going to restart", "talks-begin"),
        ("how many visas did russia cancel", "russia-ends-visa-free-travel"),
        ("who is the current russian ambassador in tokyo", "ambassador-summoned"),
        # the article dates the annexation "in the dying days of World War Two", no year
        ("What exact year did the Soviet Union annex the islands?", "soviet-annexation"),
        ("which year did the soviets take the islands", "soviet-annexation"),
        ("wat yr did the soviets annex the kurils lol", "soviet-annexation"),
        ("On what date did the USSR annex the Kurils?", "soviet-annexation"),
        # which ones, after the counted noun: どこ, どれ, 何という
        ("制裁を受けた7行って具体的にどこの銀行？", "japan-sanctions-banks"),
        ("日本が制裁した銀行はどれですか", "japan-sanctions-banks"),
        ("その7つの銀行って何という銀行？", "japan-sanctions-banks"),
        ("как называются банки под японскими санкциями", "japan-sanctions-banks"),
        # a count the entry does not give: いくつ, 何島, сколько островов
        ("千島列島には島がいくつあるんですか", "kuril-islands"),
        ("北方領土は何島からなるの？", "kuril-islands"),
        ("сколько островов входит в курилы", "kuril-islands"),
        # a place: どこで開かれた, где прошла встреча
        ("1951年に始まった交渉は最初どこで開催されたんですか", "talks-begin"),
        ("где прошла первая встреча на переговорах 1951 года", "talks-begin"),
    ],
)
def test_a_detail_the_entry_does_not_state_is_declined_with_the_entry_offered(
    answerer: Answerer, question: str, related: str
) -> None:
    answer = answerer.answer(question)
    assert not answer.answered, answer
    assert related in answer.suggestions, answer


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("how many individuals did japan sanction", "japan-sanctions-individuals"),
        ("how many ppl did japan sanction", "japan-sanctions-individuals"),
        ("when did the talks start", "talks-begin"),
        ("what year did the talks begin", "talks-begin"),
        ("who is japan's PM", "fumio-kishida"),
        ("where are the kuril islands", "islands-location-and-dispute"),
        ("what kind of goods did japan restrict", "japan-limits-high-tech-exports"),
        ("will the talks stop", "talks-will-stop"),
        ("when did the soviets take the islands", "soviet-annexation"),
        ("when exactly did the soviets annex the kurils", "soviet-annexation"),
        ("in what period did the ussr take the islands", "soviet-annexation"),
        ("since what year have the talks been going on", "talks-begin"),
        # Japanese and Russian
        ("日本が制裁した銀行はいくつ？", "japan-sanctions-banks"),
        ("千島列島はどこにあるの？", "islands-location-and-dispute"),
        ("交渉はいつから続いているの？", "talks-begin"),
        ("ロシアの対抗措置にはどんなものがある？", "russia-countermeasures"),
        ("сколько банков попало под японские санкции", "japan-sanctions-banks"),
        ("где находятся курильские острова", "islands-location-and-dispute"),
    ],
)
def test_details_the_entry_states_are_still_answered(
    answerer: Answerer, question: str, entry: str
) -> None:
    answer = answerer.answer(question)
    assert answer.answered and answer.entry_ids == (entry,), answer


def test_a_part_asking_for_an_unstated_detail_is_reported_not_in_the_sources(
    answerer: Answerer,
) -> None:
    answer = answerer.answer("how many banks did japan sanction, and what are their names?")
    assert answer.entry_ids == ("japan-sanctions-banks",)
    assert answer.unanswered_parts == 1


@pytest.mark.e2e  # trains a free-text model of its own
def test_stating_the_kind_is_what_lets_the_entry_answer(data_copy: Path) -> None:
    """The same question, once the curators say the entry states that kind, gets the entry: the
    decline comes from the data, not from the question's words alone."""
    question = "how many visas did russia cancel"
    path = data_copy / QUESTIONS_DIR / "sanctions.toml"
    text = path.read_text(encoding="utf-8")
    stated = text.replace(
        "[russia-ends-visa-free-travel]\nstates = []",
        '[russia-ends-visa-free-travel]\nstates = ["count"]',
    )
    assert stated != text
    path.write_text(stated, encoding="utf-8")
    answer = Answerer(load_knowledge_base(SEEDS_DIR, data_copy)).answer(question)
    assert answer.answered and answer.entry_ids == ("russia-ends-visa-free-travel",), answer


def test_a_year_is_asked_apart_from_when() -> None:
    """A "when" asks the `when` kind; a calendar year or day asks `year` as well, so an entry that
    says when but names no year answers the one and declines the other."""
    reader, problems = read_details(DATA_DIR)
    assert problems == []
    asks = reader.asked
    assert "year" in asks("which year did the soviets take the islands")
    assert "year" in asks("what exact year did the soviet union annex the islands")
    assert "year" not in asks("when did the soviets take the islands")
    assert "year" not in asks("what time period did russia take the islands")
