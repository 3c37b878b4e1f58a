"""Topic clusters: HDBSCAN in the 5-D UMAP space of `projection`, titled by `topics`.

Settings, chosen by measurement on the four-source acceptance mix (1,064 rows of chat prompts,
grade-school maths, Python stubs and web text): plain ``eom`` selection merged chat and web text
into one cluster of 55-82% of the rows (purity 0.43-0.71); ``leaf`` selection with
``min_cluster_size = rows // 60`` (see `min_cluster_size` for large inputs) and
``min_samples = 5`` keeps them apart (purity 0.94-0.95 with TF-IDF, 0.91-0.93 with MiniLM,
over seeds 0-2) while bounding the number of clusters. HDBSCAN leaves many rows as noise
under ``leaf``; by default each is given the cluster most of its 5 nearest clustered
neighbours (in the 5-D space) belong to; ``keep_noise`` keeps -1.

Above the projection's fit limit HDBSCAN is fitted on the same sample and the other rows are
labelled with `approximate_predict`. With cuML installed and a CUDA device present, cuML's UMAP
and HDBSCAN run instead. Rows whose vector is zero (no text, or not normalizable) are left out:
cluster -1, no map position. Everything is seeded: the same input and seed give the same result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from inspector.core.progress import Progress, check
from inspector.core.semantic import projection
from inspector.core.semantic.cluster_cache import clusters_key, load_result, save_result
from inspector.core.semantic.cluster_result import MIN_ROWS, MIN_SAMPLES, ClusterResult
from inspector.core.semantic.topics import describe_clusters


def min_cluster_size(rows: int) -> int:
    """HDBSCAN's smallest cluster for `rows` fitted rows.

    With ``leaf`` selection there can be at most rows / size clusters: 60 up to ~14k rows, then
    sqrt(rows) / 2. Growing with rows // 60 all the way gave 9 clusters on the 100k benchmark
    rows, one of them a quarter of the rows mixing four sources; 2 * sqrt(rows) gave 17-44.
    """
    return max(5, min(rows // 60, round(2 * rows**0.5)))


def cluster_vectors(
    vectors: np.ndarray,
    text_at: Callable[[Sequence[int]], list[str]],
    keys: Sequence[tuple[str, int]],
    *,
    model_name: str = "",
    keep_noise: bool = False,
    seed: int = 0,
    cancel=None,
):
    """Progress generator: map, cluster and title rows given their unit vectors.

    `text_at(positions)` returns the texts of rows (for keywords and examples). Returns a
    `ClusterResult`.
    """
    n = len(vectors)
    valid = np.flatnonzero(_norms(vectors) > 0)
    labels = np.full(n, -2, dtype=np.int32)  # -2: no vector (left out of the titles too)
    xy = np.full((n, 2), np.nan, dtype=np.float32)
    check(cancel)
    if 0 < valid.size < MIN_ROWS:
        xy[valid] = projection.pca2(np.asarray(vectors[valid], dtype=np.float32))
        labels[valid] = 0
    elif valid.size:
        gpu = _cuml_available()
        place, low, fit_pos = yield from projection.layout(
            vectors, valid, seed=seed, gpu=gpu, cancel=cancel
        )
        xy[valid] = place
        yield Progress("cluster", 0, 1)
        labels[valid] = _cluster_guarded(low, fit_pos, keep_noise, gpu, cancel)
        yield Progress("cluster", 1, 1)
    check(cancel)
    yield Progress("keywords", 0, 1)
    infos = describe_clusters(vectors, labels, text_at, seed=seed)
    labels[labels == -2] = -1
    yield Progress("keywords", 1, 1)
    return ClusterResult(infos, labels, xy, keys, model_name)


def cluster_texts(
    texts: Sequence[str],
    *,
    model: str = "auto",
    keep_noise: bool = False,
    seed: int = 0,
    cancel=None,
):
    """Progress generator: embed and cluster a plain list of texts (keys are ``("texts", i)``)."""
    from inspector.core.semantic.embed import RowKeys, embed_texts

    vectors, name = yield from embed_texts(texts, model=model, cancel=cancel)
    keys = RowKeys(["texts"], [len(texts)])
    result = yield from cluster_vectors(
        vectors,
        lambda idx: [texts[int(i)] for i in idx],
        keys,
        model_name=name,
        keep_noise=keep_noise,
        seed=seed,
        cancel=cancel,
    )
    return result


def cluster_dataset_key(
    ds,
    *,
    embed_model: str = "auto",
    text: str = "prompt_response",
    keep_noise: bool = False,
    seed: int = 0,
) -> str:
    """The cache key `cluster_dataset` stores its result under for these arguments."""
    from inspector.core.semantic.embed import embeddings_key

    return clusters_key(embeddings_key(ds, model=embed_model, text=text), keep_noise, seed)


def cluster_dataset(
    ds,
    *,
    embed_model: str = "auto",
    text: str = "prompt_response",
    keep_noise: bool = False,
    seed: int = 0,
    cancel=None,
):
    """Progress generator: embed (cached), map, cluster and title every row of `ds`.

    The result is cached beside the embeddings, keyed by them and the settings, so a second
    run on unchanged data returns at once. Returns a `ClusterResult`.
    """
    from inspector.core.semantic.embed import embed_dataset, texts_at

    emb = yield from embed_dataset(ds, model=embed_model, text=text, cancel=cancel)
    cached = load_result(ds.cache, emb, keep_noise=keep_noise, seed=seed)
    if cached is not None:
        return cached
    result = yield from cluster_vectors(
        emb.vectors,
        lambda idx: texts_at(ds, emb.keys, idx, text),
        emb.keys,
        model_name=emb.model_name,
        keep_noise=keep_noise,
        seed=seed,
        cancel=cancel,
    )
    save_result(ds.cache, emb, result, keep_noise=keep_noise, seed=seed)
    return result


#: From this many points, HDBSCAN runs in a worker process (when the caller allows workers, see
#: `inspector.core.processes`): its compiled tree code holds the GIL for seconds (1.7 s on 40k
#: points), which would freeze the app's keyboard while the clusters analysis runs.
HDBSCAN_ELSEWHERE = 10_000


def _cluster_guarded(low, fit_idx, keep_noise: bool, gpu: bool, cancel=None) -> np.ndarray:
    """`_cluster`, in a worker process for large CPU fits; cancellable while it waits."""
    from concurrent.futures import TimeoutError as Pending

    from inspector.core.processes import WorkerPool, workers_allowed

    if gpu or len(fit_idx) < HDBSCAN_ELSEWHERE or not workers_allowed():
        return _cluster(low, fit_idx, keep_noise, gpu)
    pool = WorkerPool(1)
    future = pool.submit(_cluster, low, fit_idx, keep_noise, False)
    try:
        while True:
            try:
                return future.result(timeout=0.2)
            except Pending:
                check(cancel)
    finally:
        pool.close(kill=not future.done())  # a cancelled fit does not go on running


def _cluster(low: np.ndarray, fit_idx: np.ndarray, keep_noise: bool, gpu: bool) -> np.ndarray:
    """HDBSCAN labels for the 5-D points, ordered by size (0 = largest), noise handled.

    Fitted on the points `fit_idx`; the others get `approximate_predict`'s labels.
    """
    size = min_cluster_size(len(fit_idx))
    labels = np.full(len(low), -1, dtype=np.int32)
    rest = np.setdiff1d(np.arange(len(low)), fit_idx)
    predict = bool(rest.size)  # prediction data costs time; only a sampled fit needs it
    if gpu:
        from cuml.cluster import HDBSCAN as CuHDBSCAN

        model = CuHDBSCAN(
            min_cluster_size=size,
            min_samples=MIN_SAMPLES,
            cluster_selection_method="leaf",
            prediction_data=predict,
        )
        from cuml.cluster.hdbscan import approximate_predict
    else:
        import hdbscan
        from hdbscan import approximate_predict

        model = hdbscan.HDBSCAN(
            min_cluster_size=size,
            min_samples=MIN_SAMPLES,
            cluster_selection_method="leaf",
            prediction_data=predict,
        )
    # Above 16,384 points hdbscan computes core distances with joblib, whose default backend
    # starts processes; that fails inside the app (Textual's stderr has no file descriptor)
    # and costs a start-up anyway. Threads do the same work.
    from joblib import parallel_config

    with parallel_config(backend="threading"):
        model.fit(low[fit_idx])
        labels[fit_idx] = np.asarray(model.labels_, dtype=np.int32)
        if predict:
            labels[rest] = np.asarray(approximate_predict(model, low[rest])[0], dtype=np.int32)
    if not keep_noise and (labels >= 0).any() and (labels < 0).any():
        labels = _assign_noise(low, labels)
    return _by_size(labels)


def _assign_noise(low: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Give each noise point the cluster most of its 5 nearest clustered neighbours are in."""
    from sklearn.neighbors import KNeighborsClassifier

    known = labels >= 0
    knn = KNeighborsClassifier(n_neighbors=min(5, int(known.sum())))
    knn.fit(low[known], labels[known])
    out = labels.copy()
    out[~known] = knn.predict(low[~known])
    return out


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 from the largest down (ties by old id); -1 stays."""
    ids, counts = np.unique(labels[labels >= 0], return_counts=True)
    order = ids[np.lexsort((ids, -counts))]
    mapping = np.full(int(labels.max()) + 2 if labels.size else 1, -1, dtype=np.int32)
    mapping[order] = np.arange(order.size, dtype=np.int32)
    return np.where(labels >= 0, mapping[labels], -1).astype(np.int32)


def _norms(vectors: np.ndarray) -> np.ndarray:
    """Row norms, read in chunks so a memory-mapped array is never loaded whole."""
    out = np.empty(len(vectors), dtype=np.float32)
    for a in range(0, len(vectors), 65_536):
        out[a : a + 65_536] = np.linalg.norm(np.asarray(vectors[a : a + 65_536]), axis=1)
    return out


def _cuml_available() -> bool:
    """Whether cuML can run here: the package is installed and a CUDA device is visible."""
    try:
        import cuml  # noqa: F401
        import cupy

        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # ImportError, or CUDA runtime errors on a box without a driver
        return False
