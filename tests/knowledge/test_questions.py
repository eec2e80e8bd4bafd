"""The curated training questions: loaded with the knowledge base, validated, counted."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.checks import check_knowledge_base
from knowledge.loader import DATA_DIR, read_knowledge_base
from knowledge.questions import MIN_QUESTIONS, OUT_OF_SCOPE, QUESTIONS_DIR
from tests.conftest import SEEDS_DIR

QUESTIONS = DATA_DIR / QUESTIONS_DIR


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def problems_of(data_dir: Path) -> list[str]:
    kb, problems = read_knowledge_base(SEEDS_DIR, data_dir)
    assert kb is None
    return [str(problem) for problem in problems]


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_every_entry_has_at_least_40_questions_and_out_of_scope_500(kb: KnowledgeBase) -> None:
    counts = kb.questions.counts()
    thin = {
        entry.id: counts.get(entry.id, 0) for entry in kb.entries if counts.get(entry.id, 0) < 40
    }
    assert not thin, thin
    assert counts[OUT_OF_SCOPE] >= 500
    assert set(kb.questions.groups) >= {
        "dispute_not_in_article",
        "other_conflicts",
        "off_topic",
        "chitchat",
        "abuse",
        "prompt_injection",
    }


def test_kb_check_reports_questions_per_entry_and_group() -> None:
    report = check_knowledge_base(SEEDS_DIR)
    assert report.ok, report.problems
    assert report.questions["reason-for-suspension"] >= 40
    assert report.questions[f"{OUT_OF_SCOPE}:prompt_injection"] > 0
    assert sum(report.questions.values()) == len(
        read_knowledge_base(SEEDS_DIR)[0].questions.examples  # type: ignore[union-attr]
    )


def test_a_question_under_an_unknown_entry_is_a_problem(data_copy: Path) -> None:
    append(data_copy / QUESTIONS_DIR / "facts.toml", '\n[no-such-entry]\nquestions = ["x"]\n')
    assert "questions/facts.toml: no-such-entry: no entry has this id" in problems_of(data_copy)


def test_a_question_under_two_labels_is_a_problem(data_copy: Path) -> None:
    """The same question (up to case and punctuation) filed twice can only confuse the model."""
    append(
        data_copy / QUESTIONS_DIR / "out_of_scope.toml",
        '\n[borrowed]\nquestions = ["Why did Russia SUSPEND the talks??"]\n',
    )
    (data_copy / QUESTIONS_DIR / "extra.toml").write_text(
        '[reason-for-suspension]\nquestions = ["why did russia suspend the talks"]\n',
        encoding="utf-8",
    )
    problems = problems_of(data_copy)
    assert (
        "questions/out_of_scope.toml: borrowed: 'Why did Russia SUSPEND the talks??' "
        "is also filed under 'reason-for-suspension'"
    ) in problems, problems


def test_malformed_question_tables_are_problems(data_copy: Path) -> None:
    (data_copy / QUESTIONS_DIR / "broken.toml").write_text(
        '[talks-begin]\nquestions = "one string"\n\n[ambassador-summoned]\nquestion = ["typo"]\n'
        '\n[hokkaido]\nquestions = ["hokkaido again pls"]\nnot_said = "one string"\n',
        encoding="utf-8",
    )
    problems = problems_of(data_copy)
    assert any("talks-begin: questions must be a list" in p for p in problems), problems
    assert any("ambassador-summoned: unexpected key 'question'" in p for p in problems), problems
    assert any("hokkaido: not_said must be a list" in p for p in problems), problems


def test_an_entry_with_too_few_questions_is_a_problem(data_copy: Path) -> None:
    path = data_copy / QUESTIONS_DIR / "events.toml"
    text = path.read_text(encoding="utf-8")
    block = re.compile(
        r"\n\[talks-begin\]\n(?:states = .*\n)?(?:lead = .*\n)?questions = \[\n(?:    .*\n)*?\]\n"
    )
    assert block.search(text), "test setup: talks-begin's table"
    path.write_text(block.sub("\n", text), encoding="utf-8")
    problems = problems_of(data_copy)
    assert (
        f"questions: talks-begin: 0 training questions; the model needs at least {MIN_QUESTIONS}"
        in problems
    )


def test_missing_questions_are_a_problem(data_copy: Path) -> None:
    shutil.rmtree(data_copy / QUESTIONS_DIR)
    assert "questions: training questions missing" in problems_of(data_copy)


def test_questions_change_the_version(kb: KnowledgeBase, data_copy: Path) -> None:
    append(
        data_copy / QUESTIONS_DIR / "out_of_scope.toml",
        '\n[more_off_topic]\nquestions = ["how tall is mount everest"]\n',
    )
    changed, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert not problems and changed is not None
    assert changed.version != kb.version
    assert changed.questions.groups["more_off_topic"] == 1


def test_the_shipped_questions_hold_no_copies() -> None:
    """As shipped, no language files one question twice (the check below finds nothing)."""
    kb, problems = read_knowledge_base(SEEDS_DIR)
    assert kb is not None, problems
    assert set(kb.translations) == {"ja", "ru"}


@pytest.mark.parametrize(
    ("language", "entry", "question", "copy"),
    [
        (
            "en",
            "reason-for-suspension",
            "Why did Russia suspend the talks?",
            "why did russia suspend the talks",
        ),
        ("ja", "japan-freezes-reserves", "日本は外貨準備を凍結した？", "日本は外貨準備を凍結した"),
        ("ru", "japan-freezes-reserves", "Япония заморозила резервы?", "япония ЗАМОРОЗИЛА резервы"),
        # Full-width and half-width forms are one question after normalisation.
        ("ja", "russia-foreign-ministry", "ロシア外務省って何２", "ﾛｼｱ外務省って何2"),
    ],
)
def test_a_question_filed_twice_in_one_language_is_a_problem(
    data_copy: Path, language: str, entry: str, question: str, copy: str
) -> None:
    """A copy under the same entry (up to case, punctuation and width) fails the load."""
    folder = data_copy / QUESTIONS_DIR / ("" if language == "en" else language)
    (folder / "copies.toml").write_text(
        f'[{entry}]\nquestions = ["{question}", "{copy}"]\n', encoding="utf-8"
    )
    problems = problems_of(data_copy)
    assert any(f"{copy!r} is filed twice (also in " in p for p in problems), problems


def test_the_same_question_in_two_languages_is_no_copy(data_copy: Path) -> None:
    """Duplicates are counted within a language: a loan word in two files is two questions."""
    for language in ("ja", "ru"):
        (data_copy / QUESTIONS_DIR / language / "loan.toml").write_text(
            '[fumio-kishida]\nquestions = ["Kishida who?"]\n', encoding="utf-8"
        )
    kb, problems = read_knowledge_base(SEEDS_DIR, data_copy)
    assert kb is not None, problems
