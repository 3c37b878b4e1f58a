"""Nearest neighbours: exact below the threshold, the cell index close to exact above it."""

from __future__ import annotations

import numpy as np

from inspector.core.progress import run
from inspector.core.semantic import knn
from inspector.core.semantic.embed import embed_texts
from tests.core.topic_mix import four_source_mix


def _recall(found: np.ndarray, exact: np.ndarray) -> float:
    return float(
        np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(found, exact, strict=True)])
    )


def test_exact_graph_puts_each_row_first_even_with_duplicates():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 8)).astype(np.float32)
    x[10] = x[11]  # an exact duplicate pair
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    idx, dist = knn.knn_graph(x, 5)
    assert (idx[:, 0] == np.arange(50)).all() and np.allclose(dist[:, 0], 0, atol=1e-6)
    assert idx[10, 1] == 11 and idx[11, 1] == 10
    assert (np.diff(dist, axis=1) >= -1e-6).all()  # nearest first
    brute = np.argsort(-(x @ x.T), axis=1)[:, :5]
    assert _recall(idx, brute) > 0.95


def test_cell_index_finds_nearly_all_true_neighbours(real_data):
    texts, _ = four_source_mix(real_data)
    x, _name = run(embed_texts(texts))
    x = x[np.linalg.norm(x, axis=1) > 0]
    fit, held = x[:900], x[900:]
    exact_idx, _ = knn._exact(fit, fit, 15, self_first=True)
    index = knn.CellIndex(fit, seed=0)
    idx, dist = knn.refine(fit, *index.graph(15))
    assert (idx[:, 0] == np.arange(len(fit))).all()
    assert all(len(set(row)) == 15 for row in idx)  # no neighbour twice
    assert _recall(idx, exact_idx) >= 0.9
    q_idx, q_dist = index.query(held, 15)
    exact_q, _ = knn._exact(held, fit, 15, self_first=False)
    assert _recall(q_idx, exact_q) >= 0.9
    assert (q_dist >= 0).all() and (np.diff(q_dist, axis=1) >= -1e-6).all()


def test_cell_index_is_repeatable():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    a = knn.CellIndex(x, seed=1).graph(10)
    b = knn.CellIndex(x, seed=1).graph(10)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
