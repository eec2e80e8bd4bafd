"""The question model cached on disk: reused for the same knowledge base, rebuilt when anything
it depends on changes or the file is damaged, and never a reason for start-up to fail."""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from knowledge import answerer as answerer_module
from knowledge.answerer import Answerer
from knowledge.base import KnowledgeBase
from knowledge.model_cache import FOLDER, PREFIX
from knowledge.question_model import WORD_NGRAMS, QuestionModel, word_ngrams
from tests.conftest import REPO_ROOT
from tests.knowledge.teaching import TAUGHT_ENTRY, UNSEEN_QUESTION, taught_knowledge_base

# Every test trains the free-text model at least once: seconds each.
pytestmark = pytest.mark.e2e

QUESTIONS = [
    "why did russia stop the talks",
    "how many banks did japan sanction",
    "what is the best pizza topping",
    "When did the talks start and what's the population of the islands?",
]


def cached(folder: Path) -> list[Path]:
    return sorted((folder / FOLDER).glob(f"{PREFIX}*"))


def same_answers(first: Answerer, second: Answerer) -> bool:
    return [first.answer(q) for q in QUESTIONS] == [second.answer(q) for q in QUESTIONS]


def no_training(monkeypatch: pytest.MonkeyPatch) -> None:
    """From here on, training fails the test: the model must come from the cache."""

    def refuse(*_args: object, **_kwargs: object) -> QuestionModel:
        raise AssertionError("the model was trained again")

    monkeypatch.setattr(answerer_module.QuestionModel, "fit", refuse)


def test_the_second_start_loads_the_model_the_first_built(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = Answerer(kb, tmp_path)
    assert len(cached(tmp_path)) == 1
    no_training(monkeypatch)
    loaded = Answerer(kb, tmp_path)
    assert loaded.model is not built.model
    assert same_answers(built, loaded)


def test_without_a_folder_nothing_is_written(kb: KnowledgeBase, tmp_path: Path) -> None:
    Answerer(kb)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a pickle at all",
        pickle.dumps({"a": "dict, not a model"}),
    ],
    ids=["empty", "garbage", "wrong object"],
)
def test_a_damaged_cache_is_rebuilt_with_a_warning(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture, damage: bytes
) -> None:
    reference = Answerer(kb, tmp_path)
    (path,) = cached(tmp_path)
    path.write_bytes(damage)
    with caplog.at_level(logging.WARNING, logger="knowledge.model_cache"):
        rebuilt = Answerer(kb, tmp_path)
    assert "rebuilding it" in caplog.text
    assert same_answers(reference, rebuilt)
    assert cached(tmp_path) == [path]
    with path.open("rb") as file:
        assert isinstance(pickle.load(file), QuestionModel)


def test_a_truncated_cache_is_rebuilt(kb: KnowledgeBase, tmp_path: Path) -> None:
    reference = Answerer(kb, tmp_path)
    (path,) = cached(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert same_answers(reference, Answerer(kb, tmp_path))


def test_new_training_questions_get_a_new_model_and_the_old_file_goes(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    Answerer(kb, tmp_path / "cache")
    (old,) = cached(tmp_path / "cache")
    taught_kb = taught_knowledge_base(tmp_path)
    assert taught_kb.version != kb.version
    answerer = Answerer(taught_kb, tmp_path / "cache")
    assert answerer.answer(UNSEEN_QUESTION).entry_ids == (TAUGHT_ENTRY,)
    (new,) = cached(tmp_path / "cache")
    assert new != old


def test_a_folder_that_cannot_be_written_still_answers(
    kb: KnowledgeBase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    with caplog.at_level(logging.WARNING, logger="knowledge.model_cache"):
        answerer = Answerer(kb, blocked)
    assert "cannot cache the question model" in caplog.text
    assert answerer.answer("why did russia stop the talks").answered


def test_a_cached_model_answers_without_importing_scikit_learn_or_scipy(
    kb: KnowledgeBase, tmp_path: Path
) -> None:
    """Importing them costs seconds of CPU: a start with the model cached must not pay it."""
    Answerer(kb, tmp_path)
    script = f"""
import sys
from pathlib import Path
from knowledge.answerer import Answerer
from knowledge.loader import load_knowledge_base
answerer = Answerer(load_knowledge_base(Path({str(REPO_ROOT / "seeds")!r})), Path({str(tmp_path)!r}))
print(answerer.answer("why did russia stop the talks").entry_ids)
print(sorted({{name.split(".")[0] for name in sys.modules}} & {{"sklearn", "scipy"}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answered, imported = result.stdout.splitlines()
    assert answered == repr(
        Answerer(kb, tmp_path).answer("why did russia stop the talks").entry_ids
    )
    assert imported == "[]"


@given(st.text(st.characters(codec="utf-8"), max_size=60))
def test_word_ngrams_are_scikit_learns_word_analyzer(text: str) -> None:
    """The model is fitted and answers with `word_ngrams`; it must cut what scikit-learn's own
    word analyzer (as the model used it before) cuts."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    analyzer = TfidfVectorizer(
        analyzer="word", ngram_range=WORD_NGRAMS, token_pattern=r"\S+"
    ).build_analyzer()
    assert sorted(word_ngrams(text)) == sorted(analyzer(text))
