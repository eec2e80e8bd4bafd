"""Benchmark the free-text answerer: the learned model against today's main, BM25 and fuzz.

    .venv/bin/python benchmarks/answerer.py [BLIND.jsonl ...] [--rounds N] [--scale 100]
                                            [--old-ref 0e6bc2c] [--cv] [--cv-only [LANG ...]]

Sets scored: the shared set (`../shared/eval/questions.jsonl`), the project's set and every
blind set given. A blind set's rows are `{"q", "category", "any"}`, `{"q", "category":
"two_part", "parts": [{"any"}, ...]}` or `{"q", "category": "oos_*", "decline": true}`. An
answer is right when the text of its answered part(s), not the source lines, contains one of
`any` (case-insensitively): a keyword of 4+ characters as a substring ("oppos" in "opposed"), a
shorter one ("no", "yes", "7") as a whole word. A two-part question is right per part (and
"both" when every part is); an `oos_*` question must be declined. Only aggregate figures per category are printed,
never a question, so a blind set stays blind until its round is scored.

Methods, all in one run on the same machine:
- `model`: this branch's answerer (the learned question model);
- `old (<ref>)`: the hand-tuned answerer of `--old-ref` (default `OLD_REF`), checked out with
  `git archive` into a temporary folder and run in a subprocess over the same questions;
- `BM25 top-1` and `token_set_ratio top-1`: the seed sentence ranked first, declining below a
  threshold tuned on the shared set.

Latency is per question, wall clock, p50/p99 over `--rounds` passes. The model's build time and
the process's RSS growth while building are measured on a fresh knowledge base, then again on
one grown `--scale`-fold (synthetic entries with perturbed words, each with perturbed copies of
its original's training questions). Each size also times the model cache: a first start that
builds and writes it, then a start that loads it. `--cv` adds 5-fold cross-validation of the
training questions (stratified) and grouped by entry (questions about an entry the model never
saw must be declined).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from commands.ask import NOT_IN_SOURCES, plain_text  # noqa: E402
from knowledge.answerer import Answerer  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.loader import load_knowledge_base  # noqa: E402
from knowledge.models import Actor, Entry, Sanction, Titled  # noqa: E402
from knowledge.text import normalise  # noqa: E402

PROJECT_SET = ROOT / "tests" / "knowledge" / "questions.jsonl"
OLD_REF = "0e6bc2c"
"""The last commit whose free-text answerer was the hand-tuned scorer (synonyms, cues)."""
SHARED_SET = next(
    (p / "shared" / "eval" / "questions.jsonl" for p in ROOT.parents if (p / "shared").is_dir()),
    ROOT.parent / "shared" / "eval" / "questions.jsonl",
)

# A method answers a list of questions: (answered, text of the answered parts, ms) each.
Result = tuple[bool, str, float]
Method = Callable[[list[str]], list[Result]]


def read_set(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def answered_text(shown: str) -> str:
    """What a user reads minus the source lines and the note on parts left unanswered: only
    the answered parts' own text counts."""
    return "\n".join(
        line
        for line in shown.splitlines()
        if not line.startswith("Source (") and line not in NOT_IN_SOURCES.values()
    )


def _contains(text: str, wanted: list[str]) -> bool:
    """Whether `text` holds one of `wanted`, case-insensitively: a keyword of 4+ characters as a
    substring (writers use stems: "withdr", "oppos"), a shorter one as a whole word ("no" is not
    in "know" nor "not", "7" not in "1975")."""
    lowered = text.casefold()
    return any(
        want.casefold() in lowered
        if len(want) >= 4
        else re.search(rf"(?<!\w){re.escape(want)}(?!\w)", text, re.IGNORECASE) is not None
        for want in wanted
    )


def category(row: dict) -> str:
    if row.get("category"):
        return str(row["category"])
    return "oos" if row.get("decline") else "answerable"


def grade(row: dict, answered: bool, text: str) -> tuple[bool, int, int]:
    """(right, parts right, parts) for one row."""
    if row.get("decline") or category(row).startswith("oos"):
        return not answered, 0, 0
    if "parts" in row:
        hits = sum(answered and _contains(text, part["any"]) for part in row["parts"])
        return hits == len(row["parts"]), hits, len(row["parts"])
    return answered and _contains(text, row["any"]), 0, 0


def score(rows: list[dict], results: list[Result]) -> dict[str, tuple[int, int, int, int]]:
    """Per category: (right, total, parts right, parts)."""
    table: dict[str, list[int]] = {}
    for row, (answered, text, _) in zip(rows, results, strict=True):
        right, hits, parts = grade(row, answered, text)
        cell = table.setdefault(category(row), [0, 0, 0, 0])
        cell[0] += right
        cell[1] += 1
        cell[2] += hits
        cell[3] += parts
    return {name: (a, b, c, d) for name, (a, b, c, d) in sorted(table.items())}


def summary(table: dict[str, tuple[int, int, int, int]]) -> dict[str, str]:
    """Answerable right %, out-of-scope declined %, two-part both halves (and halves) %."""
    answerable = [v for k, v in table.items() if not k.startswith("oos") and k != "two_part"]
    oos = [v for k, v in table.items() if k.startswith("oos")]
    two = table.get("two_part")
    out = {}
    if answerable:
        right, total = sum(v[0] for v in answerable), sum(v[1] for v in answerable)
        out["answerable right"] = f"{right}/{total} = {right / total:.1%}"
    if oos:
        right, total = sum(v[0] for v in oos), sum(v[1] for v in oos)
        out["oos declined"] = f"{right}/{total} = {right / total:.1%}"
    if two:
        out["two-part both"] = f"{two[0]}/{two[1]} = {two[0] / two[1]:.1%}"
        out["two-part halves"] = f"{two[2]}/{two[3]} = {two[2] / two[3]:.1%}"
    return out


# -- methods -------------------------------------------------------------------------------


def model_method(answerer: Answerer) -> Method:
    def run(questions: list[str]) -> list[Result]:
        results = []
        for question in questions:
            start = time.perf_counter_ns()
            answer = answerer.answer(question)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            results.append(
                (answer.answered, answered_text(plain_text(answerer.kb, answer)), elapsed)
            )
        return results

    return run


_OLD_DRIVER = """
import json, sys, time
from pathlib import Path
from knowledge.loader import load_knowledge_base
from knowledge.answerer import Answerer
from commands.ask import plain_text
kb = load_knowledge_base(Path("seeds"))
answerer = Answerer(kb)
for line in sys.stdin:
    question = json.loads(line)
    answerer._corrections.clear()
    start = time.perf_counter_ns()
    answer = answerer.answer(question)
    elapsed = (time.perf_counter_ns() - start) / 1e6
    print(json.dumps([answer.answered, plain_text(kb, answer), elapsed]), flush=True)
"""


def old_method(ref: str, folder: Path) -> Method:
    """Today's answerer at git `ref`, run from a clean export in a subprocess."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)

    def run(questions: list[str]) -> list[Result]:
        env = {**os.environ, "PYTHONPATH": str(folder)}
        done = subprocess.run(
            [sys.executable, "-c", _OLD_DRIVER],
            input="".join(json.dumps(q) + "\n" for q in questions),
            capture_output=True,
            text=True,
            cwd=folder,
            env=env,
            check=True,
        )
        rows = [json.loads(line) for line in done.stdout.splitlines()]
        return [(bool(a), answered_text(t), float(ms)) for a, t, ms in rows]

    return run


class Baseline:
    """Top-1 seed sentence by a score; declines below a threshold tuned on the shared set."""

    def __init__(self, name: str, sentences: list[str], top: Callable[[str], tuple[float, str]]):
        self.name = name
        self.sentences = sentences
        self.top = top
        self.threshold = 0.0

    def __call__(self, questions: list[str]) -> list[Result]:
        results = []
        for question in questions:
            start = time.perf_counter_ns()
            value, sentence = self.top(question)
            elapsed = (time.perf_counter_ns() - start) / 1e6
            results.append((value >= self.threshold, sentence, elapsed))
        return results

    def tune(self, rows: list[dict]) -> None:
        tops = [(row, *self.top(row["q"])) for row in rows]
        candidates = sorted({value for _, value, _ in tops} | {0.0, float("inf")})
        best = -1
        for threshold in candidates:
            hits = sum(grade(row, value >= threshold, text)[0] for row, value, text in tops)
            if hits > best:
                best, self.threshold = hits, threshold


def bm25_baseline(sentences: list[str]) -> Baseline:
    index = BM25Okapi([normalise(sentence).split() or [""] for sentence in sentences])

    def top(question: str) -> tuple[float, str]:
        scores = list(index.get_scores(normalise(question).split()))
        best = max(range(len(scores)), key=scores.__getitem__)
        return scores[best], sentences[best]

    return Baseline("BM25 top-1", sentences, top)


def fuzz_baseline(sentences: list[str]) -> Baseline:
    choices = [normalise(sentence) for sentence in sentences]

    def top(question: str) -> tuple[float, str]:
        match = process.extractOne(
            normalise(question), choices, scorer=fuzz.token_set_ratio, processor=None
        )
        return (match[1], sentences[match[2]]) if match else (0.0, "")

    return Baseline("token_set_ratio top-1", sentences, top)


# -- scale -----------------------------------------------------------------------------------


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_build(kb: KnowledgeBase) -> tuple[Answerer, float, float]:
    before = rss_mb()
    start = time.perf_counter()
    answerer = Answerer(kb)
    return answerer, time.perf_counter() - start, rss_mb() - before


def timed_cache(kb: KnowledgeBase) -> str:
    """The model cache (`knowledge.model_cache`): a first start builds and writes it, the next
    loads it. Both timed, in a fresh folder."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        Answerer(kb, Path(folder))
        cold = time.perf_counter() - start
        start = time.perf_counter()
        Answerer(kb, Path(folder))
        warm = time.perf_counter() - start
        size = sum(path.stat().st_size for path in Path(folder).rglob("*.pickle"))
    return (
        f"cache: first start (build + write) {cold * 1000:.0f} ms, next start (load) "
        f"{warm * 1000:.0f} ms, file {size / 1e6:.1f} MB"
    )


def grown(kb: KnowledgeBase, factor: int, per_entry: int = 8, seed: int = 7) -> KnowledgeBase:
    """`kb` with `factor - 1` synthetic copies of every entry: new ids, perturbed words, and
    `per_entry` perturbed copies of the original's training questions."""
    rng = random.Random(seed)

    def fake_word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))

    def perturb(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(fake_word() if rng.random() < 0.3 else word for word in words)

    by_label: dict[str, list[str]] = {}
    for text, label in kb.questions.examples:
        by_label.setdefault(label, []).append(text)
    entries: list[Entry] = list(kb.entries)
    examples = list(kb.questions.examples)
    states = dict(kb.questions.states)
    for n in range(1, factor):
        for entry in kb.entries:
            new_id = f"{entry.id[:48]}-s{n}"
            # A source of its own (as entries from another article would have), so the copy
            # is a class of its own rather than one of its original's sentence group.
            source = entry.source.model_copy(update={"seed": f"{entry.source.seed}-s{n}"})
            update: dict[str, object] = {
                "id": new_id,
                "text": perturb(entry.text),
                "source": source,
            }
            if isinstance(entry, Titled):
                update["title"] = perturb(entry.title)
            if isinstance(entry, Sanction):
                update["measure"] = perturb(entry.measure)
            if isinstance(entry, Actor):
                update["name"] = f"{entry.name} {fake_word()}"
                update["aliases"] = tuple(f"{fake_word()} {alias}" for alias in entry.aliases)
            entries.append(entry.model_copy(update=update))
            if entry.id in kb.questions.states:
                states[new_id] = kb.questions.states[entry.id]
            originals = by_label.get(entry.id, [])
            examples += [
                (perturb(q), new_id) for q in rng.sample(originals, min(per_entry, len(originals)))
            ]
    questions = dataclasses.replace(
        kb.questions, examples=tuple(examples), states=MappingProxyType(states)
    )
    return KnowledgeBase(kb.seeds, tuple(entries), kb.themes, f"{kb.version}x{factor}", questions)


def cross_validate(kb: KnowledgeBase, folds: int = 5, language: str = "en") -> None:
    """Stratified: held-out questions answered with their entry's sentence group, or declined
    when out of scope. Grouped by entry: with every question of an entry held out, how often
    its questions are declined rather than answered with another entry. For `ja` and `ru`, the
    same on that language's questions, with that language's reader (the curators'
    translations of the entries stay in its training, as in the bot)."""
    import numpy as np
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    from knowledge.answerer import same_sentence_groups
    from knowledge.questions import OUT_OF_SCOPE

    translation = kb.translations.get(language)
    source = translation.questions if translation else kb.questions
    examples = list(source.examples)
    labels = np.array([label for _, label in examples])
    groups = same_sentence_groups(kb)
    print(f"-- {language}: {len(examples)} training questions")

    def trained_without(held: np.ndarray) -> Answerer:
        kept = np.setdiff1d(np.arange(len(examples)), held)
        # Everything but the questions stays: parties, the kinds of detail each entry states
        # and the reader of what a question asks for.
        if translation is None:
            questions = dataclasses.replace(kb.questions, examples=tuple(examples[i] for i in kept))
            return Answerer(KnowledgeBase(kb.seeds, kb.entries, kb.themes, "cv", questions))
        questions = dataclasses.replace(
            translation.questions, examples=tuple(examples[i] for i in kept)
        )
        held_back = {language: dataclasses.replace(translation, questions=questions)}
        cv_kb = KnowledgeBase(kb.seeds, kb.entries, kb.themes, "cv", kb.questions, held_back)
        # `language` is a key of kb.translations, which the loader reads as a Language.
        return Answerer(cv_kb, language=language)  # pyright: ignore[reportArgumentType]

    right = total = declined = outside = 0
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0)
    for _, held in splitter.split(np.zeros(len(labels)), labels):
        answerer = trained_without(held)
        for index in held:
            question, label = examples[index]
            answer = answerer.answer(question)
            if label == OUT_OF_SCOPE:
                outside += 1
                declined += not answer.answered
            else:
                total += 1
                right += answer.answered and groups[answer.entry_ids[0]] == groups[label]
    print(
        f"== {folds}-fold CV, stratified: in scope right (sentence group) {right}/{total} = "
        f"{right / total:.1%}; out of scope declined {declined}/{outside} = "
        f"{declined / outside:.1%}"
    )
    # Grouped by sentence group, so an entry's twins (same sentence) are held out with it.
    by_group = np.array([groups.get(label, f"oos-{i % folds}") for i, label in enumerate(labels)])
    unseen = refused = 0
    for _, held in GroupKFold(folds).split(np.zeros(len(labels)), labels, by_group):
        answerer = trained_without(held)
        entries_held = [i for i in held if labels[i] != OUT_OF_SCOPE]
        # The held-out entries stay in the knowledge base (their own text still trains them),
        # so only answers naming another sentence group count as wrong.
        for index in entries_held:
            question, label = examples[index]
            answer = answerer.answer(question)
            unseen += 1
            refused += not answer.answered or groups[answer.entry_ids[0]] == groups[label]
    print(
        f"== {folds}-fold CV, grouped by entry: questions of entries trained only on their own "
        f"text, not answered with another entry: {refused}/{unseen} = {refused / unseen:.1%}"
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("blind", nargs="*", type=Path, help="blind sets (JSONL) to score")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--scale", type=int, default=100, help="grow the KB this many times")
    parser.add_argument(
        "--old-ref",
        default=OLD_REF,
        help="git ref of the hand-tuned answerer to compare (default: the last commit with it)",
    )
    parser.add_argument("--cv", action="store_true", help="cross-validate the training questions")
    parser.add_argument(
        "--cv-only",
        nargs="*",
        metavar="LANG",
        help="only cross-validate, in these languages (en ja ru; default all three)",
    )
    args = parser.parse_args(argv)

    kb = load_knowledge_base(ROOT / "seeds")
    if args.cv_only is not None:
        for language in args.cv_only or ["en", "ja", "ru"]:
            cross_validate(kb, language=language)
        return 0
    answerer, build_s, build_mb = timed_build(kb)
    sentences = [sentence for seed in kb.seeds.values() for sentence in seed.sentences]
    shared, project = read_set(SHARED_SET), read_set(PROJECT_SET)
    bm25, fuzzy = bm25_baseline(sentences), fuzz_baseline(sentences)
    for baseline in (bm25, fuzzy):
        baseline.tune(shared)

    sets = [("shared", shared), ("project", project)]
    sets += [(path.name, read_set(path)) for path in args.blind]
    with tempfile.TemporaryDirectory() as folder:
        methods: list[tuple[str, Method]] = [
            ("model", model_method(answerer)),
            (f"old ({args.old_ref})", old_method(args.old_ref, Path(folder))),
            (f"BM25 (decline < {bm25.threshold:.2f})", bm25),
            (f"token_set_ratio (decline < {fuzzy.threshold:.0f})", fuzzy),
        ]
        timings: dict[str, list[float]] = {name: [] for name, _ in methods}
        for set_name, rows in sets:
            if not rows:
                continue
            questions = [row["q"] for row in rows]
            print(f"\n== {set_name}: {len(rows)} questions")
            for name, method in methods:
                results = method(questions)
                for _ in range(args.rounds - 1):
                    timings[name] += [ms for _, _, ms in method(questions)]
                timings[name] += [ms for _, _, ms in results]
                table = score(rows, results)
                cells = ", ".join(
                    f"{cat} {right}/{total}" + (f" (halves {h}/{p})" if p else "")
                    for cat, (right, total, h, p) in table.items()
                )
                totals = "; ".join(f"{k} {v}" for k, v in summary(table).items())
                print(f"  {name:<34} {totals}\n  {'':<34} {cells}")

    print("\n== latency per question (all sets, all rounds)")
    for name, values in timings.items():
        print(
            f"  {name:<34} p50 {statistics.median(values):.3f} ms  "
            f"p99 {percentile(values, 0.99):.3f} ms  ({len(values)} calls)"
        )
    english_only = dataclasses.replace(kb, translations={})
    _, english_s, _ = timed_build(english_only)
    _, again_s, _ = timed_build(kb)
    print(
        f"\n== model build, every language: {build_s * 1000:.0f} ms (again: "
        f"{again_s * 1000:.0f} ms), RSS +{build_mb:.1f} MB ({len(kb.entries)} entries, "
        f"{len(kb.questions.examples)} English questions, "
        + ", ".join(
            f"{len(t.questions.examples)} {language}" for language, t in kb.translations.items()
        )
        + f"); English only: {english_s * 1000:.0f} ms; process RSS {rss_mb():.0f} MB"
    )
    print(f"   {timed_cache(kb)}")
    if args.cv:
        for language in ("en", *kb.translations):
            cross_validate(kb, language=language)
    if args.scale > 1:
        big = grown(kb, args.scale)
        big_answerer, big_s, big_mb = timed_build(big)
        questions = [row["q"] for _, rows in sets for row in rows]
        values = [
            ms for _ in range(args.rounds) for _, _, ms in model_method(big_answerer)(questions)
        ]
        print(
            f"== model at {args.scale}x: {len(big.entries)} entries, "
            f"{len(big.questions.examples)} questions; build {big_s:.1f} s, RSS +{big_mb:.0f} MB; "
            f"p50 {statistics.median(values):.3f} ms  p99 {percentile(values, 0.99):.3f} ms"
        )
        print(f"   {timed_cache(big)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
