"""The learned question model: which entry a question asks about, or that it is out of scope.

Classic intent classification (as Rasa's and the CLINC150 out-of-scope baselines do it):
TF-IDF features of word 1–2-grams and `char_wb` 2–5-grams (the character n-grams make typos,
chat spelling and inflections land near the right words without a word list), fed to linear
SVMs, one-vs-rest: one class per group of labels that answer alike (for the knowledge base,
entries resting on the same seed sentence) plus an out-of-scope class, and a second SVM that
picks the label within a group. Words no in-scope question uses (nor one a typo or two away)
are marked with an extra token, so the model learns that unfamiliar words point outside the
knowledge base. It is trained on the curated questions (`knowledge.questions`) and on each
entry's own wording, once per knowledge base (about 1.2 s for English today, on a quiet
two-core host; a start after the first loads it from `knowledge.model_cache`).

scikit-learn fits it; answering runs the same analyzers the vectorizers were fitted with, weighs
the n-grams with numpy and sums the matching rows of the weights straight from their CSR arrays
(the few n-grams most classes use from dense rows, `DENSE_SHARE`), which keeps a question well
under a millisecond (scikit-learn's, and scipy's, per-call input validation alone would cost
more). A built model holds only numpy arrays and this module's own functions, so answering, and
loading a cached model, never import scikit-learn or scipy: they are imported when a model is
fitted (importing them costs seconds of CPU, more than loading a cached model).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from itertools import chain
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from knowledge.text import normalise

if TYPE_CHECKING:
    from scipy import sparse

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
"""Character n-grams within words: typos and inflections share most of them."""

WORD_MIN_DF = 1
CHAR_MIN_DF = 2
"""Questions an n-gram must appear in to be a feature."""

C = 1.0
"""The SVM's regularisation: lower generalises more from few phrasings per entry."""

CLASS_WEIGHT: str | None = None
"""Out-of-scope questions outnumber any entry's; unbalanced, that makes declining the default."""

TOLERANCE = 1e-3
"""When liblinear stops: its own default (1e-4) spends half the build polishing weights to a
precision that changes no answer."""

NEGATIVES = 4000
"""Most questions a class learns against; today's knowledge base has fewer in all."""

FOLDS = 5
UNKNOWN = "zzunknownzz"
"""The token standing for a word no in-scope question uses."""

PRUNE = 0.02
"""Weights smaller than this are dropped, so a large knowledge base stays small in memory."""

DENSE_SHARE = 0.25
"""An n-gram with weights for more than this share of the classes (" th", "the", "did") keeps
them in a dense row: summed with one matrix product, not gathered entry by entry. With
thousands of classes, those few hundred common n-grams were most of a question's work."""

DENSE_MIN_CLASSES = 64
"""Fewer classes than this and every row is cheap: all weights stay sparse."""


@dataclass(frozen=True)
class _Features:
    """One fitted vectorizer, reduced to what answering needs."""

    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


@dataclass(frozen=True)
class _Linear:
    """A fitted linear SVM, pruned: one column of weights per class, as the arrays of a CSR
    matrix of features x classes (`indptr`, `indices`, `data`)."""

    classes: tuple[str, ...]
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray
    dense: np.ndarray
    """The weights of the n-grams most classes use, one dense row each (`DENSE_SHARE`); their
    entries are left out of the CSR arrays."""
    dense_row: np.ndarray
    """Per feature, its row in `dense`, or -1 (empty: no dense rows)."""
    bias: np.ndarray

    @classmethod
    def fit(
        cls,
        matrix: sparse.csr_matrix | sparse.csr_array,
        targets: Sequence[str],
        always: str | None = None,
    ) -> _Linear:
        """One-vs-rest, one class at a time (as LinearSVC does it), each class's weights kept
        sparse once pruned, so a large knowledge base never holds a dense classes-by-features
        matrix. Beyond `NEGATIVES` questions, a class learns against a fixed sample of the
        others (plus every question labelled `always`), which keeps building a knowledge base
        a hundred times today's size to minutes; today's uses every question."""
        from scipy import sparse
        from sklearn.svm import LinearSVC

        classes = tuple(sorted(set(targets)))
        target_array = np.asarray(targets)
        sample: np.ndarray | None = None
        if len(targets) > NEGATIVES:
            chosen = np.random.default_rng(0).choice(len(targets), NEGATIVES, replace=False)
            sample = np.union1d(chosen, np.flatnonzero(target_array == always))

        def one(name: str) -> tuple[sparse.csr_matrix, float]:
            classifier = LinearSVC(C=C, class_weight=CLASS_WEIGHT, tol=TOLERANCE, random_state=0)
            if sample is None:
                classifier.fit(matrix, target_array == name)
            else:
                rows = np.union1d(sample, np.flatnonzero(target_array == name))
                classifier.fit(matrix[rows], target_array[rows] == name)
            coef = classifier.coef_.ravel().astype(np.float32)
            coef[np.abs(coef) < PRUNE] = 0.0
            # scikit-learn is unannotated: pyright reads `intercept_ = 0.0` in a base class.
            return sparse.csr_matrix(coef), float(classifier.intercept_[0])  # pyright: ignore[reportIndexIssue]

        fitted = [one(name) for name in classes]
        weights = sparse.vstack([column for column, _ in fitted]).T.tocsr()
        bias = [value for _, value in fitted]
        rest, dense, dense_row = _split_dense(weights, len(classes))
        return cls(
            classes,
            rest.indptr,
            rest.indices,
            rest.data,
            dense,
            dense_row,
            np.asarray(bias, dtype=np.float32),
        )

    def scores(self, columns: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The decision values: the question's weighted rows of `weights`, summed per class.

        Read straight from the CSR arrays (one gather and one `bincount`): scipy's row
        indexing validates and copies, which costs more than the sum itself. The dense rows'
        share is one small vector-matrix product."""
        sums = self.bias.astype(np.float64)
        if not len(columns):
            return sums
        if len(self.dense_row):
            rows = self.dense_row[columns]
            common = rows >= 0
            if common.any():
                # einsum's own loop: a BLAS product may wake threads, which costs more here.
                weighted = values[common].astype(np.float32)
                sums += np.einsum("i,ij->j", weighted, self.dense[rows[common]])
        starts = self.indptr[columns]
        lengths = self.indptr[columns + 1] - starts
        total = int(lengths.sum())
        if not total:
            return sums
        ends = np.cumsum(lengths)
        positions = np.arange(total) + np.repeat(starts - (ends - lengths), lengths)
        return sums + np.bincount(
            self.indices[positions],
            weights=self.data[positions] * np.repeat(values, lengths),
            minlength=len(self.classes),
        )


def _split_dense(
    weights: sparse.csr_matrix, classes: int
) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """`weights` with the rows most classes use moved to a dense array (`DENSE_SHARE`): the
    sparse rest, the dense rows, and each feature's dense row (-1: none)."""
    from scipy import sparse

    counts = np.diff(weights.indptr)
    common = np.flatnonzero(counts > DENSE_SHARE * classes)
    if classes < DENSE_MIN_CLASSES or not len(common):
        return weights, np.zeros((0, classes), dtype=np.float32), np.zeros(0, dtype=np.int32)
    dense_row = np.full(len(counts), -1, dtype=np.int32)
    dense_row[common] = np.arange(len(common), dtype=np.int32)
    dense = weights[common].toarray().astype(np.float32)
    keep = sparse.diags((dense_row < 0).astype(np.float32))
    rest = sparse.csr_matrix(keep @ weights)
    rest.eliminate_zeros()
    return rest, dense, dense_row


Vector = tuple[np.ndarray, np.ndarray]
"""A question's TF-IDF features: columns and values (each block l2-normalised)."""


@dataclass(frozen=True, eq=False)
class QuestionModel:
    """A fitted classifier over `classes`, each the label itself or a group of labels.

    Labels that answer alike (entries resting on the same source sentence) can be taught as
    one class: the SVM then decides between the groups and whether to decline, and a second SVM,
    trained on those labels' questions only, picks the label within the group.
    """

    classes: tuple[str, ...]
    members: dict[str, tuple[str, ...]]
    _features: tuple[_Features, ...]
    _classifier: _Linear
    _picker: _Linear | None
    """Tells apart the labels of classes with several, trained on their questions only."""
    _known: _Vocabulary | None = None

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        out_of_scope: str | None = None,
        groups: Mapping[str, str] | None = None,
    ) -> QuestionModel:
        """Train on `texts` labelled `labels`; `groups` maps a label to the class it joins.

        With `out_of_scope` named, words never seen in an in-scope question are marked by an
        extra `UNKNOWN` token, so the model learns how much unfamiliar words point outside the
        knowledge base. To keep that honest, each in-scope question is marked against the
        words of the other in-scope questions only (its fold's words held out).
        """
        from scipy import sparse
        from sklearn.feature_extraction.text import TfidfVectorizer

        groups = groups or {}
        normalised = [normalise(text) for text in texts]
        known = _in_scope_words(normalised, labels, out_of_scope)
        marked = (
            [
                _mark_unknown(text, known[index % FOLDS] if label != out_of_scope else known[-1])
                for index, (text, label) in enumerate(zip(normalised, labels, strict=True))
            ]
            if known
            else normalised
        )
        # Both analyzers are this module's, so answering cuts n-grams exactly as training did.
        analyzers: tuple[Callable[[str], list[str]], ...] = (word_ngrams, char_wb_ngrams)
        # scikit-learn is unannotated: pyright takes `analyzer` for a string only.
        vectorizers = (
            TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, min_df=WORD_MIN_DF),  # pyright: ignore[reportArgumentType]
            TfidfVectorizer(analyzer=char_wb_ngrams, sublinear_tf=True, min_df=CHAR_MIN_DF),  # pyright: ignore[reportArgumentType]
        )
        matrices = [vectorizer.fit_transform(marked) for vectorizer in vectorizers]
        matrix = sparse.hstack(matrices).tocsr()
        targets = [groups.get(label, label) for label in labels]
        classifier = _Linear.fit(matrix, targets, out_of_scope)
        members: dict[str, list[str]] = {target: [] for target in classifier.classes}
        for label in dict.fromkeys(labels):
            members[groups.get(label, label)].append(label)
        shared = {name for names in members.values() if len(names) > 1 for name in names}
        rows = [index for index, label in enumerate(labels) if label in shared]
        picker = _Linear.fit(matrix[rows], [labels[i] for i in rows]) if shared else None
        features = []
        offset = 0
        for analyse, vectorizer, block in zip(analyzers, vectorizers, matrices, strict=True):
            features.append(
                _Features(
                    analyse,
                    dict(vectorizer.vocabulary_),
                    vectorizer.idf_.astype(np.float32),
                    offset,
                )
            )
            offset += block.shape[1]
        return cls(
            classifier.classes,
            {target: tuple(names) for target, names in members.items()},
            tuple(features),
            classifier,
            picker,
            known[-1] if known else None,
        )

    def vector(self, question: str) -> Vector:
        """The question's features, exactly as the vectorizers would compute them."""
        text = normalise(question)
        if self._known is not None:
            text = _mark_unknown(text, self._known)
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        for features in self._features:
            counts = Counter(map(features.vocabulary.get, features.analyse(text)))
            counts.pop(None, None)
            if not counts:
                continue
            ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (1.0 + np.log(tf)) * features.idf[ids]
            columns.append(ids + features.offset)
            values.append(weights / np.sqrt(weights @ weights))
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(columns), np.concatenate(values)

    def scores(self, vector: Vector) -> np.ndarray:
        """One decision value per class (higher is more likely); all bias for no known n-gram."""
        return self._classifier.scores(*vector)

    @cached_property
    def _classes_of(self) -> dict[str, str]:
        return {name: target for target, names in self.members.items() for name in names}

    @cached_property
    def _picked(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self._picker.classes if self._picker else ())}

    def class_of(self, label: str) -> str:
        """The class `label` was taught as."""
        return self._classes_of[label]

    def label(self, target: str, vector: Vector, besides: str | None = None) -> str | None:
        """The label within class `target` that `vector` is most like (other than `besides`)."""
        names = [name for name in self.members[target] if name != besides]
        if len(names) <= 1 or self._picker is None:
            return names[0] if names else None
        scores = self._picker.scores(*vector)
        return max(names, key=lambda name: scores[self._picked[name]])


_TOKEN = re.compile(r"\S+")


def word_ngrams(text: str) -> list[str]:
    """scikit-learn's `word` analyzer with `token_pattern=r"\\S+"` and `WORD_NGRAMS`: the
    lower-cased text's runs of non-space, then each run of two adjacent ones, and so on."""
    tokens = _TOKEN.findall(text.lower())
    low, high = WORD_NGRAMS
    return [
        " ".join(tokens[start : start + n])
        for n in range(low, high + 1)
        for start in range(len(tokens) - n + 1)
    ]


def char_wb_ngrams(text: str) -> list[str]:
    """scikit-learn's `char_wb` n-grams (`CHAR_NGRAMS`) of normalised text, word by word from a
    cache: questions share most of their words, so building and answering cut each word once."""
    return list(chain.from_iterable(map(_word_ngrams, text.split())))


@lru_cache(maxsize=1 << 16)
def _word_ngrams(word: str) -> tuple[str, ...]:
    """The n-grams of one word padded with spaces, exactly as scikit-learn's `char_wb` cuts
    them (a word shorter than an n is counted once, whole)."""
    padded = f" {word} "
    grams: list[str] = []
    for n in range(CHAR_NGRAMS[0], CHAR_NGRAMS[1] + 1):
        grams += [padded[i : i + n] for i in range(max(len(padded) - n, 0) + 1)]
        if len(padded) <= n:
            break
    return tuple(grams)


class _Vocabulary:
    """Words in-scope questions use; a word a typo or two away from one counts as known.

    Typo candidates share the first letter and are about as long, so a lookup compares a
    few hundred words, not the whole vocabulary of a large knowledge base."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self._by_start: dict[tuple[str, int], list[str]] = {}
        for word in sorted(words):
            self._by_start.setdefault((word[0], len(word)), []).append(word)
        self._seen: dict[str, bool] = {}

    def knows(self, word: str) -> bool:
        if word in self.words or word.isdigit():
            return True
        known = self._seen.get(word)
        if known is None:
            typos = 1 if len(word) <= 5 else 2
            near = (
                process.extractOne(
                    word,
                    self._by_start.get((word[0], length), ()),
                    scorer=Levenshtein.distance,
                    processor=None,
                    score_cutoff=typos,
                )
                for length in range(len(word) - typos, len(word) + typos + 1)
            )
            known = any(match is not None for match in near)
            if len(self._seen) > 8192:
                self._seen.clear()
            self._seen[word] = known
        return known


def _in_scope_words(
    texts: Sequence[str], labels: Sequence[str], out_of_scope: str | None
) -> list[_Vocabulary]:
    """Per fold, the words of in-scope questions outside that fold; last, all of them."""
    if out_of_scope is None:
        return []
    folds: list[Counter[str]] = [Counter() for _ in range(FOLDS)]
    for index, (text, label) in enumerate(zip(texts, labels, strict=True)):
        if label != out_of_scope:
            folds[index % FOLDS].update(set(text.split()))
    every = sum(folds, Counter())
    held_out = [_Vocabulary(frozenset(w for w, n in (every - fold).items() if n)) for fold in folds]
    return [*held_out, _Vocabulary(frozenset(every))]


_KANA_GRAMMAR = re.compile(r"[\u3040-\u309f\u30fc]+")
"""A run of hiragana (with the long-vowel mark): Japanese particles and endings ("ってんの",
"ですか"), which vary with register, not topic; never counted as an unfamiliar word."""


def _mark_unknown(text: str, known: _Vocabulary) -> str:
    """`text` with a marker after each word that no in-scope question uses (nor one like it)."""
    return " ".join(
        word if known.knows(word) or _KANA_GRAMMAR.fullmatch(word) else f"{word} {UNKNOWN}"
        for word in text.split()
    )
