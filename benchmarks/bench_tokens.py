"""Benchmark: render+tokenize+mask throughput and whole-split BFD packing, each next to a peer.

1. Rows/s for render + tokenize + mask (labels for every row) on the real
   llamafactory_alpaca_en_demo.json with the embedded Mistral tokenizer, next to a bare batched
   `tokenizer(texts)` call on the same rendered texts (target: >= 0.5x the bare call and
   >= 3,000 rows/s on 2 cores). The per-row facts path (`token_facts`' core) is timed too.
2. BFD packing of 1,000,000 lengths (resampled from that dataset's real token lengths) at 2048
   (target < 3 s) next to `trl.pack_dataset(..., strategy="bfd")` on the same lengths
   (TRL packs each `map` batch of 1,000 rows separately), with both packs counts and efficiencies.

    python benchmarks/bench_tokens.py [--data PATH] [--lengths 1000000] [--capacity 2048]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inspector.core import progress  # noqa: E402
from inspector.core.data import open_dataset  # noqa: E402
from inspector.core.tokens import (  # noqa: E402
    TokenPipeline,
    TokenSettings,
    facts_from_conversations,  # noqa: E402
    load_tokenizer,  # noqa: E402
    pack_bfd,  # noqa: E402
)

DEFAULT_DATA = Path(os.environ.get("INSPECTOR_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))


def best_of(repeats: int, **fns) -> dict[str, float]:
    """The fastest of `repeats` runs of each function, taking turns (the machine is shared:
    interleaving lets every contender see the same load, and the minimum is the least noisy)."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: min(t) for name, t in times.items()}


def bench_tokenize(path: Path, repeats: int) -> np.ndarray:
    tok = load_tokenizer()
    ds = open_dataset(path, state_dir=Path("/tmp/inspector-bench-state"))
    convs = [conv for _, conv, _ in ds.iter_conversations("train")]
    pipeline = TokenPipeline(tok, TokenSettings(template="alpaca", mask="completion"), ds.format)
    texts = [pipeline.render(c).text for c in convs]
    n = len(convs)

    def ours():
        for row in pipeline.encode_batch(convs):
            row.labels  # noqa: B018 - materialize the labels: the point of the exercise

    def facts():
        items = ((i, c, None) for i, c in enumerate(convs))
        return progress.run(facts_from_conversations(items, n, pipeline))

    best = best_of(repeats, bare=lambda: tok(texts), full=ours, fact=facts)
    bare, full, fact = best["bare"], best["full"], best["fact"]
    tokens = sum(len(x) for x in tok(texts)["input_ids"])
    print(
        f"render+tokenize+mask on {path.name}: {n} rows, {tokens:,} tokens, "
        f"{os.cpu_count()} CPUs, best of {repeats}"
    )
    print(f"  bare tokenizer(texts)          {n / bare:9,.0f} rows/s")
    print(
        f"  render+tokenize+mask (labels)  {n / full:9,.0f} rows/s  "
        f"({bare / full:.2f}x the bare call's rows/s)"
    )
    print(
        f"  per-row facts (token_facts)    {n / fact:9,.0f} rows/s  "
        f"({bare / fact:.2f}x the bare call's rows/s)"
    )
    return progress.run(
        facts_from_conversations(((i, c, None) for i, c in enumerate(convs)), n, pipeline)
    )["tokens"]


def bench_pack(real_lengths: np.ndarray, count: int, capacity: int) -> None:
    import datasets
    import pyarrow as pa
    from trl.data_utils import pack_dataset

    rng = np.random.default_rng(0)
    lengths = rng.choice(real_lengths, size=count).astype(np.int64)
    start = time.perf_counter()
    ours = pack_bfd(lengths, capacity)
    ours_s = time.perf_counter() - start

    # TRL packs real token lists: one int8 per token keeps a million rows in memory.
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    values = pa.array(np.zeros(int(offsets[-1]), dtype=np.int8))
    table = pa.table({"input_ids": pa.LargeListArray.from_arrays(offsets, values)})
    data = datasets.Dataset(table)
    datasets.disable_progress_bars()
    start = time.perf_counter()
    theirs = pack_dataset(data, capacity, strategy="bfd")
    trl_s = time.perf_counter() - start
    trl_packs = len(theirs)
    trl_eff = int(np.minimum(lengths, capacity).sum()) / (trl_packs * capacity)
    print(f"BFD packing of {count:,} lengths (resampled from the real ones) to {capacity}:")
    print(
        f"  inspector pack_bfd (whole split)     {ours_s:6.2f} s  {len(ours):9,} packs  "
        f"efficiency {ours.efficiency:.2%}"
    )
    print(
        f"  trl.pack_dataset(strategy='bfd')     {trl_s:6.2f} s  {trl_packs:9,} packs  "
        f"efficiency {trl_eff:.2%}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA / "llamafactory_alpaca_en_demo.json"
    )
    parser.add_argument("--lengths", type=int, default=1_000_000)
    parser.add_argument("--capacity", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    if not args.data.is_file():
        raise SystemExit(f"{args.data} not found (set INSPECTOR_REAL_DATA or pass --data)")
    lengths = bench_tokenize(args.data, args.repeats)
    bench_pack(lengths, args.lengths, args.capacity)


if __name__ == "__main__":
    main()
