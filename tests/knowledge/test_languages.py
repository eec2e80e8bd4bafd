"""Reading a question's language from its letters: en, ja, ru, or None (the polite note)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import answerer as answerer_module
from knowledge.answerer import Answerer, answerer_for
from knowledge.base import KnowledgeBase
from knowledge.languages import detect_language, romanised_russian
from knowledge.question_model import QuestionModel


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Why did Russia suspend the talks?", "en"),
        ("1951", "en"),  # no letters: the English reader judges it
        ("ロシアはなぜ交渉を停止したの？", "ja"),
        ("北方領土", "ja"),  # kanji alone, a Japanese term
        ("ｷｮｳﾄﾞｳ経済活動どうなった？", "ja"),  # half-width kana
        ("Kishidaの発言を教えて", "ja"),  # Japanese grammar around a Latin name
        ("G7の制裁は？", "ja"),
        ("Почему Россия приостановила переговоры?", "ru"),
        ("Кто такой Kishida?", "ru"),
        ("Ещё вопрос про санкции", "ru"),
        ("俄罗斯为什么暂停与日本的谈判", None),  # Chinese
        ("쿠릴 열도는 어디에 있나요?", None),  # Korean
        ("Чому Росія призупинила переговори?", None),  # Ukrainian
        ("Pourquoi la Russie a-t-elle suspendu les pourparlers ?", None),  # French
        ("Why did Россия stop the talks?", None),  # mixed
        ("What is 北方領土?", None),  # kanji among English words
        ("ロシアはなぜ Почему переговоры", None),  # two non-Latin scripts
    ],
)
def test_detects_the_language(question: str, language: str | None) -> None:
    assert detect_language(question) == language


def test_training_questions_are_read_as_their_language(kb: KnowledgeBase) -> None:
    """Nearly every curated in-scope question is read as the language it was written in (the
    few exceptions are bare Latin names such as "USSR" and Russian typed in Latin letters)."""
    sets = {"en": kb.questions.examples}
    sets |= {language: t.questions.examples for language, t in kb.translations.items()}
    for language, examples in sets.items():
        in_scope = [question for question, label in examples if label != "out-of-scope"]
        read = sum(detect_language(question) == language for question in in_scope)
        assert read / len(in_scope) >= 0.96, language


@pytest.mark.e2e  # trains a free-text model of its own
def test_each_languages_model_is_cached_and_loaded(
    kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second start loads the English, Japanese and Russian models without training any."""
    built = Answerer(kb, tmp_path)
    assert set(built.readers) == {"en", "ja", "ru"}

    def refuse(*_args: object, **_kwargs: object) -> QuestionModel:
        raise AssertionError("a model was trained again")

    monkeypatch.setattr(answerer_module.QuestionModel, "fit", refuse)
    loaded = Answerer(kb, tmp_path)
    for question in (
        "Why were the talks suspended?",
        "ロシアはなぜ交渉を停止したの？",
        "Кто такой Кисида?",
    ):
        assert loaded.answer(question) == built.answer(question)


@pytest.mark.parametrize(
    ("question", "spelled"),
    [
        ("pochemu rossiya ostanovila peregovory?", "почему россия остановила переговоры?"),
        ("skolko bankov pod sankciyami yaponii", "сколко банков под санкциями японии"),
        ("mirnyy dogovor rossiya yaponiya", "мирный договор россия япония"),
        ("chto skazal kishida pro eto", "что сказал кишида про это"),
    ],
)
def test_romanised_russian_is_spelled_in_cyrillic(question: str, spelled: str) -> None:
    assert romanised_russian(question) == spelled


@pytest.mark.parametrize(
    "question",
    [
        "Why did Russia stop the talks?",
        "Who is Kishida?",
        "kurily",  # one Russian-looking word is not enough to read a question as Russian
        "Was the Moskva sunk?",
        "почему россия",  # already Cyrillic
    ],
)
def test_english_is_not_read_as_romanised_russian(question: str) -> None:
    assert romanised_russian(question) is None


def test_romanised_russian_is_answered_in_russian(kb: KnowledgeBase) -> None:
    answer = answerer_for(kb).answer("pochemu rossiya ostanovila peregovory po kurilam?")
    assert answer.language == "ru"
    assert answer.entry_ids == ("reason-for-suspension",)
