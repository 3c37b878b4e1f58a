"""Compiled kernels are compiled once: a second process loads the scan's and UMAP's from cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from inspector.core import jit

ROOT = Path(__file__).resolve().parents[2]

# A process's first MinHash and first clusters of sample_data/sft, recording every numba compile
# (numba's own event stream: a function loaded from its cache raises no "numba:compile" event).
CHILD = r"""
import json, sys, time
from numba.core import event

compiled = []

class Listener(event.Listener):
    def on_start(self, ev):
        pass

    def on_end(self, ev):
        func = ev.data["dispatcher"].py_func
        compiled.append(f"{func.__module__}.{func.__qualname__}")

event.register("numba:compile", Listener())
texts = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
texts = [" ".join(str(v) for v in row.values()) for row in texts]
from inspector.core.progress import run
from inspector.core.scan import minhash, shingles
from inspector.core.semantic import clusters, embed_texts

start = time.perf_counter()
minhash.near_pairs(shingles.shingle_bags(texts, 5), 0.8)
first_minhash = time.perf_counter() - start
vectors, _name = run(embed_texts(texts, model="tfidf"))
start = time.perf_counter()
run(clusters.cluster_vectors(vectors, lambda idx: [texts[int(i)] for i in idx],
                             [("t", i) for i in range(len(texts))]))
print(json.dumps({"compiled": compiled, "minhash_s": first_minhash,
                  "clusters_s": time.perf_counter() - start}))
"""


def _child(cache: Path, data: Path) -> dict:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(data)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_second_process_compiles_nothing_it_could_load(tmp_path, sample_data):
    cache = tmp_path / "numba"
    first = _child(cache, sample_data / "sft" / "train.jsonl")
    second = _child(cache, sample_data / "sft" / "train.jsonl")
    ours = [name for name in first["compiled"] if name.startswith("inspector.")]
    umap_names = {f"{m}.{n}".replace("._nb_", "._") for m, n in jit.UMAP_KERNELS}
    assert ours, "the first process compiled none of the scan's kernels: nothing was measured"
    assert umap_names & set(first["compiled"]), "the first process compiled no UMAP kernel"
    # What a second process may still compile: umap-learn's kernels typed eagerly at its
    # import (compiled by the decorator itself, before any cache could be turned on).
    eager = {"umap.utils.tau_rand_int", "umap.utils.tau_rand"}
    assert set(second["compiled"]) <= eager, second["compiled"]


def test_prepare_cache_keeps_a_chosen_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    assert jit.prepare_cache(jit.__file__) == str(tmp_path)


def test_prepare_cache_falls_back_to_a_private_temp_folder(monkeypatch, tmp_path):
    # Neither the source's folder nor the per-user cache can be written: numba would refuse to
    # define the kernels; a folder of this user's in the temporary directory is used instead.
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    if "numba.core.config" in sys.modules:  # restored afterwards, like the environment
        config = sys.modules["numba.core.config"]
        monkeypatch.setattr(config, "CACHE_DIR", config.CACHE_DIR)
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    monkeypatch.setattr(jit.tempfile, "tempdir", str(tmp_path))
    source = blocked / "pkg" / "kernels.py"
    where = jit.prepare_cache(source)
    assert where == str(tmp_path / f"inspector-numba-{os.getuid()}")
    assert os.environ["NUMBA_CACHE_DIR"] == where
    assert Path(where).is_dir()
