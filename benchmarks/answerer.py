"""Benchmark the free-text answerer against two plain baselines, in one run.

    uv run python benchmarks/answerer.py [--rounds N]

Accuracy is measured on the project's question set (`tests/knowledge/questions.jsonl`) and the
shared set (`../shared/eval/questions.jsonl`), with the rule of the shared set's README: an
answer must contain one of `any`, a `decline` question must be declined.

Baselines rank the seed article's sentences and answer with the top one: BM25 (rank_bm25
Okapi over normalised words) and rapidfuzz `token_set_ratio`. Each declines below a score
threshold tuned for best accuracy on the shared set (the answerer itself uses fixed constants).

Latency is per question, wall clock, with the answerer's typo-correction cache emptied
before every call (the cold, worst case), over `--rounds` passes; p50 and p99 come from all
calls. The last row runs the answerer on a knowledge base grown 100-fold with synthetic
entries (new ids, shuffled and partly replaced words, new vocabulary, verbatim sources).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rank_bm25 import BM25Okapi  # noqa: E402
from rapidfuzz import fuzz, process  # noqa: E402

from commands.ask import plain_text  # noqa: E402
from knowledge.answerer import Answerer  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.loader import load_knowledge_base  # noqa: E402
from knowledge.models import Actor, Entry, Event, Fact, Sanction  # noqa: E402
from knowledge.text import normalise  # noqa: E402

PROJECT_SET = ROOT / "tests" / "knowledge" / "questions.jsonl"
SHARED_SET = ROOT.parent / "shared" / "eval" / "questions.jsonl"

# A method takes a question and returns (answered, text shown) for scoring.
Method = Callable[[str], tuple[bool, str]]


def read_set(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def correct(row: dict, answered: bool, text: str) -> bool:
    if row.get("decline"):
        return not answered
    folded = text.casefold()
    return answered and any(want.casefold() in folded for want in row["any"])


def accuracy(method: Method, rows: list[dict]) -> float:
    if not rows:
        return float("nan")
    return sum(correct(row, *method(row["q"])) for row in rows) / len(rows)


class Baseline:
    """Top-1 seed sentence by a score; declines below a threshold tuned on the shared set."""

    def __init__(self, name: str, sentences: list[str], score: Callable[[str], list[float]]):
        self.name = name
        self.sentences = sentences
        self.score = score
        self.threshold = 0.0

    def top(self, question: str) -> tuple[float, str]:
        scores = self.score(question)
        best = max(range(len(scores)), key=scores.__getitem__)
        return scores[best], self.sentences[best]

    def __call__(self, question: str) -> tuple[bool, str]:
        score, sentence = self.top(question)
        return score >= self.threshold, sentence

    def tune(self, rows: list[dict]) -> None:
        tops = [(row, *self.top(row["q"])) for row in rows]
        candidates = sorted({score for _, score, _ in tops} | {0.0, float("inf")})
        best_accuracy = -1.0
        for threshold in candidates:
            hits = sum(correct(row, score >= threshold, text) for row, score, text in tops)
            if hits > best_accuracy:
                best_accuracy, self.threshold = hits, threshold


def bm25_baseline(sentences: list[str]) -> Baseline:
    index = BM25Okapi([normalise(sentence).split() or [""] for sentence in sentences])
    return Baseline("BM25 top-1", sentences, lambda q: list(index.get_scores(normalise(q).split())))


def fuzz_baseline(sentences: list[str]) -> Baseline:
    choices = [normalise(sentence) for sentence in sentences]

    def score(question: str) -> list[float]:
        query = normalise(question)
        return [fuzz.token_set_ratio(query, choice, processor=None) for choice in choices]

    baseline = Baseline("rapidfuzz token_set_ratio top-1", sentences, score)

    def top(question: str) -> tuple[float, str]:  # extractOne: what a real user of it would do
        match = process.extractOne(
            normalise(question), choices, scorer=fuzz.token_set_ratio, processor=None
        )
        return (match[1], sentences[match[2]]) if match else (0.0, "")

    baseline.top = top  # type: ignore[method-assign]
    return baseline


def answerer_method(answerer: Answerer) -> Method:
    def ask(question: str) -> tuple[bool, str]:
        answer = answerer.answer(question)
        return answer.answered, plain_text(answerer.kb, answer)

    return ask


def latencies(call: Callable[[str], object], questions: list[str], rounds: int) -> list[float]:
    """Milliseconds per call, with the answerer's correction cache cleared (cold) each time."""
    reset = getattr(getattr(call, "__self__", None), "_corrections", None)
    timings = []
    for _ in range(rounds):
        for question in questions:
            if reset is not None:
                reset.clear()
            start = time.perf_counter_ns()
            call(question)
            timings.append((time.perf_counter_ns() - start) / 1e6)
    return timings


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def grown(kb: KnowledgeBase, factor: int = 100, seed: int = 7) -> KnowledgeBase:
    """`kb` with `factor - 1` synthetic copies of every entry: new ids, perturbed words."""
    rng = random.Random(seed)

    def fake_word() -> str:
        return "".join(rng.choices(string.ascii_lowercase, k=rng.randint(4, 9)))

    def perturb(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(fake_word() if rng.random() < 0.3 else word for word in words)

    entries: list[Entry] = list(kb.entries)
    for n in range(1, factor):
        for entry in kb.entries:
            update: dict[str, object] = {
                "id": f"{entry.id[:48]}-s{n}",
                "text": perturb(entry.text),
                "match_phrases": tuple(perturb(p) for p in entry.match_phrases),
            }
            if isinstance(entry, Event | Fact):
                update["title"] = perturb(entry.title)
            if isinstance(entry, Sanction):
                update["measure"] = perturb(entry.measure)
            if isinstance(entry, Actor):
                update["name"] = f"{entry.name} {fake_word()}"
                update["aliases"] = tuple(f"{fake_word()} {alias}" for alias in entry.aliases)
            entries.append(entry.model_copy(update=update))
    return KnowledgeBase(kb.seeds, tuple(entries), kb.themes, f"{kb.version}x{factor}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the questions")
    args = parser.parse_args(argv)

    kb = load_knowledge_base(ROOT / "seeds")
    project, shared = read_set(PROJECT_SET), read_set(SHARED_SET)
    questions = [row["q"] for row in project]
    sentences = [sentence for seed in kb.seeds.values() for sentence in seed.sentences]

    bm25, fuzzy = bm25_baseline(sentences), fuzz_baseline(sentences)
    for baseline in (bm25, fuzzy):
        baseline.tune(shared)
    answerer = Answerer(kb)
    started = time.perf_counter()
    big = Answerer(grown(kb))
    build_big = time.perf_counter() - started

    rows = []
    for name, method, timed, note in (
        ("answerer", answerer_method(answerer), answerer.answer, "fixed thresholds"),
        (bm25.name, bm25, bm25, f"decline < {bm25.threshold:.2f}"),
        (fuzzy.name, fuzzy, fuzzy, f"decline < {fuzzy.threshold:.0f}"),
    ):
        times = latencies(timed, questions, args.rounds)
        rows.append(
            (
                name,
                accuracy(method, project),
                accuracy(method, shared),
                times,
                len(kb.entries),
                note,
            )
        )
    times = latencies(big.answer, questions, args.rounds)
    rows.append(
        ("answerer, KB x100", None, None, times, len(big.kb.entries), f"built in {build_big:.1f} s")
    )

    header = (
        f"{'method':<34} {'project':>8} {'shared':>7} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'entries':>8}  notes"
    )
    print(f"{len(project)} project questions, {len(shared)} shared; {args.rounds} timed rounds")
    print(header)
    print("-" * len(header))
    for name, project_acc, shared_acc, times, entries, note in rows:
        p_acc = "-" if project_acc is None else f"{project_acc:.1%}"
        s_acc = "-" if shared_acc is None else f"{shared_acc:.1%}"
        print(
            f"{name:<34} {p_acc:>8} {s_acc:>7} {statistics.median(times):>8.3f} "
            f"{percentile(times, 0.99):>8.3f} {entries:>8}  {note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
