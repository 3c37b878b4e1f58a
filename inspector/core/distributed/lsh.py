"""Near-duplicate pairs on the cluster: `minhash.near_pairs`, step for step, as Ray Data stages.

The local function does, over all rows: collapse identical shingle multisets onto their first
row, MinHash signatures, LSH band keys, candidate pairs per band bucket, exact Jaccard of each
candidate. Here:

1. representatives: on the driver (`minhash.representatives`, one linear pass over hashes);
2. signatures and band keys: `map_batches` over chunks of `CHUNK_ROWS` rows, reading the
   shingles from the object store (stored once with the task's function, mapped without a
   copy by the workers of each node);
   each chunk emits one record per band with its row ids and keys;
3. candidates: `groupby("band").map_groups`, a shuffle of `bands x 16` bytes per row, and in
   each band the local `minhash.band_pairs` over its keys in row order (so the buckets, and
   the chained links of buckets over `minhash.MAX_BUCKET`, are exactly the local ones);
4. verification: `map_batches` over chunks of candidate pairs, `minhash.jaccard` on each.

So the pairs, and everything built on them (groups, the sweep, near contamination), are the
local engine's. Below `MIN_ROWS` rows the local function runs on the driver instead: starting
the four stages costs a few seconds, more than the whole search on such data.
"""

from __future__ import annotations

import functools
import threading

import numpy as np
import pyarrow as pa

from inspector.core.scan import minhash

#: Rows below which the search runs on the driver (see the module docstring).
MIN_ROWS = 200_000
#: Rows per signature task.
CHUNK_ROWS = 50_000
#: Candidate pairs per verification task.
PAIR_CHUNK = 500_000
#: Partitions of the band shuffle (each a reduce task holding some bands).
PARTITIONS = 8


def finder(concurrency: int | None = None, min_rows: int = MIN_ROWS):
    """A drop-in `minhash.near_pairs` for `scan.run._dataset_steps(near_pairs=...)`."""
    return functools.partial(near_pairs, concurrency=concurrency, min_rows=min_rows)


def _band_keys(batch: pa.Table, values, offsets, is_rep, num_perm: int, banding) -> pa.Table:
    """Signatures and band keys of a chunk of rows; one output record per band."""
    from inspector.core.scan import kernels
    from inspector.core.scan.shingles import Tokens

    out = {"band": [], "lo": [], "ids": [], "keys": []}
    for lo, hi in zip(batch.column("lo").to_pylist(), batch.column("hi").to_pylist(), strict=True):
        active = np.flatnonzero(is_rep[lo:hi])
        if not len(active):
            continue
        base = offsets[lo]
        part = Tokens(values[base : offsets[hi]], offsets[lo : hi + 1] - base)
        sig = minhash.signatures(part, num_perm)[active]
        keys = kernels.band_keys(np.ascontiguousarray(sig), banding.bands, banding.rows_per_band)
        ids = (active + lo).astype(np.int64)
        for band in range(banding.bands):
            out["band"].append(band)
            out["lo"].append(lo)
            out["ids"].append(ids.tobytes())
            out["keys"].append(np.ascontiguousarray(keys[band]).tobytes())
    return pa.table(
        {
            "band": pa.array(out["band"], pa.int32()),
            "lo": pa.array(out["lo"], pa.int64()),
            "ids": pa.array(out["ids"], pa.large_binary()),
            "keys": pa.array(out["keys"], pa.large_binary()),
        }
    )


def _bucket(group: pa.Table) -> pa.Table:
    """One band's candidate pairs, its chunks put back in row order first."""
    order = np.argsort(group.column("lo").to_numpy(), kind="stable")
    ids = np.concatenate(
        [np.frombuffer(group.column("ids")[int(i)].as_py(), np.int64) for i in order]
    )
    keys = np.concatenate(
        [np.frombuffer(group.column("keys")[int(i)].as_py(), np.uint64) for i in order]
    )
    pairs = minhash.band_pairs(keys, ids)
    return pa.table({"pairs": pa.array([pairs.astype(np.int64).tobytes()], pa.large_binary())})


def _verify(batch: pa.Table, values, offsets, pairs) -> pa.Table:
    """Exact Jaccard of a chunk of candidate pairs."""
    from inspector.core.scan.shingles import Tokens

    shingles = Tokens(values, offsets)
    cand = pairs
    sims = []
    for lo, hi in zip(batch.column("lo").to_pylist(), batch.column("hi").to_pylist(), strict=True):
        sims.append(minhash.jaccard(shingles, cand[lo:hi]).tobytes())
    return pa.table({"lo": batch.column("lo"), "sims": pa.array(sims, pa.large_binary())})


def near_pairs(
    shingles,
    threshold: float = 0.8,
    num_perm: int = minhash.DEFAULT_NUM_PERM,
    banding=None,
    cancel: threading.Event | None = None,
    *,
    concurrency: int | None = None,
    min_rows: int = MIN_ROWS,
) -> minhash.NearPairs:
    """`minhash.near_pairs` on the cluster (see the module docstring); the same result."""
    if len(shingles) < min_rows:
        return minhash.near_pairs(shingles, threshold, num_perm, banding, cancel)
    import ray.data

    from inspector.core.distributed.cluster import remote_args
    from inspector.core.progress import check

    banding = banding or minhash.choose_bands(threshold, num_perm)
    rows = len(shingles)
    rep_of, is_rep = minhash.representatives(shingles)
    if int(is_rep.sum()) < 2:
        return minhash.NearPairs(np.zeros((0, 2), np.int64), np.zeros(0), rep_of, 0)
    # Handed to Ray Data with the function: it stores them once in the object store, and
    # workers on a node map the arrays from there without copying.
    values = np.ascontiguousarray(shingles.values)
    offsets = np.ascontiguousarray(shingles.offsets)
    ranges = [{"lo": lo, "hi": min(lo + CHUNK_ROWS, rows)} for lo in range(0, rows, CHUNK_ROWS)]
    keyed = ray.data.from_items(ranges, override_num_blocks=len(ranges)).map_batches(
        _band_keys,
        batch_format="pyarrow",
        batch_size=1,
        fn_kwargs={
            "values": values,
            "offsets": offsets,
            "is_rep": is_rep,
            "num_perm": num_perm,
            "banding": banding,
        },
        concurrency=concurrency,
        **remote_args(),
    )
    found = []
    for batch in (
        keyed.groupby("band", num_partitions=min(banding.bands, PARTITIONS))
        .map_groups(_bucket, batch_format="pyarrow")
        .iter_batches(batch_size=None, batch_format="pyarrow")
    ):
        check(cancel)
        for blob in batch.column("pairs").to_pylist():
            found.append(np.frombuffer(blob, np.int64).reshape(-1, 2))
    cand = minhash.unique_pairs(found, rows)
    if not len(cand):
        return minhash.NearPairs(cand, np.zeros(0), rep_of, 0)
    chunks = [
        {"lo": lo, "hi": min(lo + PAIR_CHUNK, len(cand))} for lo in range(0, len(cand), PAIR_CHUNK)
    ]
    sims = np.empty(len(cand), dtype=np.float64)
    verified = ray.data.from_items(chunks, override_num_blocks=len(chunks)).map_batches(
        _verify,
        batch_format="pyarrow",
        batch_size=1,
        fn_kwargs={"values": values, "offsets": offsets, "pairs": cand},
        concurrency=concurrency,
        **remote_args(),
    )
    for batch in verified.iter_batches(batch_size=None, batch_format="pyarrow"):
        check(cancel)
        for lo, blob in zip(
            batch.column("lo").to_pylist(), batch.column("sims").to_pylist(), strict=True
        ):
            part = np.frombuffer(blob, np.float64)
            sims[lo : lo + len(part)] = part
    keep = sims >= threshold
    return minhash.NearPairs(cand[keep], sims[keep], rep_of, candidates=len(cand))
