"""UMAP projections of unit vectors: a 5-D space (cosine) to cluster in and a 2-D map to draw.

Both UMAPs share one nearest-neighbour graph (`knn`), computed with matrix products instead of
pynndescent, whose numba compilation cost ~55 s per process on two cores. The 5-D layout is
fitted first; the 2-D map then starts from that layout's two main directions, so it needs far
fewer epochs to settle. Measured on 100k rows of text on two shared cores (benchmarks/
bench_embed.py): separate spectral-initialised fits took over five minutes; this takes under
two, and on the four-source acceptance mix the clusters are as pure.

Above `fit_max` rows only a seeded sample is fitted; every other row is placed at the
similarity-weighted mean of its nearest fitted rows in both spaces (how UMAP's own `transform`
starts). With cuML and a CUDA device present, cuML's UMAP fits and transforms instead.
"""

from __future__ import annotations

import warnings

import numpy as np

from inspector.core.progress import Progress, check
from inspector.core.semantic import knn

CLUSTER_DIMS = 5
N_NEIGHBORS = 15
#: Rows fitted at once on a CPU; above, a seeded sample of this size is fitted.
FIT_MAX = 100_000
#: Rows fitted at once on a GPU (cuML handles millions in memory).
FIT_MAX_GPU = 2_000_000
_CHUNK = 20_000


def epochs(rows: int) -> int:
    """Layout epochs for the 5-D space: UMAP's 200 up to 10k rows, 100 above (same clusters on
    the benchmark rows, half the time). The 2-D map, started from it, gets half as many."""
    return 200 if rows <= 10_000 else 100


def layout(vectors, valid: np.ndarray, *, seed: int, gpu: bool, cancel=None):
    """Progress generator: (2-D map, 5-D space, fitted positions) for the rows `valid`.

    `vectors` may be memory-mapped: only the fitted sample is held in memory, the other rows
    are read a chunk at a time.
    """
    n = valid.size
    limit = FIT_MAX_GPU if gpu else FIT_MAX
    fit_pos = (
        np.arange(n)
        if n <= limit
        else np.sort(np.random.default_rng(seed).choice(n, limit, replace=False))
    )
    yield Progress("map", 0, n)
    x = np.asarray(vectors[valid[fit_pos]], dtype=np.float32)
    place = np.empty((n, 2), dtype=np.float32)
    low = np.empty((n, CLUSTER_DIMS), dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # UMAP warns about n_jobs with a seed, no search index
        fitted = _fit_gpu(x, seed) if gpu else _fit_cpu(x, seed)
    place[fit_pos], low[fit_pos] = fitted[0], fitted[1]
    yield Progress("map", fit_pos.size, n)
    rest = np.setdiff1d(np.arange(n), fit_pos)
    index = None if gpu or rest.size == 0 else knn.CellIndex(x, seed)
    for a in range(0, rest.size, _CHUNK):
        check(cancel)
        part = rest[a : a + _CHUNK]
        chunk = np.asarray(vectors[valid[part]], dtype=np.float32)
        if gpu:
            place[part], low[part] = fitted[2].transform(chunk), fitted[3].transform(chunk)
        else:
            idx, dist = index.query(chunk, N_NEIGHBORS)
            weights = _weights(dist)
            place[part] = np.einsum("nk,nkd->nd", weights, fitted[0][idx])
            low[part] = np.einsum("nk,nkd->nd", weights, fitted[1][idx])
        yield Progress("map", fit_pos.size + a + part.size, n)
    return place, low, fit_pos


def _fit_cpu(x: np.ndarray, seed: int):
    """(2-D coordinates, 5-D coordinates) of the rows of `x`, fitted with umap-learn."""
    import umap
    from sklearn.decomposition import PCA

    from inspector.core.jit import cache_umap

    cache_umap()  # its kernels otherwise compile again in every process

    k = min(N_NEIGHBORS, len(x) - 1)
    idx, dist = knn.knn_graph(x, k, seed)

    def fit(dims: int, min_dist: float, n_epochs: int, init) -> np.ndarray:
        model = umap.UMAP(
            n_neighbors=k,
            n_components=dims,
            metric="cosine",
            min_dist=min_dist,
            random_state=seed,
            n_epochs=n_epochs,
            init=init,
            # UMAP prunes the graph it is given in place: each fit gets its own copy.
            precomputed_knn=(idx.copy(), dist.copy(), None),
            # Use the given graph at every size: below 4,096 rows UMAP would otherwise compute
            # all pairwise distances through a Python callback (70% of its time on 1k rows).
            force_approximation_algorithm=True,
        )
        return model.fit(x).embedding_.astype(np.float32)

    n_epochs = epochs(len(x))
    # PCA start: spectral initialisation ran for minutes on graphs with many components.
    low = fit(CLUSTER_DIMS, 0.0, n_epochs, "pca")
    start = PCA(2, random_state=seed).fit_transform(low)
    place = fit(2, 0.1, n_epochs // 2, start.astype(np.float32))
    return place, low


def _fit_gpu(x: np.ndarray, seed: int):
    """(2-D, 5-D, 2-D model, 5-D model) fitted with cuML (kept for transforming the rest)."""
    from cuml.manifold import UMAP as CuUMAP

    k = min(N_NEIGHBORS, len(x) - 1)
    maps = [
        CuUMAP(n_neighbors=k, n_components=d, metric="cosine", min_dist=m, random_state=seed).fit(x)
        for d, m in ((2, 0.1), (CLUSTER_DIMS, 0.0))
    ]
    return (
        np.asarray(maps[0].embedding_, dtype=np.float32),
        np.asarray(maps[1].embedding_, dtype=np.float32),
        maps[0],
        maps[1],
    )


def _weights(dist: np.ndarray) -> np.ndarray:
    """Neighbour weights for placing a row: nearer fitted rows pull harder (sum 1 per row)."""
    nearest = dist[:, :1]
    scale = np.maximum(dist.mean(axis=1, keepdims=True) - nearest, 1e-6)
    w = np.exp(-(dist - nearest) / scale)
    return (w / w.sum(axis=1, keepdims=True)).astype(np.float32)


def pca2(x: np.ndarray) -> np.ndarray:
    """A 2-D map of a handful of rows (too few for UMAP): their two main directions."""
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((len(x), 2), dtype=np.float32)
    comps = vt[:2]
    out[:, : len(comps)] = centred @ comps.T
    return out
