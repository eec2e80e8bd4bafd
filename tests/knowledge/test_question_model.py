"""The question model's linear scorer: dense rows for common n-grams sum exactly as sparse ones."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from knowledge.question_model import DENSE_MIN_CLASSES, DENSE_SHARE, _Linear, _split_dense


def _weights(classes: int, features: int, seed: int) -> sparse.csr_matrix:
    """Random features-by-classes weights: a few rows used by most classes, the rest by few."""
    rng = np.random.default_rng(seed)
    dense = np.zeros((features, classes), dtype=np.float32)
    for row in range(features):
        share = 0.9 if row % 10 == 0 else 0.02
        used = rng.random(classes) < share
        dense[row, used] = rng.normal(size=used.sum()).astype(np.float32)
    return sparse.csr_matrix(dense)


def test_dense_rows_score_as_the_full_weights() -> None:
    classes, features = DENSE_MIN_CLASSES * 3, 400
    weights = _weights(classes, features, seed=1)
    bias = np.linspace(-1, 1, classes, dtype=np.float32)
    rest, dense, dense_row = _split_dense(weights, classes)
    names = tuple(map(str, range(classes)))
    linear = _Linear(names, rest.indptr, rest.indices, rest.data, dense, dense_row, bias)
    common = np.diff(weights.indptr) > DENSE_SHARE * classes
    assert linear.dense.shape == (common.sum(), classes) and common.sum() > 0
    assert len(linear.data) == np.diff(weights.indptr)[~common].sum()
    rng = np.random.default_rng(2)
    for _ in range(20):
        columns = rng.choice(features, size=30, replace=False)
        values = rng.random(30)
        vector = np.zeros(features)
        vector[columns] = values
        expected = weights.T @ vector + bias
        assert np.allclose(linear.scores(columns, values), expected, atol=1e-5)
    assert np.allclose(linear.scores(np.zeros(0, dtype=np.int64), np.zeros(0)), bias)


def test_few_classes_keep_every_row_sparse() -> None:
    classes = DENSE_MIN_CLASSES - 1
    weights = _weights(classes, 50, seed=3)
    kept, dense, dense_row = _split_dense(weights, classes)
    assert dense.shape[0] == 0 and len(dense_row) == 0
    assert (kept != weights).nnz == 0
