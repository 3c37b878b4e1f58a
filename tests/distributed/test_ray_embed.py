"""Embeddings on the cluster's actor pool: the local engine's vectors, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from inspector.core import progress
from inspector.core.data import open_dataset

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray-cluster")]


def _both(path, tmp_path, model):
    from inspector.core.distributed.embed import ray_embed
    from inspector.core.semantic.embed import embed_dataset

    local = progress.run(embed_dataset(open_dataset(path, state_dir=tmp_path / "a"), model=model))
    ds = open_dataset(path, state_dir=tmp_path / "b")
    steps = []
    remote = progress.drain(ray_embed(ds, model=model, concurrency=2), steps.append)
    return local, remote, steps


def test_minilm_on_the_actor_pool_equals_local(ray_cluster, sample_data, tmp_path, monkeypatch):
    from inspector.core.semantic import embed

    monkeypatch.setattr(embed, "BLOCK", 48)  # several windows, so both actors encode some
    local, remote, steps = _both(sample_data / "chat", tmp_path, "minilm")
    assert any(p.step == "embedding on the cluster" for p in steps)
    assert remote.model_name == local.model_name == "all-MiniLM-L6-v2"
    assert np.array_equal(np.asarray(remote.vectors), np.asarray(local.vectors))


def test_tfidf_fitted_on_the_driver_equals_local(ray_cluster, sample_data, tmp_path, monkeypatch):
    from inspector.core.semantic import embed

    monkeypatch.setattr(embed, "BLOCK", 100)
    monkeypatch.setattr(embed, "FIT_ROWS", 150)  # fit on a sample, as above 20,000 rows
    local, remote, steps = _both(sample_data / "sft", tmp_path, "tfidf")
    assert any(p.step == "embedding on the cluster" for p in steps)
    assert np.array_equal(np.asarray(remote.vectors), np.asarray(local.vectors))
