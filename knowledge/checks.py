"""`kb check`: everything the loader verifies, plus coverage of every seed sentence."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.loader import DATA_DIR, read_knowledge_base
from knowledge.models import EntryKind
from knowledge.problems import Problem
from knowledge.questions import OUT_OF_SCOPE
from knowledge.translations import Language, translation_coverage, translation_gaps


@dataclass(frozen=True)
class SeedCoverage:
    seed_id: str
    sentences: int
    uncovered: tuple[str, ...]

    @property
    def covered(self) -> int:
        return self.sentences - len(self.uncovered)


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[Problem, ...]
    coverage: tuple[SeedCoverage, ...] = ()
    counts: dict[EntryKind, int] = field(default_factory=dict)
    version: str | None = None
    questions: dict[str, int] = field(default_factory=dict)
    """Training questions per entry id, and per out-of-scope group (`out-of-scope:<group>`)."""
    translations: dict[Language, tuple[int, int]] = field(default_factory=dict)
    """Per language: fields the curators translated, of those the English entries have."""
    translated_questions: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Per language: training questions for entries, and out-of-scope ones."""

    @property
    def ok(self) -> bool:
        return not self.problems


def check_knowledge_base(seeds_dir: Path, data_dir: Path = DATA_DIR) -> CheckReport:
    kb, problems = read_knowledge_base(seeds_dir, data_dir)
    if kb is None:
        return CheckReport(tuple(problems))
    coverage = sentence_coverage(kb)
    gaps = [
        Problem(f"{report.seed_id}.txt", None, f"sentence not covered by any entry: {sentence!r}")
        for report in coverage
        for sentence in report.uncovered
    ]
    questions = kb.questions.counts()
    per_label = {entry.id: questions.get(entry.id, 0) for entry in kb.entries}
    per_label.update({f"{OUT_OF_SCOPE}:{g}": n for g, n in kb.questions.groups.items()})
    untranslated = [gap for found in translation_gaps(kb).values() for gap in found]
    per_language = {}
    for language, translation in kb.translations.items():
        counts = translation.questions.counts()
        outside = counts.pop(OUT_OF_SCOPE, 0)
        per_language[language] = (sum(counts.values()), outside)
    return CheckReport(
        (*gaps, *untranslated),
        coverage,
        dict(kb.counts()),
        kb.version,
        per_label,
        dict(translation_coverage(kb)),
        per_language,
    )


def sentence_coverage(kb: KnowledgeBase) -> tuple[SeedCoverage, ...]:
    """A sentence is covered when some entry's source quote holds the whole of it.

    Entries may rest on a clause (a quotation, one measure of several), but a sentence counts
    as covered only once some entry cites all of it: a fragment such as "Japan" covers nothing.
    """
    reports = []
    for seed in kb.seeds.values():
        quotes = [entry.source.quote for entry in kb.entries if entry.source.seed == seed.id]
        uncovered = tuple(
            sentence
            for sentence in seed.sentences
            if not any(sentence in quote for quote in quotes)
        )
        reports.append(SeedCoverage(seed.id, len(seed.sentences), uncovered))
    return tuple(reports)
