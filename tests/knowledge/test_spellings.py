"""Misspellings of the knowledge base's words, mended before the model reads a question."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answerer import answerer_for
from knowledge.base import KnowledgeBase
from knowledge.spellings import SPELLINGS_DIR, read_spellings
from tests.knowledge.test_loader import load_errors


def test_wrong_kanji_and_kana_are_read_as_the_word(kb: KnowledgeBase) -> None:
    spellings = kb.translations["ja"].spellings
    assert spellings.mend("日本の性際って何人？") == "日本の制裁って何人?"
    assert spellings.mend("くりるしょとう って どこ") == "クリル諸島 って どこ"
    assert spellings.mend("害務省はなんて言った") == "外務省はなんて言った"


def test_width_is_folded_first(kb: KnowledgeBase) -> None:
    """Full-width digits and letters, and half-width kana, meet the variants as written."""
    spellings = kb.translations["ja"].spellings
    assert spellings.mend("正妻は７６人？ＯＫ") == "制裁は76人?OK"
    assert spellings.mend("ｶﾞｲﾑｼｮｳ") == "ガイムショウ"


def test_correct_japanese_is_left_alone(kb: KnowledgeBase) -> None:
    """No variant is inside a correct word: 対して keeps its たいし, 来た stays 来た."""
    spellings = kb.translations["ja"].spellings
    for text in ("ロシアにたいして日本は何をした?", "岸田首相が来たの?", "日本の対露政策は?"):
        assert spellings.mend(text) == text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("日本が性際した銀行の数っていくつ", "日本が制裁した銀行の数っていくつ"),
        ("ロシアの大氏が呼び出されたわけは", "ロシアの大使が呼び出されたわけは"),
        ("ちしまれっとうの近くの日本の島は", "千島列島の近くの日本の島は"),
    ],
)
def test_a_misspelt_question_is_answered_as_the_correct_one(
    kb: KnowledgeBase, typed: str, meant: str
) -> None:
    answerer = answerer_for(kb)
    right = answerer.answer(meant)
    assert right.answered
    assert answerer.answer(typed).entry_ids == right.entry_ids


def test_a_variant_inside_correct_text_is_a_problem(data_copy: Path) -> None:
    """たいし would turn 対して into 大使て: the curators' own text shows the danger."""
    path = data_copy / SPELLINGS_DIR / "ja.toml"
    path.write_text(
        path.read_text(encoding="utf-8") + '\n["外貨準備"]\nvariants = ["外貨"]\n',
        encoding="utf-8",
    )
    errors = load_errors(data_copy)
    assert any("spellings/ja.toml: 外貨準備: '外貨' occurs in correct text" in e for e in errors)


def test_a_variant_of_two_words_or_of_itself_is_a_problem(data_copy: Path) -> None:
    path = data_copy / SPELLINGS_DIR / "ja.toml"
    path.write_text(
        '["制裁"]\nvariants = ["正妻", "制裁"]\n\n["政策"]\nvariants = ["正妻"]\n'
        '\n["銀行"]\nvariants = "吟行"\n',
        encoding="utf-8",
    )
    spellings, problems = read_spellings(data_copy, "ja")
    found = {str(problem) for problem in problems}
    assert "spellings/ja.toml: 制裁: '制裁' is the word itself" in found
    assert "spellings/ja.toml: 政策: '正妻' is also a variant of '制裁'" in found
    assert "spellings/ja.toml: 銀行: variants must be a list of non-empty strings" in found
    assert spellings.mend("正妻") == "制裁"


def test_a_language_without_a_file_mends_nothing(data_copy: Path) -> None:
    spellings, problems = read_spellings(data_copy, "ru")
    assert problems == []
    assert spellings.mend("санкцыи") == "санкцыи"
