"""Benchmark: `scan` on Ray (1 and 2 workers) next to the local engine, and packing per shard.

1. Scan throughput on `--rows` (1,000,000) generated Alpaca rows in one Parquet file (one in
   twenty a copy, one in fifty a light edit, so duplicate groups are real work): the local
   engine as `inspector scan` runs it (flag rules in worker processes on every core), then
   `ray_scan` on a local Ray cluster of 1 worker CPU, then of 2, in this one run. Each result
   is checked equal to the local one. The input shards (written once per dataset, cached) are
   timed apart; each engine starts from a warm dataset. Rows/s with 1 worker is the per-worker
   figure docs/scale.md extrapolates from. Target: Ray with 2 workers >= 0.8x local.
2. Packing per shard (`--pack-rows`, 1,000,000 lengths): token lengths of the real chat and
   instruction files in ../shared/data/real (tokenized with the embedded tokenizer), drawn
   with replacement; BFD over the whole split next to BFD per shard of K packs' worth of
   tokens (what `distributed.export.ShardPacker` does), for K from 50 to 2,000 and two pack
   lengths. Target: within 0.5 points at the default K (`PACK_SHARD_PACKS`).

    python benchmarks/bench_ray.py [--rows 1000000] [--pack-rows 1000000] [--skip-scan]

`uptime` is printed next to the figures: other work on the machine slows every engine.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "the of and to in a is that for it as was with be by on not he this are or his from "
    "at which but have an they you were her she all would there their what so up out if "
    "about who get which go me when make can like time no just him know take model data "
    "write explain list summarize translate code function answer question sentence"
).split()


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def make_parquet(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(0)
    cols = {"instruction": [], "input": [], "output": []}
    for i in range(rows):
        if i > 100 and i % 20 == 0:  # an exact copy of an earlier row
            j = rng.randrange(i)
            for k in cols:
                cols[k].append(cols[k][j])
            continue
        out = " ".join(rng.choices(WORDS, k=rng.randint(20, 90))) + "."
        if i > 100 and i % 50 == 7:  # a light edit of an earlier answer
            words = cols["output"][rng.randrange(i)].split()
            words[rng.randrange(len(words))] = rng.choice(WORDS)
            out = " ".join(words)
        cols["instruction"].append(" ".join(rng.choices(WORDS, k=rng.randint(6, 20))) + f" #{i}?")
        cols["input"].append("" if i % 3 else " ".join(rng.choices(WORDS, k=rng.randint(5, 30))))
        cols["output"].append(out)
    pq.write_table(pa.table(cols), path)


def _timed(gen):
    from inspector.core import progress

    start = time.perf_counter()
    result = progress.run(gen)
    return result, time.perf_counter() - start


def bench_scan(rows: int) -> None:
    import ray

    from inspector.core.data import open_dataset
    from inspector.core.distributed import ray_scan
    from inspector.core.distributed.shards import input_shards
    from inspector.core.processes import allow_workers
    from inspector.core.scan.run import ScanSettings, scan

    allow_workers()  # the local engine as the `inspector` command runs it
    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    try:
        data, warm = tmp / "train.parquet", tmp / "warm" / "train.parquet"
        make_parquet(data, rows)
        warm.parent.mkdir()
        make_parquet(warm, 4_000)
        ds = open_dataset(data, state_dir=tmp / "state")
        ds.fingerprint  # noqa: B018  (hash the input once, outside every timing)
        settings = ScanSettings()
        _, shard_s = _timed(input_shards(ds))
        local, local_s = _timed(scan(ds, settings, use_cache=False))
        print(f"rows: {rows:,}   {uptime()}")
        print(f"input shards (once per dataset, cached): {shard_s:7.1f} s")
        figures = {"local": rows / local_s}
        print(f"local engine                 : {local_s:7.1f} s  {figures['local']:9,.0f} rows/s")
        for workers in (1, 2):
            ray.init(address="local", num_cpus=workers, include_dashboard=False,
                     object_store_memory=1 << 30, log_to_driver=False,
                     runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}})  # fmt: skip
            try:
                # Start the workers and load their compiled kernels on a small dataset first.
                _timed(ray_scan(open_dataset(warm), settings, use_cache=False, shard_rows=1_000))
                remote, s = _timed(ray_scan(ds, settings, use_cache=False))
            finally:
                ray.shutdown()
            assert remote.to_json() == local.to_json(), "the engines disagree"
            figures[workers] = rows / s
            print(
                f"ray, {workers} worker{'s' if workers > 1 else ' '}             : {s:7.1f} s  "
                f"{figures[workers]:9,.0f} rows/s  ({figures[workers] / figures['local']:.2f}x "
                "local; same result)"
            )
        print(f"per-worker figure for docs/scale.md: {figures[1]:,.0f} rows/s per worker CPU")
        met = figures[2] >= 0.8 * figures["local"]
        print(f"target ray/2 >= 0.8x local: {'met' if met else 'NOT met'}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def real_lengths() -> np.ndarray:
    """Token lengths of the real instruction and chat files (embedded tokenizer, mistral or
    alpaca template, no truncation)."""
    from inspector.core import progress
    from inspector.core.data import open_dataset
    from inspector.core.tokens import TokenPipeline, TokenSettings, load_tokenizer
    from inspector.core.tokens.facts import token_facts

    real = Path(os.environ.get("INSPECTOR_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
    names = [
        "fastchat_dummy_conversation.json",
        "llamafactory_alpaca_en_demo.json",
        "rasbt_instruction-data.json",
        "llamafactory_glaive_toolcall_en_demo.json",
        "llamafactory_dpo_en_demo.json",
        "openai-cookbook_toy_chat_fine_tuning.jsonl",
    ]
    tok = load_tokenizer(None)
    out = []
    with tempfile.TemporaryDirectory() as state:
        for name in names:
            if not (real / name).is_file():
                continue
            ds = open_dataset(real / name, state_dir=state)
            pipe = TokenPipeline(tok, TokenSettings(max_length=1 << 20), fmt=ds.format)
            for split in ds.splits:
                facts = progress.run(token_facts(ds, split, pipe, use_cache=False))
                out.append(facts["tokens"][facts["failed"] == 0])
    if not out:
        raise SystemExit(f"no real data at {real} (set INSPECTOR_REAL_DATA)")
    return np.concatenate(out)


def bench_packing(rows: int) -> None:
    from inspector.core.distributed.export import PACK_SHARD_PACKS
    from inspector.core.tokens.pack import pack_bfd

    source = real_lengths()
    rng = np.random.default_rng(0)
    lengths = rng.choice(source, size=rows, replace=True)
    median, p95 = int(np.median(source)), int(np.percentile(source, 95))
    print(f"\npacking: {rows:,} lengths drawn from {len(source):,} real rows "
          f"(median {median} tokens, p95 {p95})")  # fmt: skip
    print(f"{uptime()}")
    for capacity in (2048, 4096):
        eff = np.minimum(lengths, capacity)
        start = time.perf_counter()
        whole = pack_bfd(eff, capacity)
        whole_s = time.perf_counter() - start
        print(f"capacity {capacity}: whole split {whole.efficiency * 100:.3f}% "
              f"({len(whole):,} packs, {whole_s:.2f} s)")  # fmt: skip
        ends = np.cumsum(eff)
        for packs in (50, 100, 250, 500, PACK_SHARD_PACKS, 2000):
            per = packs * capacity
            cuts = np.searchsorted(ends, np.arange(per, ends[-1], per), side="left") + 1
            bounds = [0, *[int(c) for c in cuts if c < rows], rows]
            n_packs = tokens = 0
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):
                p = pack_bfd(eff[a:b], capacity)
                n_packs += len(p)
                tokens += p.tokens
            e = tokens / (n_packs * capacity)
            mark = " <- default" if packs == PACK_SHARD_PACKS else ""
            loss = (whole.efficiency - e) * 100
            print(f"  per shard of {packs:5d} packs ({len(bounds) - 1:5d} shards): "
                  f"{e * 100:.3f}%  ({loss:+.3f} points){mark}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pack-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-scan", action="store_true")
    parser.add_argument("--skip-packing", action="store_true")
    args = parser.parse_args()
    if not args.skip_scan:
        bench_scan(args.rows)
    if not args.skip_packing:
        bench_packing(args.pack_rows)


if __name__ == "__main__":
    main()
