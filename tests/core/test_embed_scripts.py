"""The CPU default embedding gives every row with text a vector, whatever its script."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from inspector.core.data.dataset import open_dataset
from inspector.core.progress import run
from inspector.core.semantic import encoders
from inspector.core.semantic.clusters import cluster_texts
from inspector.core.semantic.embed import embed_dataset
from tests.core.topic_mix import mix_with_chinese, purity


@pytest.mark.parametrize(
    "name",
    [
        "llamafactory_dpo_zh_demo.json",
        "llamafactory_glaive_toolcall_zh_demo.json",
        "llamafactory_alpaca_en_demo.json",
    ],
)
def test_every_real_row_with_text_gets_a_vector(real_data, tmp_path, name):
    """Before script-aware features, 106 of 300 Chinese rows got a zero vector."""
    (tmp_path / name).write_bytes((real_data / name).read_bytes())
    ds = open_dataset(tmp_path / name)
    emb = run(embed_dataset(ds, model="tfidf"))
    norms = np.linalg.norm(np.asarray(emb.vectors), axis=1)
    assert np.allclose(norms, 1.0, atol=1e-4), f"{int((norms == 0).sum())} rows without a vector"


def test_short_and_symbol_only_texts_get_vectors():
    texts = (
        ["ok", "😀😀", "好", "謝謝", "Thanks!"] * 4
        + [""]
        + [f"a longer sentence about topic {i} and its details" for i in range(30)]
    )
    enc = encoders.TfidfSvdEncoder()
    vecs = enc.fit_encode(texts)
    norms = np.linalg.norm(vecs, axis=1)
    assert norms[20] == 0  # the one row with no text at all
    assert np.allclose(np.delete(norms, 20), 1.0, atol=1e-4)


def test_mix_with_a_chinese_source_clusters_every_row(real_data):
    """Four sources, one Chinese: every row is assigned, purity >= 0.9, and the Chinese rows
    stay together in few clusters of their own (measured: 7 clusters, all Chinese)."""
    texts, sources = mix_with_chinese(real_data)
    result = run(cluster_texts(texts, model="tfidf"))
    assert result.without_vector == 0
    assert (result.labels >= 0).all()
    assert purity(result.labels, sources) >= 0.9
    zh = Counter(int(c) for c, s in zip(result.labels, sources, strict=True) if s == "zh")
    assert len(zh) <= 8, zh
    by_cluster = Counter(int(c) for c in result.labels)
    # Nearly every Chinese row sits in a cluster made mostly of Chinese rows.
    mostly = sum(n for c, n in zh.items() if n * 2 > by_cluster[c])
    assert mostly >= 0.95 * sum(zh.values())
    assert json.loads(json.dumps(result.to_json()))["rows_without_vector"] == 0
