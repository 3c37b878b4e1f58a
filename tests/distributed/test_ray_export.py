"""`export` on a real Ray cluster: the local engine's files, byte for byte; packs per shard.

Filtered and tokenized files are compared by the SHA-256 the manifest records (and the
manifests' rows, drops, splits and token statistics); packed files by what a trainer gets
from them: the same sequences (every row's tokens and labels) and tokens, in packs whose
efficiency is within 0.5 points of the whole-split packing.
"""

from __future__ import annotations

import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest

from inspector.core import progress
from inspector.core.data import open_dataset
from inspector.core.export.inputs import evidence_for
from inspector.core.export.rules import parse_rules
from inspector.core.export.run import ExportSettings, export_dataset
from inspector.core.tokens import TokenSettings

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray-cluster")]
SAME = ("rows", "drops", "split", "tokens", "decisions", "settings", "input")


def _local(path, out, settings, tmp_path, against=(), token_settings=None):
    from inspector.core.distributed import TokenSpec

    ds = open_dataset(path, state_dir=tmp_path / "local-state")
    pipe = TokenSpec(None, token_settings, ds.format).build() if token_settings else None
    evidence = progress.run(evidence_for(ds, settings, against, pipe))
    return progress.run(export_dataset(ds, out, settings, evidence=evidence, tokens=pipe))


def _remote(path, out, settings, tmp_path, against=(), token_settings=None, **kw):
    from inspector.core.distributed import TokenSpec, ray_export

    ds = open_dataset(path, state_dir=tmp_path / "ray-state")
    spec = TokenSpec(None, token_settings, ds.format) if token_settings else None
    steps = []
    gen = ray_export(ds, out, settings, against=against, token_spec=spec, **kw)
    return progress.drain(gen, steps.append), steps


def _files(manifest, what):
    return {k: v["sha256"] for k, v in manifest["outputs"][what]["files"].items()}


def test_filtered_and_tokenized_exports_are_byte_identical(ray_cluster, sample_data, tmp_path):
    settings = ExportSettings(
        what=("filtered", "tokenized"),
        rules=parse_rules(["flag:refusal", "dup:exact", "dup:near", "contaminated"]),
        split=(0.8, 0.1, 0.1),
        seed=3,
    )
    against = (sample_data / "benchmark" / "test.jsonl",)
    tokens = TokenSettings(max_length=128)
    local = _local(sample_data / "sft", tmp_path / "a", settings, tmp_path, against, tokens)
    remote, steps = _remote(
        sample_data / "sft", tmp_path / "b", settings, tmp_path, against, tokens, shard_rows=200
    )
    assert local.manifest["drops"]["contaminated"] and local.manifest["drops"]["flag:refusal"]
    for what in ("filtered", "tokenized"):
        assert _files(remote.manifest, what) == _files(local.manifest, what), what
    for part in SAME:
        if part != "input":
            assert remote.manifest[part] == local.manifest[part], part
    assert remote.manifest["engine"]["name"] == "ray"
    assert any(p.step == "tokenizing on the cluster" for p in steps)
    for rel in ("tokenized/train.parquet", "filtered/train.jsonl"):
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def _sequences(path):
    """Every packed sequence as (input_ids, labels without its first label), sorted."""
    table = pq.read_table(path).to_pydict()
    out = []
    for ids, labels, lengths in zip(
        table["input_ids"], table["labels"], table["seq_lengths"], strict=True
    ):
        at = 0
        for n in lengths:
            out.append((tuple(ids[at : at + n]), tuple(labels[at + 1 : at + n])))
            at += n
    return sorted(out)


def test_packed_per_shard_keeps_rows_and_tokens_within_half_a_point(
    ray_cluster, real_data, tmp_path
):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(real_data / "rasbt_instruction-data.json", data / "train.json")
    shutil.copy(real_data / "llamafactory_alpaca_en_demo.json", data / "validation.json")
    # Short packs so that the splits span several shards of 250 packs each on this small data.
    settings = ExportSettings(what=("tokenized", "packed"), pack_length=256)
    tokens = TokenSettings(max_length=512)
    local = _local(data, tmp_path / "a", settings, tmp_path, token_settings=tokens)
    remote, _ = _remote(
        data, tmp_path / "b", settings, tmp_path, token_settings=tokens, pack_shard_packs=250
    )
    assert _files(remote.manifest, "tokenized") == _files(local.manifest, "tokenized")
    lp = local.manifest["outputs"]["packed"]["packing"]
    rp = remote.manifest["outputs"]["packed"]["packing"]
    assert rp["strategy"] == "bfd-per-shard" and lp["strategy"] == "bfd"
    assert rp["tokens"] == lp["tokens"]
    for split in ("train", "validation"):
        assert rp["splits"][split]["rows"] == lp["splits"][split]["rows"]
        assert _sequences(tmp_path / "b" / "packed" / f"{split}.parquet") == _sequences(
            tmp_path / "a" / "packed" / f"{split}.parquet"
        )
    assert rp["packs"] >= lp["packs"]
    assert rp["splits"]["validation"]["packs"] > 500  # so three shards or more
    assert abs(rp["efficiency"] - lp["efficiency"]) * 100 < 0.5, (rp, lp)
    # A split of one shard is packed exactly as locally.
    small, _ = _remote(
        data, tmp_path / "c", settings, tmp_path, token_settings=tokens, pack_shard_packs=10**6
    )
    assert _files(small.manifest, "packed") == _files(local.manifest, "packed")
    assert np.isclose(
        small.manifest["outputs"]["packed"]["packing"]["efficiency"], lp["efficiency"]
    )
