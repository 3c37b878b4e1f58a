"""`scan` on a real Ray cluster gives exactly the local engine's result, and the app's cache.

Every test compares the whole `ScanResult.to_json()` (flags with evidence, duplicate groups of
every kind with similarities, the sweep, contamination hits, leakage, problems) of the local
scan and of `ray_scan` on the two-node cluster of `conftest.ray_cluster`. Shards are made
small so that every dataset spans several blocks, and so several tasks, on both nodes.
"""

from __future__ import annotations

import shutil

import pytest

from inspector.core import progress
from inspector.core.data import open_dataset
from inspector.core.scan.run import ScanSettings, scan

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray-cluster")]


def _both(path, tmp_path, settings, **ray_args):
    from inspector.core.distributed import ray_scan

    local_ds = open_dataset(path, state_dir=tmp_path / "local")
    local = progress.run(scan(local_ds, settings, use_cache=False)).to_json()
    ds = open_dataset(path, state_dir=tmp_path / "ray")
    steps = []
    result = progress.drain(ray_scan(ds, settings, **ray_args), steps.append)
    return local, result.to_json(), ds, steps


def test_sample_sft_with_contamination_equals_local(ray_cluster, sample_data, tmp_path):
    settings = ScanSettings(against=(str(sample_data / "benchmark" / "test.jsonl"),))
    local, remote, ds, steps = _both(
        sample_data / "sft", tmp_path, settings, shard_rows=150, lsh_min_rows=0
    )
    assert local["contamination"] and local["duplicates"]["exact"] and local["leakage"]
    assert remote == local
    shown = [p for p in steps if p.step == "scanning rows on the cluster"]
    assert shown[-1].done == ds.total_rows and "blocks" in shown[-1].detail
    assert "rows/s" in shown[-1].detail


def test_real_preference_and_sharegpt_equal_local(ray_cluster, real_data, tmp_path):
    for name in ("llamafactory_dpo_en_demo.json", "fastchat_dummy_conversation.json"):
        settings = ScanSettings(against=(str(real_data / "mt_bench_question.jsonl"),))
        local, remote, _, _ = _both(real_data / name, tmp_path / name, settings, shard_rows=128)
        assert local["findings"], name
        assert remote == local, name


def test_real_alpaca_with_duplicates_and_gsm8k_equals_local(ray_cluster, real_data, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(real_data / "llamafactory_alpaca_en_demo.json", data / "train.json")
    shutil.copy(real_data / "rasbt_instruction-examples_with-dups.json", data / "test.json")
    settings = ScanSettings(against=(str(real_data / "gsm8k_test.jsonl"),))
    local, remote, _, _ = _both(data, tmp_path, settings, shard_rows=300)
    assert local["duplicates"]["exact"] and local["duplicates"]["near"]
    assert remote == local


def test_token_flags_equal_local_and_fill_the_token_cache(ray_cluster, sample_data, tmp_path):
    from inspector.core.distributed import TokenSpec, ray_scan
    from inspector.core.scan.run import collect_token_facts
    from inspector.core.tokens import TokenPipeline, TokenSettings, load_tokenizer

    token_settings = TokenSettings(max_length=96)
    local_ds = open_dataset(sample_data / "chat", state_dir=tmp_path / "local")
    pipe = TokenPipeline(load_tokenizer(None), token_settings, fmt=local_ds.format)
    facts = progress.run(collect_token_facts(local_ds, pipe))
    settings = ScanSettings(max_length=96)
    local = progress.run(scan(local_ds, settings, token_facts=facts, use_cache=False)).to_json()
    assert "too_long" in local["flags"]

    ds = open_dataset(sample_data / "chat", state_dir=tmp_path / "ray")
    spec = TokenSpec(None, token_settings, ds.format)
    remote = progress.run(ray_scan(ds, settings, tokens=spec, shard_rows=100)).to_json()
    assert remote == local
    # The cluster's token facts are the tokens layer's own cache entries now.
    again = progress.run(collect_token_facts(ds, pipe))
    for split in ds.splits:
        for name, values in facts[split].columns.items():
            assert (again[split].columns[name] == values).all(), (split, name)


def test_the_local_scan_and_the_app_read_the_cluster_result(ray_cluster, sample_data, tmp_path):
    """A scan computed on the cluster is found by the local engine as its own cached result."""
    from inspector.core.distributed import ray_scan

    ds = open_dataset(sample_data / "preference", state_dir=tmp_path)
    remote = progress.run(ray_scan(ds, ScanSettings(), shard_rows=64))
    steps = []
    again = progress.drain(scan(ds, ScanSettings()), steps.append)
    assert [p.step for p in steps] == ["loading cached scan"]
    assert again.to_json() == remote.to_json()
    shards = list((tmp_path / "ray").glob("scan-*/rows-*.parquet"))
    assert shards, "per-row results are kept as Parquet shards"


def test_the_app_shows_a_scan_computed_on_the_cluster(ray_cluster, sample_data, tmp_path):
    """The app's scan analysis, with its own settings, finds the cluster's result and shows
    it (its `ScanIndex`): no row is scanned again."""
    from inspector.core.distributed import ray_scan
    from inspector.ui.analyses.specs import _scan
    from inspector.ui.session import Session, Settings

    bench = sample_data / "benchmark" / "test.jsonl"
    ds = open_dataset(sample_data / "sft", state_dir=tmp_path)
    app_settings = Settings(against=[bench])
    settings = ScanSettings(max_length=app_settings.max_length, against=(str(bench),))
    remote = progress.run(ray_scan(ds, settings, shard_rows=200)).to_json()
    steps = []
    shown = progress.drain(_scan(Session(ds, app_settings), None), steps.append)
    assert [p.step for p in steps] == ["loading cached scan"]
    assert shown == remote and shown["contamination"] and shown["duplicates"]["exact"]


def _running_task_workers(folder: str) -> list:
    """Worker processes of the test cluster that are running one of the scan's map tasks."""
    from tests.distributed.conftest import _ours

    out = []
    for proc in _ours(folder):
        try:
            title = " ".join(proc.cmdline())
        except Exception:  # gone meanwhile
            continue
        if title.startswith("ray::MapBatches"):
            out.append(proc)
    return out


def test_killing_a_worker_mid_scan_gives_the_same_result(ray_cluster, real_data, tmp_path):
    """A worker process killed while it runs a block: Ray runs the block again elsewhere."""
    from inspector.core.distributed import ray_scan

    path = real_data / "hh-rlhf_harmless-base_test.jsonl.gz"
    local = progress.run(scan(open_dataset(path, state_dir=tmp_path / "l"), use_cache=False))
    ds = open_dataset(path, state_dir=tmp_path / "r")
    killed = []

    def kill_one(p):
        if killed or p.step != "scanning rows on the cluster" or p.done >= p.total:
            return
        for proc in _running_task_workers(ray_cluster["folder"]):
            proc.kill()
            killed.append(proc.pid)
            break

    result = progress.drain(ray_scan(ds, ScanSettings(), shard_rows=100), kill_one)
    assert killed, "no worker was running a block when the scan reported progress"
    assert result.to_json() == local.to_json()
