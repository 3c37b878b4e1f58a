"""Benchmark: near-duplicate detection, ours next to `datasketch.MinHashLSH`, plus recall.

Run on English-like rows (space-separated words) and on Chinese-like rows (characters, no
spaces), `--script en|zh|both`. Same generated rows, same shingles and parameters for both
(5-grams of the script-aware units of `inspector.core.data.units`: words, or characters of
unspaced scripts; 128 permutations, Jaccard threshold 0.8):

1. Throughput on `--rows` (100k) rows: text in, candidate/near pairs out. Ours is
   `shingles.shingle_bags` + `minhash.near_pairs` (which also verifies every candidate by its
   true Jaccard); datasketch is `MinHash.bulk` (its batched constructor) + `MinHashLSH`
   insert and query (candidates only, no verification). Our one-off numba start-up (loading
   the compiled kernels, or compiling them on a fresh install) is timed separately.
2. Recall on a `--sample` (5k) row subset against brute-force Jaccard over every pair
   (scipy sparse products): the share of pairs at >= 0.8 each method reports, and how many
   reported pairs are below 0.8 (ours must report none).

Targets (2 cores): ours >= 10x datasketch and >= 20,000 rows/s; recall >= 0.95, no false pair.

    python benchmarks/bench_scan.py [--rows 100000] [--sample 5000] [--script both]
                                    [--skip-datasketch]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inspector.core.data import units  # noqa: E402
from inspector.core.scan import minhash, shingles  # noqa: E402

THRESHOLD = 0.8
NUM_PERM = 128
NGRAM = 5


def make_rows(n: int, seed: int = 0, script: str = "en") -> list[str]:
    """Zipf-distributed pseudo-words, 30-150 per row; one row in ten is a copy of an earlier
    row with 1-4 words replaced, so true similarities spread around the threshold.

    `zh`: the words are CJK ideographs (the 6,000 most common-sized block), 60-300 per row,
    written without spaces, as Chinese is."""
    rng = np.random.default_rng(seed)
    if script == "zh":
        return _make_zh_rows(n, rng)
    vocab = np.array([f"w{i}" for i in range(30_000)])
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    lengths = rng.integers(30, 151, size=n)
    words = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
    texts, pos = [], 0
    for i, length in enumerate(lengths):
        if i > 10 and rng.random() < 0.1:
            src = texts[rng.integers(0, i)].split()
            for k in rng.integers(0, len(src), size=rng.integers(1, 5)):
                src[k] = vocab[rng.integers(0, len(vocab))]
            texts.append(" ".join(src))
        else:
            texts.append(" ".join(vocab[words[pos : pos + length]]))
        pos += length
    return texts


def _make_zh_rows(n: int, rng) -> list[str]:
    vocab = [chr(0x4E00 + i) for i in range(6_000)]
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    lengths = rng.integers(60, 301, size=n)
    chars = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
    texts, pos = [], 0
    for i, length in enumerate(lengths):
        if i > 10 and rng.random() < 0.1:
            src = list(texts[rng.integers(0, i)])
            for k in rng.integers(0, len(src), size=rng.integers(1, 5)):
                src[k] = vocab[rng.integers(0, len(vocab))]
            texts.append("".join(src))
        else:
            texts.append("".join(vocab[c] for c in chars[pos : pos + length]))
        pos += length
    return texts


def ours(texts: list[str]):
    sets = shingles.shingle_bags(texts, NGRAM)
    return minhash.near_pairs(sets, THRESHOLD, NUM_PERM)


def ds_shingles(text: str) -> list[bytes]:
    """The same units as ours (`units.split` of the NFKC, lower-cased text), as datasketch
    expects them: byte strings."""
    w = units.split(shingles.normalize_text(text))
    if len(w) < NGRAM:
        return [" ".join(w).encode()] if w else []
    return list({" ".join(w[k : k + NGRAM]).encode() for k in range(len(w) - NGRAM + 1)})


def datasketch_pairs(texts: list[str]) -> set[tuple[int, int]]:
    from datasketch import MinHash, MinHashLSH

    sketches = MinHash.bulk([ds_shingles(t) for t in texts], num_perm=NUM_PERM)
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in enumerate(sketches):
            session.insert(i, m)
    pairs = set()
    for i, m in enumerate(sketches):
        for j in lsh.query(m):
            if j != i:
                pairs.add((min(i, j), max(i, j)))
    return pairs, (lsh.b, lsh.r)


def brute_force(texts: list[str]) -> dict[tuple[int, int], float]:
    """Every pair with Jaccard >= THRESHOLD, from exact shingle sets (sparse products)."""
    from scipy.sparse import csr_matrix

    sets = shingles.shingle_sets(texts, NGRAM)
    _, cols = np.unique(sets.values, return_inverse=True)
    x = csr_matrix(
        (np.ones(len(cols), dtype=np.int32), cols, sets.offsets), shape=(len(texts), cols.max() + 1)
    )
    inter = (x @ x.T).tocoo()
    sizes = sets.counts()
    keep = inter.row < inter.col
    i, j, n = inter.row[keep], inter.col[keep], inter.data[keep]
    sim = n / (sizes[i] + sizes[j] - n)
    ok = sim >= THRESHOLD
    return {(int(a), int(b)): float(s) for a, b, s in zip(i[ok], j[ok], sim[ok], strict=True)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=5_000)
    parser.add_argument("--script", choices=("en", "zh", "both"), default="both")
    parser.add_argument("--skip-datasketch", action="store_true")
    args = parser.parse_args()
    print(f"load: {os.getloadavg()[0]:.2f} (1-minute average, {os.cpu_count()} CPUs)")
    for script in ("en", "zh") if args.script == "both" else (args.script,):
        bench(script, args)


def bench(script: str, args) -> None:
    texts = make_rows(args.rows, script=script)
    size = sum(len(units.split(t)) for t in texts[:2000]) / min(2000, len(texts))
    print(f"\n== {script}: {args.rows:,} generated rows, {size:.0f} units per row on average")
    print(f"parameters: unit {NGRAM}-grams, {NUM_PERM} permutations, Jaccard >= {THRESHOLD}")
    start = time.perf_counter()
    ours(texts[:50])
    print(
        f"ours: numba start-up (load or compile kernels, once): {time.perf_counter() - start:.2f}s"
    )
    start = time.perf_counter()
    found = ours(texts)
    t_ours = time.perf_counter() - start
    banding = minhash.choose_bands(THRESHOLD, NUM_PERM)
    print(
        f"ours:       {t_ours:8.2f}s  {args.rows / t_ours:10,.0f} rows/s  "
        f"bands={banding.bands} r={banding.rows_per_band}  candidates={found.candidates:,}  "
        f"verified pairs={len(found.pairs):,} (+ copies)"
    )
    if not args.skip_datasketch:
        start = time.perf_counter()
        pairs, (b, r) = datasketch_pairs(texts)
        t_ds = time.perf_counter() - start
        print(
            f"datasketch: {t_ds:8.2f}s  {args.rows / t_ds:10,.0f} rows/s  bands={b} r={r}  "
            f"candidate pairs={len(pairs):,} (unverified)"
        )
        print(f"speed-up: {t_ds / t_ours:.1f}x  (target >= 10x; ours target >= 20,000 rows/s)")
    print(f"load: {os.getloadavg()[0]:.2f}")

    sample = texts[: args.sample]
    truth = brute_force(sample)
    got_pairs, got_sims = ours(sample).expanded()
    got = set(map(tuple, got_pairs.tolist()))
    false = len(got - set(truth))
    recall = len(got & set(truth)) / max(1, len(truth))
    print(
        f"recall on {args.sample:,} rows: {len(truth):,} pairs at >= {THRESHOLD} by brute force; "
        f"ours finds {recall:.4f} of them, {false} reported pairs below the threshold"
    )
    if not args.skip_datasketch:
        ds_pairs, _ = datasketch_pairs(sample)
        ds_recall = len(ds_pairs & set(truth)) / max(1, len(truth))
        below = len(ds_pairs - set(truth))
        print(
            f"datasketch (default banding) finds {ds_recall:.4f} of them, "
            f"{below} candidate pairs below the threshold (it does not verify)"
        )


if __name__ == "__main__":
    main()
