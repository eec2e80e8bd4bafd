"""The learned question model: which entry a question asks about, or that it is out of scope.

Classic intent classification (as Rasa's and the CLINC150 out-of-scope baselines do it):
TF-IDF features of word 1–2-grams and `char_wb` 2–5-grams (the character n-grams make typos,
chat spelling and inflections land near the right words without a word list), fed to a linear
SVM with one class per entry plus an out-of-scope class. It is trained on the curated questions
(`knowledge.questions`) and on each entry's own wording, once per knowledge base, in a fraction
of a second.

scikit-learn fits it; answering runs the fitted vectorizers' analyzers and one sparse dot
product with plain numpy, which keeps a question well under a millisecond (scikit-learn's
per-call input validation alone would cost more).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from knowledge.text import normalise

C = 0.5
"""The SVM's regularisation: lower generalises more from few phrasings per entry."""

CLASS_WEIGHT: str | None = None
"""Out-of-scope questions outnumber any entry's; unbalanced, that makes declining the default."""

FOLDS = 5
UNKNOWN = "zzunknownzz"
"""The token standing for a word no in-scope question uses."""

PRUNE = 1e-3
"""Weights smaller than this are dropped, so a large knowledge base stays small in memory."""


@dataclass(frozen=True)
class _Features:
    """One fitted vectorizer, reduced to what answering needs."""

    analyse: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray
    offset: int


Vector = tuple[list[int], list[float]]
"""A question's TF-IDF features: columns and values (each block l2-normalised)."""


@dataclass(frozen=True, eq=False)
class QuestionModel:
    """A fitted classifier over `classes`, each the label itself or a group of labels.

    Labels that answer alike (entries resting on the same source sentence) can be taught as
    one class: the SVM then decides between the groups and whether to decline, and the label
    within a group is the one whose questions' centroid lies nearest the question.
    """

    classes: tuple[str, ...]
    members: dict[str, tuple[str, ...]]
    _features: tuple[_Features, ...]
    _weights: sparse.csr_matrix  # features x classes
    _bias: np.ndarray
    _centroids: dict[str, sparse.csc_matrix]  # class -> members x features
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
        vectorizers = (
            TfidfVectorizer(
                analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"
            ),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
        )
        matrices = [vectorizer.fit_transform(marked) for vectorizer in vectorizers]
        matrix = sparse.hstack(matrices).tocsr()
        targets = [groups.get(label, label) for label in labels]
        classifier = LinearSVC(C=C, class_weight=CLASS_WEIGHT)
        classifier.fit(matrix, targets)
        features = []
        offset = 0
        for vectorizer, block in zip(vectorizers, matrices, strict=True):
            features.append(
                _Features(
                    vectorizer.build_analyzer(),
                    dict(vectorizer.vocabulary_),
                    vectorizer.idf_.astype(np.float32),
                    offset,
                )
            )
            offset += block.shape[1]
        coef = np.asarray(classifier.coef_, dtype=np.float32)
        if len(classifier.classes_) == 2:  # a binary SVM has one row: the second class's
            coef = np.vstack([-coef, coef])
            bias = np.array([-classifier.intercept_[0], classifier.intercept_[0]])
        else:
            bias = np.asarray(classifier.intercept_)
        coef[np.abs(coef) < PRUNE] = 0.0
        classes = tuple(str(target) for target in classifier.classes_)
        members: dict[str, list[str]] = {target: [] for target in classes}
        for label in dict.fromkeys(labels):
            members[groups.get(label, label)].append(label)
        centroids = {
            target: _centroids(matrix, labels, names)
            for target, names in members.items()
            if len(names) > 1
        }
        return cls(
            classes,
            {target: tuple(names) for target, names in members.items()},
            tuple(features),
            sparse.csr_matrix(coef.T),
            bias.astype(np.float32),
            centroids,
            known[-1] if known else None,
        )

    def vector(self, question: str) -> Vector:
        """The question's features, exactly as the vectorizers would compute them."""
        text = normalise(question)
        if self._known is not None:
            text = _mark_unknown(text, self._known)
        columns: list[int] = []
        values: list[float] = []
        for features in self._features:
            counts = Counter(
                features.vocabulary[gram]
                for gram in features.analyse(text)
                if gram in features.vocabulary
            )
            if not counts:
                continue
            weights = [(1.0 + math.log(n)) * float(features.idf[i]) for i, n in counts.items()]
            norm = math.sqrt(sum(w * w for w in weights))
            columns += [features.offset + i for i in counts]
            values += [w / norm for w in weights]
        return columns, values

    def scores(self, vector: Vector) -> np.ndarray:
        """One decision value per class (higher is more likely); all bias for no known n-gram."""
        columns, values = vector
        if not columns:
            return self._bias.copy()
        rows = self._weights[columns]
        return np.asarray(rows.T @ np.asarray(values, dtype=np.float32)).ravel() + self._bias

    def class_of(self, label: str) -> str:
        """The class `label` was taught as."""
        return next(target for target, names in self.members.items() if label in names)

    def label(self, target: str, vector: Vector) -> str:
        """The label within class `target` whose questions lie nearest `vector`."""
        names = self.members[target]
        if len(names) == 1 or not vector[0]:
            return names[0]
        columns, values = vector
        similarity = self._centroids[target][:, columns] @ np.asarray(values, dtype=np.float32)
        return names[int(np.argmax(similarity))]


def _centroids(
    matrix: sparse.csr_matrix, labels: Sequence[str], names: Sequence[str]
) -> sparse.csc_matrix:
    """Each name's mean training vector, l2-normalised, one row per name."""
    rows = []
    for name in names:
        mean = np.asarray(matrix[[i for i, label in enumerate(labels) if label == name]].mean(0))
        rows.append(mean / (np.linalg.norm(mean) or 1.0))
    return sparse.csc_matrix(np.vstack(rows).astype(np.float32))


class _Vocabulary:
    """Words in-scope questions use; a word one or two typos away from one counts as known."""

    def __init__(self, words: frozenset[str]) -> None:
        self.words = words
        self._choices = sorted(words)
        self._seen: dict[str, bool] = {}

    def knows(self, word: str) -> bool:
        if word in self.words or word.isdigit():
            return True
        known = self._seen.get(word)
        if known is None:
            typos = 1 if len(word) <= 5 else 2
            near = process.extractOne(
                word,
                self._choices,
                scorer=Levenshtein.distance,
                processor=None,
                score_cutoff=typos,
            )
            known = near is not None
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


def _mark_unknown(text: str, known: _Vocabulary) -> str:
    """`text` with a marker after each word that no in-scope question uses (nor one like it)."""
    return " ".join(word if known.knows(word) else f"{word} {UNKNOWN}" for word in text.split())
