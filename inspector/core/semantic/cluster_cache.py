"""Cluster results cached beside the embeddings they were computed from.

An entry is ``<state dir>/cache/clusters/<key>.npz`` (labels and map positions, saved without
pickles) plus ``<key>.json`` (the clusters' sizes, keywords and examples). The key hashes the
embeddings' own cache key, the clustering settings and this module's version, so new data, a
new model or new settings never return an old answer. The JSON is written last: an entry
without it is incomplete and ignored.
"""

from __future__ import annotations

import os

import numpy as np

from inspector.core.cache import Cache, make_key
from inspector.core.semantic import projection
from inspector.core.semantic.cluster_result import MIN_SAMPLES, ClusterResult
from inspector.core.semantic.topics import ClusterInfo

_VERSION = 1


def _key(emb, keep_noise: bool, seed: int) -> str:
    return clusters_key(emb.key, keep_noise, seed)


def clusters_key(embeddings_key: str, keep_noise: bool, seed: int) -> str:
    """The cache key of the clusters of the embeddings cached under `embeddings_key`."""
    return make_key(
        kind="clusters",
        v=_VERSION,
        embeddings=embeddings_key,
        keep_noise=keep_noise,
        seed=seed,
        fit_max=projection.FIT_MAX,
        neighbors=projection.N_NEIGHBORS,
        min_samples=MIN_SAMPLES,
    )


def load_result(cache: Cache, emb, *, keep_noise: bool, seed: int):
    """The cached `ClusterResult` for these embeddings and settings, or None."""
    if not emb.key:
        return None
    key = _key(emb, keep_noise, seed)
    meta = cache.get_json("clusters", key)
    path = cache.path("clusters", key, "npz")
    if meta is None or not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as arrays:
            labels, xy = arrays["labels"], arrays["xy"]
        if len(labels) != len(emb.keys):
            return None
        infos = [ClusterInfo(**c) for c in meta["clusters"]]
        return ClusterResult(infos, labels, xy, emb.keys, meta["model_name"])
    except (OSError, ValueError, EOFError, KeyError, TypeError):
        cache.discard("clusters", key)  # damaged: clustered again
        return None


def save_result(cache: Cache, emb, result, *, keep_noise: bool, seed: int) -> None:
    """Store `result` (arrays first, then the JSON that marks the entry complete)."""
    if not emb.key:
        return
    key = _key(emb, keep_noise, seed)
    path = cache.path("clusters", key, "npz")
    tmp = path.with_name(path.name + ".tmp.npz")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, labels=result.labels, xy=result.xy)
        os.replace(tmp, path)
    except OSError as err:  # read-only or full: the result is still returned, not cached
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        cache.note_failure(path, err)
        return
    clusters = [
        {
            "id": c.id,
            "size": c.size,
            "share": c.share,
            "keywords": c.keywords,
            "examples": c.examples,
            "example_texts": c.example_texts,
        }
        for c in result.clusters
    ]
    cache.put_json("clusters", key, {"model_name": result.model_name, "clusters": clusters})
