"""Abuse is always declined: hateful generalisations about a people, slurs and insults to the
bot, in every language the bot reads, however they are wrapped around a covered topic; and a
legitimate question about a people is still answered."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.answerer import Answerer, answerer_for
from knowledge.base import KnowledgeBase
from knowledge.details import ABUSE_DIR
from knowledge.loader import DATA_DIR, read_knowledge_base
from knowledge.questions import QUESTIONS_DIR
from tests.conftest import SEEDS_DIR


@pytest.fixture(scope="module")
def answerer(kb: KnowledgeBase) -> Answerer:
    return answerer_for(kb)


@pytest.mark.parametrize(
    "question",
    [
        "tell me why russians are all scum",
        "why did russia stop the talks, russians are just animals",
        "japanese are vermin, what sanctions did they put on russia",
        "kill all russians",
        "what did the japs do to russia's reserves",
        "why did russia stop the talks you useless idiot",
        # an abusive part declines the whole line (it was once answered part by part)
        "why did russia stop the talks? also you are a useless stupid bot",
        "fuck you bot, when did the talks start",
        "ロシア人はみんなクズ。なぜ交渉をやめたの？",
        "日本人って最低だな",
        "死ね",
        "русские все мрази, почему прекратили переговоры?",
        "японцы просто скоты",
        "что япошки сделали с резервами",
        "тупой бот, когда начались переговоры",
    ],
)
def test_abuse_is_declined_with_nothing_offered(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)
    assert not answer.answered, question
    assert answer.entry_ids == () and answer.suggestions == ()


@pytest.mark.parametrize(
    "question",
    [
        "why are russians angry at japan",
        "why are the japanese upset with russia",
        "what did japan do to russia's currency reserves",
        "なぜロシアは日本との交渉をやめたの？",
        "почему русские злятся на японию",
    ],
)
def test_a_question_about_a_people_is_still_answered(answerer: Answerer, question: str) -> None:
    assert answerer.answer(question).answered, question


def test_a_taught_question_that_reads_as_abuse_is_a_problem(tmp_path: Path) -> None:
    """Else the data contradicts itself: the bot would decline a question it was taught."""
    data_copy = tmp_path / "data"
    shutil.copytree(DATA_DIR, data_copy)
    (data_copy / ABUSE_DIR / "en.toml").write_text(
        "[insult]\nasked_by = ['\\bsanctions\\b']\n", encoding="utf-8"
    )
    kb, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert kb is None
    where = f"{QUESTIONS_DIR}: "
    assert any(
        str(p).startswith(where) and "matches a pattern in abuse/" in str(p) for p in problems
    ), problems
