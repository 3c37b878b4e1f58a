"""Topic clusters on real data: the four-source mix separates, results are cached and repeatable."""

from __future__ import annotations

import json

import numpy as np
import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import Cancelled, drain, run
from inspector.core.semantic import clusters, encoders, knn, projection
from inspector.core.semantic.clusters import cluster_dataset, cluster_texts, cluster_vectors
from inspector.core.semantic.embed import embed_dataset, embed_texts
from tests.core.topic_mix import four_source_mix, purity, write_text_dataset


def _forbid(monkeypatch, *targets):
    """Make each (module, attribute) raise if called: proves a cache answered instead."""
    for module, name in targets:

        def boom(*args, _name=name, **kwargs):
            raise AssertionError(f"{_name} was called although the cache should answer")

        monkeypatch.setattr(module, name, boom)


def _check_mix(result, sources):
    ids = {c.id for c in result.clusters}
    assert 4 <= len(ids) <= 40, f"{len(ids)} clusters"
    assert (result.labels >= 0).all(), "noise should be assigned to clusters by default"
    assert purity(result.labels, sources) >= 0.9
    assert sum(c.size for c in result.clusters) == len(sources)
    assert all(c.keywords and c.examples for c in result.clusters)


def test_mix_with_cpu_default_separates_sources_and_is_cached(real_data, tmp_path, monkeypatch):
    texts, sources = four_source_mix(real_data)
    assert len(texts) == 1064
    ds = open_dataset(write_text_dataset(texts, tmp_path / "data"))
    steps = []
    result = drain(cluster_dataset(ds), lambda p: steps.append(p.step))
    assert result.model_name.startswith("tfidf-svd")  # no GPU here: the CPU default
    assert {"embed", "map", "cluster", "keywords"} <= set(steps)
    _check_mix(result, sources)

    out = result.to_json()
    json.dumps(out)  # serializable as is
    assert [(r["split"], r["row"]) for r in out["rows"]] == [("train", i) for i in range(1064)]
    assert all(isinstance(r["x"], float) and isinstance(r["y"], float) for r in out["rows"])
    first = out["clusters"][0]
    assert set(first) == {"id", "size", "share", "keywords", "examples"}
    assert first["size"] == max(c["size"] for c in out["clusters"])  # id 0 is the largest
    example = first["examples"][0]
    assert example["text"][:40] == " ".join(texts[example["row"]].split())[:40]
    table = result.table_rows()
    assert [t[0] for t in table] == [c["id"] for c in out["clusters"]]
    assert all(isinstance(t[2], str) and t[2] for t in table)

    # A second run on unchanged data: embeddings and clusters come from the cache, no model
    # is loaded and no UMAP is fitted.
    _forbid(monkeypatch, (encoders, "load_encoder"), (projection, "_fit_cpu"))
    again = run(cluster_dataset(open_dataset(ds.path)))
    assert np.array_equal(again.labels, result.labels)
    assert np.allclose(again.xy, result.xy)
    assert again.to_json()["clusters"] == out["clusters"]


@pytest.mark.slow
def test_mix_with_bundled_minilm_separates_sources(real_data, tmp_path, monkeypatch):
    """MiniLM on 2 CPU cores: ~85 rows/s, so ~15 s for the 1,064 rows."""
    texts, sources = four_source_mix(real_data)
    ds = open_dataset(write_text_dataset(texts, tmp_path / "data"))
    result = run(cluster_dataset(ds, embed_model="minilm"))
    assert result.model_name == "all-MiniLM-L6-v2"
    _check_mix(result, sources)

    _forbid(monkeypatch, (encoders, "load_encoder"))
    emb = run(embed_dataset(open_dataset(ds.path), model="minilm"))
    assert isinstance(emb.vectors, np.memmap)
    assert emb.vectors.shape == (1064, 384)


def test_keep_noise_keeps_minus_one_and_seed_repeats(real_data):
    texts, _ = four_source_mix(real_data)
    texts = texts[::3]  # every third row of each source: same topics, a third of the work
    vectors, _name = run(embed_texts(texts))
    keys = [("texts", i) for i in range(len(texts))]

    def text_at(idx):
        return [texts[i] for i in idx]

    kept = run(cluster_vectors(vectors, text_at, keys, keep_noise=True, seed=0))
    assigned = run(cluster_vectors(vectors, text_at, keys, keep_noise=False, seed=0))
    noise = kept.labels == -1
    assert noise.any() and (assigned.labels >= 0).all()
    # The same clusters (ids are renumbered by final size): each kept cluster maps to one.
    pairs = set(zip(kept.labels[~noise].tolist(), assigned.labels[~noise].tolist(), strict=True))
    assert len(pairs) == len({k for k, _ in pairs}) == len({a for _, a in pairs})
    assert np.array_equal(kept.xy, assigned.xy)  # same seed, same map
    assert kept.clusters[-1].id == -1 and kept.clusters[-1].size == int(noise.sum())


def test_above_the_fit_limit_a_sample_is_fitted_and_the_rest_transformed(real_data, monkeypatch):
    texts, sources = four_source_mix(real_data)
    texts, sources = texts[::2], sources[::2]
    monkeypatch.setattr(projection, "FIT_MAX", 300)  # fit 300 of 532 rows
    monkeypatch.setattr(knn, "EXACT_MAX", 100)  # the approximate (cell index) graph
    result = run(cluster_texts(texts))
    assert np.isfinite(result.xy).all()
    assert (result.labels >= 0).all()
    assert purity(result.labels, sources) >= 0.85


def test_rows_without_text_are_left_out(tmp_path):
    texts = ["", "   "] + [f"the cat number {i} sat on the mat" for i in range(8)]
    result = run(cluster_texts(texts))
    assert result.labels[:2].tolist() == [-1, -1]
    assert np.isnan(result.xy[:2]).all() and not np.isnan(result.xy[2:]).any()
    rows = result.to_json()["rows"]
    assert rows[0]["x"] is None and rows[0]["cluster"] == -1
    # Too few rows for UMAP: one cluster, placed by their main directions.
    assert set(result.labels[2:].tolist()) == {0}
    assert [c.id for c in result.clusters] == [0]


def test_cancel_stops_clustering(real_data):
    import threading

    texts, _ = four_source_mix(real_data)
    cancel = threading.Event()
    gen = cluster_texts(texts[:200], cancel=cancel)
    next(gen)
    cancel.set()
    with pytest.raises(Cancelled):
        run(gen)


def test_min_cluster_size_bounds_the_number_of_clusters():
    assert clusters.min_cluster_size(1064) == 17  # at most 62 clusters on the mix
    assert clusters.min_cluster_size(100_000) == 632  # at most 158 on 100k rows
    assert clusters.min_cluster_size(30) == 5


def test_a_cancelled_out_of_process_fit_stops_its_worker(monkeypatch):
    import multiprocessing
    import threading

    from inspector.core.progress import Cancelled
    from inspector.core.semantic.clusters import HDBSCAN_ELSEWHERE, _cluster_guarded

    monkeypatch.setattr("inspector.core.processes._allowed", True)
    rng = np.random.default_rng(1)
    low = rng.normal(size=(HDBSCAN_ELSEWHERE * 6, 5)).astype(np.float32)
    cancel = threading.Event()
    threading.Timer(1.0, cancel.set).start()
    with pytest.raises(Cancelled):
        _cluster_guarded(low, np.arange(len(low)), False, False, cancel)
    for child in multiprocessing.active_children():
        child.join(timeout=10)
    assert not multiprocessing.active_children()
