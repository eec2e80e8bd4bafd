"""`kb check` passes on the real data and catches each problem on a broken copy."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from knowledge.checks import check_knowledge_base
from knowledge.loader import DATA_DIR
from tests.conftest import SEEDS_DIR
from tests.knowledge.test_loader import replace


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def test_real_data_passes_with_every_sentence_covered() -> None:
    report = check_knowledge_base(SEEDS_DIR)
    assert report.ok, report.problems
    (coverage,) = report.coverage
    assert coverage.sentences == 17
    assert coverage.uncovered == ()


def remove_entry(path: Path, entry_id: str) -> None:
    """Drop one [[table]] block (and its [x.source] subtable) from a TOML data file."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[\[)", text)
    kept = [block for block in blocks if f'id = "{entry_id}"' not in block]
    assert len(kept) == len(blocks) - 1, f"test setup: {entry_id} not found once"
    path.write_text("".join(kept), encoding="utf-8")


def remove_questions(path: Path, entry_id: str) -> None:
    """Drop an entry's [table] of training questions."""
    text = path.read_text(encoding="utf-8")
    blocks = re.split(r"(?m)^(?=\[)", text)
    kept = [block for block in blocks if not block.startswith(f"[{entry_id}]")]
    assert len(kept) == len(blocks) - 1, f"test setup: questions of {entry_id} not found once"
    path.write_text("".join(kept), encoding="utf-8")


def test_uncovered_sentence_is_a_problem(data_copy: Path) -> None:
    remove_entry(data_copy / "events.toml", "ambassador-summoned")
    remove_questions(data_copy / "questions" / "events.toml", "ambassador-summoned")
    for language in ("ja", "ru"):  # an entry's translations and questions go with it
        remove_questions(data_copy / "i18n" / f"{language}.toml", "entry.ambassador-summoned")
        for path in sorted((data_copy / "questions" / language).glob("*.toml")):
            if "[ambassador-summoned]" in path.read_text(encoding="utf-8"):
                remove_questions(path, "ambassador-summoned")
    report = check_knowledge_base(SEEDS_DIR, data_copy)
    assert not report.ok
    assert [str(p) for p in report.problems] == [
        "russia-suspends-kuril-talks.txt: sentence not covered by any entry: "
        "'Japan has summoned Russia’s ambassador to protest against the decision.'"
    ]


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        (
            "quotes.toml",
            'completely unacceptable"',
            'totally unacceptable"',
            "character for character",
        ),
        ("facts.toml", 'id = "talks-will-stop"', 'id = "talks-begin"', "duplicate id"),
        (
            "facts.toml",
            'seed = "russia-suspends-kuril-talks"',
            'seed = "elsewhere"',
            "unknown seed",
        ),
        (
            "facts.toml",
            'quote = "Russia and Japan have never formally',
            'quote = "Russia and Japan have formally',
            "not verbatim",
        ),
    ],
)
def test_check_reports_each_loader_problem(
    data_copy: Path, file: str, old: str, new: str, expected: str
) -> None:
    replace(data_copy / file, old, new)
    report = check_knowledge_base(SEEDS_DIR, data_copy)
    assert not report.ok
    assert any(expected in str(problem) for problem in report.problems), report.problems


def test_changed_seed_text_breaks_its_quotes(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    article = seeds / "russia-suspends-kuril-talks.txt"
    article.write_text(article.read_text(encoding="utf-8").replace("76", "77"), encoding="utf-8")
    report = check_knowledge_base(seeds)
    assert not report.ok
    broken = {problem.entry_id for problem in report.problems}
    assert "japan-sanctions-individuals" in broken


def test_seed_without_metadata_is_a_problem(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS_DIR, seeds)
    (seeds / "another.txt").write_text("A new article. It says things.\n", encoding="utf-8")
    report = check_knowledge_base(seeds)
    assert "another.txt: metadata file another.toml missing" in [str(p) for p in report.problems]


def test_a_fragment_of_a_sentence_does_not_cover_it(data_copy: Path) -> None:
    replace(
        data_copy / "events.toml",
        'quote = "Japan has summoned Russia’s ambassador to protest against the decision."',
        'quote = "Japan has summoned Russia’s ambassador"',
    )
    report = check_knowledge_base(SEEDS_DIR, data_copy)
    assert [p.message for p in report.problems] == [
        "sentence not covered by any entry: "
        "'Japan has summoned Russia’s ambassador to protest against the decision.'"
    ]


def test_missing_source_is_reported_by_check(data_copy: Path) -> None:
    text = (data_copy / "facts.toml").read_text(encoding="utf-8")
    (data_copy / "facts.toml").write_text(
        text + '\n[[fact]]\nid = "unsourced"\ntitle = "T"\ntext = "A claim."\nadded = 2026-11-27\n',
        encoding="utf-8",
    )
    report = check_knowledge_base(SEEDS_DIR, data_copy)
    assert [str(p) for p in report.problems] == ["facts.toml: unsourced: source: Field required"]
