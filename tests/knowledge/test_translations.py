"""The curators' translations: loaded beside the entries, validated, shown as translations,
with source quotes and quotations always the article's English words."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.base import KnowledgeBase
from knowledge.checks import check_knowledge_base
from knowledge.loader import DATA_DIR, load_knowledge_base
from knowledge.models import Quote
from knowledge.translations import TRANSLATED, english_fields, translation_gaps, view
from tests.conftest import SEEDS_DIR
from tests.knowledge.test_loader import append, load_errors, replace


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def ja(data_dir: Path) -> Path:
    return data_dir / "i18n" / "ja.toml"


def test_every_entry_is_translated_into_both_languages(kb: KnowledgeBase) -> None:
    assert set(kb.translations) == set(TRANSLATED) == {"ja", "ru"}
    assert translation_gaps(kb) == {"ja": [], "ru": []}
    for language in TRANSLATED:
        entries = kb.translations[language].entries
        for entry in kb.entries:
            # Every entry has a yes/no lead in each language, an English one or not.
            wanted = {*english_fields(entry, kb.questions.leads), "lead"}
            assert set(entries[entry.id]) == wanted


def test_a_lead_of_the_languages_own_keeps_to_the_entrys_figures(data_copy: Path) -> None:
    """japan-sanctions-banks has no English lead; its Japanese one may not invent a figure."""
    replace(
        ja(data_copy),
        'lead = "日本の制裁対象には銀行7行が含まれています。"',
        'lead = "日本の制裁対象には銀行8行が含まれています。"',
    )
    assert (
        "i18n/ja.toml: japan-sanctions-banks: lead: figure 8 is in neither English nor source"
        in load_errors(data_copy)
    )


def test_a_view_is_marked_as_the_curators_translation(kb: KnowledgeBase) -> None:
    entry = kb.get("russia-suspends-talks")
    assert entry is not None
    japanese = view(kb, entry, "ja")
    assert japanese.translated
    assert japanese.text == kb.translations["ja"].entries[entry.id]["text"]
    assert "千島列島" in japanese.text
    assert japanese.source == entry.source.quote  # verbatim English, never translated
    russian = view(kb, entry, "ru")
    assert "Курильских" in russian.text
    english = view(kb, entry, "en")
    assert not english.translated
    assert english.text == entry.text


def test_quotations_stay_the_speakers_english_words(kb: KnowledgeBase) -> None:
    for quote in kb.quotes:
        for language in TRANSLATED:
            shown = view(kb, quote, language)
            assert shown.text == quote.text
            assert shown.source == quote.source.quote
            assert shown.translated  # role and context are translated
            assert shown.role != quote.role


def test_a_missing_field_falls_back_to_english_and_fails_kb_check(data_copy: Path) -> None:
    replace(ja(data_copy), 'when = "1951年から"\n', "")
    kb = load_knowledge_base(SEEDS_DIR, data_copy)
    talks = kb.get("talks-begin")
    assert talks is not None
    assert view(kb, talks, "ja").when == "Since 1951"
    report = check_knowledge_base(SEEDS_DIR, data_copy)
    assert not report.ok
    assert "i18n/ja.toml: talks-begin: when not translated" in map(str, report.problems)
    done, wanted = report.translations["ja"]
    assert done == wanted - 1
    assert report.translations["ru"][0] == report.translations["ru"][1]


@pytest.mark.parametrize(
    ("addition", "problem"),
    [
        ('\n[entry.no-such-entry]\ntext = "x"\n', "no-such-entry: no entry has this id"),
        ('\n[theme.no-such-theme]\nname = "x"\n', "no-such-theme: no theme has this id"),
        (
            '\n[entry.kishida-unfair-and-unacceptable]\ntext = "極めて不当"\n',
            "a quote's text is the speaker's verbatim words",
        ),
    ],
)
def test_structural_problems_stop_loading(data_copy: Path, addition: str, problem: str) -> None:
    if "kishida-unfair" in addition:  # the table exists: add the key to it instead
        replace(
            ja(data_copy), 'role = "日本の首相"\n', 'role = "日本の首相"\ntext = "極めて不当"\n'
        )
    else:
        append(ja(data_copy), addition)
    assert any(problem in error for error in load_errors(data_copy))


def test_a_field_the_entry_does_not_have_is_rejected(data_copy: Path) -> None:
    replace(ja(data_copy), 'title = "交渉は停止へ"\n', 'title = "交渉は停止へ"\nwhen = "今"\n')
    errors = load_errors(data_copy)
    assert "i18n/ja.toml: talks-will-stop: 'when' is not a translatable field here" in errors


def test_figures_must_survive_translation(data_copy: Path) -> None:
    replace(ja(data_copy), "日本は個人76人に制裁を科した。", "日本は多くの個人に制裁を科した。")
    replace(ja(data_copy), "日本は銀行7行に制裁を科した。", "日本は銀行8行に制裁を科した。")
    errors = load_errors(data_copy)
    assert "i18n/ja.toml: japan-sanctions-individuals: text: figure 76 is lost" in errors
    assert (
        "i18n/ja.toml: japan-sanctions-banks: text: figure 8 is in neither English nor source"
        in errors
    )


def test_a_missing_translation_file_is_a_problem(data_copy: Path) -> None:
    (data_copy / "i18n" / "ru.toml").unlink()
    assert "i18n/ru.toml: translation file missing" in load_errors(data_copy)


def test_translated_training_questions_are_validated(data_copy: Path) -> None:
    append(
        data_copy / "questions" / "ru" / "questions.toml", '\n[no-such-entry]\nquestions = ["а?"]\n'
    )
    assert "questions/ru/questions.toml: no-such-entry: no entry has this id" in load_errors(
        data_copy
    )


def test_every_language_has_questions_for_every_entry(kb: KnowledgeBase) -> None:
    for language in TRANSLATED:
        counts = kb.translations[language].questions.counts()
        assert min(counts[entry.id] for entry in kb.entries) >= 30
        assert counts["out-of-scope"] >= 300


def test_quote_kind_has_no_translated_text(kb: KnowledgeBase) -> None:
    for language in TRANSLATED:
        for entry in kb.entries:
            if isinstance(entry, Quote):
                assert "text" not in kb.translations[language].entries[entry.id]
