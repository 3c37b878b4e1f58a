"""`scan` on a Ray cluster: the row pass as Ray Data `map_batches`, then the dataset-wide steps.

What runs where:

- on the cluster, one task per input shard (`shards`): normalize, the quality rules, the row
  and prompt hashes, shingles, n-gram contamination against the test sets' indexes (built once
  on the driver, broadcast through the object store, joined per block by sorted-key lookup),
  and with `--max-length` the token facts (render + tokenize + mask) — `rowpass.scan_block`,
  which calls the local engine's functions;
- on the cluster too, the near-duplicate search (`lsh`): MinHash signatures per block, then
  candidate pairs grouped by LSH band and verified by true Jaccard;
- on the cluster, with `--semantic`, the embeddings (`embed.ray_embed`, an actor pool);
- on the driver, over compact per-row arrays: exact and prompt groups (a sort of 8-byte
  hashes), connected components of the verified pairs, near matches against test sets,
  leakage, semantic groups and the dataset-level flag rules — `scan.run._dataset_steps`, the
  local code.

The result is the local engine's `ScanResult`, cached under the same key in the state folder
(so `inspector scan` and `inspector open` read it as their own), and the per-row results of
the row pass are kept as Parquet shards beside it (`ray/scan-<key>/rows-*.parquet`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator

import pyarrow as pa

from inspector.core.distributed import cluster, shards
from inspector.core.distributed.progress import ClusterProgress, Throughput
from inspector.core.progress import Progress, check


def _pipeline(tokens):
    return tokens.build() if tokens is not None else None


def _cached_facts(ds, pipe, use_cache: bool):
    """Every split's token facts from the tokens cache, or None if any split is missing."""
    if pipe is None or not use_cache:
        return None
    from inspector.core import progress
    from inspector.core.tokens.facts import token_facts

    out = {}
    for split in ds.splits:
        path = _facts_path(ds, split, pipe)
        if not path.is_file():
            return None
        out[split] = progress.run(token_facts(ds, split, pipe))
    return out


def _facts_path(ds, split, pipe):
    from inspector.core.cache import make_key
    from inspector.core.tokens.facts import FACTS_VERSION

    key = make_key(
        kind="token_facts", version=FACTS_VERSION, fingerprint=ds.fingerprint, split=split,
        **pipe.key,
    )  # fmt: skip
    return ds.cache.path("tokens", key, "npz")


def ray_scan(
    ds,
    settings=None,
    *,
    tokens=None,
    address: str = "auto",
    concurrency: int | None = None,
    use_cache: bool = True,
    shard_rows: int = shards.SHARD_ROWS,
    lsh_min_rows: int | None = None,
    cancel: threading.Event | None = None,
) -> Generator[Progress, None, object]:
    """Scan `ds` on a Ray cluster; a progress generator returning the local `ScanResult`.

    `tokens` is a `rowpass.TokenSpec` (the `--tokenizer/--template/--mask/--max-length`
    options), giving the `too_long` and `no_trained_tokens` flags as the local scan's
    `token_facts` do. `concurrency` bounds the tasks running at once (default: every CPU).
    `shard_rows` is the rows per input shard (a block, a task); near-duplicate searches over
    fewer than `lsh_min_rows` rows run on the driver (default `lsh.MIN_ROWS`).
    """
    from inspector.core.scan.result import ScanResult
    from inspector.core.scan.run import ScanSettings, scan_key

    settings = settings or ScanSettings()
    pipe = _pipeline(tokens)
    facts = _cached_facts(ds, pipe, use_cache)
    if use_cache and (pipe is None or facts is not None):
        cached = ds.cache.get_json("scan", scan_key(ds, settings, facts))
        if cached is not None:
            yield Progress("loading cached scan", 1, 1)
            return ScanResult.from_json(cached)

    info = cluster.connect(address, concurrency)
    try:
        result = yield from cluster.guarded(
            _run(ds, settings, tokens, pipe, concurrency, shard_rows, lsh_min_rows, cancel)
        )
    finally:
        cluster.disconnect(info)
    rows_table, facts, result = result
    if pipe is not None:
        _store_facts(ds, pipe, facts)
    key = scan_key(ds, settings, facts)
    _write_rows(ds, key, rows_table)
    if use_cache:
        ds.cache.put_json("scan", key, result.to_json())
    return result


def _run(ds, settings, tokens, pipe, concurrency, shard_rows, lsh_min_rows, cancel):
    import ray

    from inspector.core.distributed import lsh
    from inspector.core.distributed.gather import gather
    from inspector.core.distributed.rowpass import scan_block
    from inspector.core.scan import contamination
    from inspector.core.scan.run import _dataset_steps, _preambles

    shard_list = yield from shards.input_shards(ds, shard_rows, cancel)
    tests = [
        contamination.load_test_set(p, list(settings.against_fields) or None)
        for p in settings.against
    ]
    indexes = [contamination.NgramIndex(t, settings.contamination_ngram) for t in tests]
    indexes_ref = ray.put(indexes) if indexes else None
    shared = _preambles(ds)
    blocks: list[pa.Table] = []
    if shard_list:
        data = shards.read_shards(shard_list).map_batches(
            scan_block,
            batch_format="pyarrow",
            batch_size=None,
            zero_copy_batch=True,
            fn_kwargs={
                "reader": ds.row_reader(),
                "settings": settings,
                "splits": ds.splits,
                "indexes_ref": indexes_ref,
                "tokens": tokens,
                "shared": shared,
            },
            concurrency=concurrency,
            **cluster.remote_args(),
        )
        meter = Throughput(ds.total_rows, len(shard_list))
        for block in data.iter_batches(batch_size=None, batch_format="pyarrow"):
            check(cancel)
            blocks.append(block)
            meter.add(block.num_rows)
            yield meter.progress("scanning rows on the cluster")
    for block in blocks:
        for counts in block.column("preamble_rows").to_pylist():
            for p, c in zip(shared.items, counts or [], strict=False):
                p.rows += c
    rows, flags, hits, problems, facts = gather(blocks, ds, settings, pipe)
    del blocks
    if settings.semantic:
        from inspector.core.distributed.embed import ray_embed

        yield from ray_embed(ds, model=settings.embed_model, concurrency=concurrency, cancel=cancel)
    started = time.perf_counter()
    result = yield from _dataset_steps(
        ds,
        settings,
        rows,
        flags,
        tests,
        hits,
        cancel,
        near_pairs=lsh.finder(concurrency, lsh.MIN_ROWS if lsh_min_rows is None else lsh_min_rows),
    )
    result.problems = problems
    result.preambles = [p for p in shared.to_json() if p["rows"]]
    yield ClusterProgress("dataset-wide steps", 1, 1, f" ({time.perf_counter() - started:.1f}s)")
    return _rows_table(rows, flags), facts, result


def _rows_table(rows, flags) -> pa.Table:
    """The per-row results kept as Parquet shards: address, validity, hashes, flag codes."""
    codes = [None] * len(rows.valid)
    for i, found in flags.found.items():
        codes[i] = sorted({f.code for f in found})
    return pa.table(
        {
            "split": pa.array(rows.split_of, pa.int16()),
            "row": pa.array(rows.row_of, pa.int64()),
            "valid": pa.array(rows.valid, pa.bool_()),
            "row_hash": pa.array(rows.row_hash, pa.int64()),
            "prompt_hash": pa.array(rows.prompt_hash, pa.int64()),
            "answer_hash": pa.array(rows.answer_hash, pa.int64()),
            "flags": pa.array(codes, pa.list_(pa.string())),
        }
    )


ROWS_PER_FILE = 1_000_000


def _write_rows(ds, key: str, table: pa.Table) -> None:
    """`<state>/ray/scan-<key>/rows-NNNNN.parquet`, written through a temporary folder."""
    import os
    import shutil

    import pyarrow.parquet as pq

    folder = ds.state_dir / "ray" / f"scan-{key}"
    tmp = folder.with_name(f".{folder.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for k, lo in enumerate(range(0, max(table.num_rows, 1), ROWS_PER_FILE)):
        pq.write_table(table.slice(lo, ROWS_PER_FILE), tmp / f"rows-{k:05d}.parquet")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def _store_facts(ds, pipe, facts) -> None:
    """Token facts computed on the cluster go into the tokens cache the local engine reads."""
    from inspector.core.cache import atomic_write_bytes

    for split, f in (facts or {}).items():
        try:
            atomic_write_bytes(_facts_path(ds, split, pipe), f.to_bytes())
        except OSError:
            pass  # a read-only state folder: the scan result is still returned
