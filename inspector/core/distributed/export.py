"""`export` on a Ray cluster: the local `export_dataset`, with its two heavy steps on the cluster.

What runs where:

- the evidence (flags, duplicate groups, contamination) comes from `scan.ray_scan`;
- render + tokenize + mask of every kept row runs as `map_batches` over the input shards,
  each block through `token_export.encode_kept`, the function the local engine calls per batch;
  the driver writes the blocks, in row order, into the same token file the local engine writes,
  so the tokenized outputs are byte for byte the local ones;
- packing runs best-fit decreasing per shard of `PACK_SHARD_PACKS` packs' worth of tokens
  (`packed_table`, the local function, on each shard in a task; shards are runs of rows in
  row order): the same rows and tokens as the packing of the whole split, in slightly more
  packs (measured in benchmarks/bench_ray.py: within 0.5 points of efficiency at this size).
  A split of at most one shard is packed exactly as locally;
- everything else (decisions, splits, the filtered files copied from the input, the manifest,
  the staging folder renamed at the end) is the local code on the driver, which also records
  `engine` in the manifest.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Generator
from pathlib import Path

import numpy as np
import pyarrow as pa

from inspector.core.distributed import cluster, shards
from inspector.core.distributed.progress import Throughput
from inspector.core.progress import Progress, check

#: Packs' worth of tokens per packing shard. A shard packed alone leaves at most about one pack
#: partly empty and has a little less choice than the whole split, so the loss of efficiency
#: falls as 1 / (packs per shard); benchmarks/bench_ray.py measures it: at 1,000 packs per
#: shard it is a few hundredths of a point, at 250 still under 0.5 on real chat lengths.
PACK_SHARD_PACKS = 1_000


def tokenize_block(batch: pa.Table, reader, kept: dict, tokens) -> pa.Table:
    """The kept rows of one input block, tokenized by `encode_kept`: `SCHEMA` columns for the
    usable ones, a `fail` reason for the others, and the block's statistics on its first row."""
    from inspector.core.distributed.shards import ROW, SPLIT
    from inspector.core.export.token_export import encode_kept, new_stats

    split_ids = batch.column(SPLIT).to_numpy()
    row_ids = batch.column(ROW).to_numpy()
    take = np.flatnonzero([kept[int(s)][int(r)] for s, r in zip(split_ids, row_ids, strict=True)])
    raw = batch.take(pa.array(take, pa.int64())).drop_columns([SPLIT, ROW]).to_pydict()
    convs = [conv for _, conv, _ in reader.conversations(raw, 0)]
    pipe = tokens.build()
    stats = new_stats()
    failed = {"render_error": [], "no_trained_tokens": []}
    parts = []
    # Rows of one split at a time (a block never mixes splits, but stay correct if it did).
    for si in sorted({int(s) for s in split_ids[take]}):
        here = take[split_ids[take] == si]
        rows = [int(r) for r in row_ids[here]]
        sub = [convs[k] for k in np.flatnonzero(split_ids[take] == si)]
        part = encode_kept(pipe, si, rows, sub, stats, failed)
        if part is not None:
            parts.append(part)
        for reason, bad in failed.items():
            if bad:
                parts.append(_failed_rows(si, bad, reason))
                failed[reason] = []
    table = pa.concat_tables([_with_fail(p) for p in parts]) if parts else _empty()
    info = [json.dumps(stats)] + [None] * (table.num_rows - 1) if table.num_rows else []
    return table.append_column("stats", pa.array(info, pa.string()))


def _with_fail(table: pa.Table) -> pa.Table:
    if "fail" in table.column_names:
        return table
    return table.append_column("fail", pa.array([None] * table.num_rows, pa.string()))


def _failed_rows(si: int, rows: list[int], reason: str) -> pa.Table:
    from inspector.core.export.token_export import SCHEMA

    n = len(rows)
    return pa.table(
        [
            pa.array([si] * n, pa.int16()),
            pa.array(rows, pa.int64()),
            pa.array([[]] * n, pa.list_(pa.int32())),
            pa.array([[]] * n, pa.list_(pa.int32())),
            pa.array([reason] * n, pa.string()),
        ],
        schema=SCHEMA.append(pa.field("fail", pa.string())),
    )


def _empty() -> pa.Table:
    return _failed_rows(0, [], "")


class RayEngine:
    """The `engine` of `export_dataset` that runs tokenizing and packing on the cluster."""

    def __init__(self, ds, token_spec, concurrency, shard_rows, pack_shard_packs, info):
        self.reader = ds.row_reader()
        self.token_spec = token_spec
        self.concurrency = concurrency
        self.shard_rows = shard_rows
        self.info = info
        self.packed_table = ShardPacker(pack_shard_packs, concurrency)

    def describe(self) -> dict:
        return {
            "name": "ray",
            "cluster": self.info,
            "shard_rows": self.shard_rows,
            "pack_shard_packs": self.packed_table.shard_packs,
        }

    def tokenize_kept(
        self, ds, verdicts, pipeline, path: Path, cancel: threading.Event | None = None
    ) -> Generator[Progress, None, tuple]:
        """`token_export.tokenize_kept` with the tokenizing on the cluster (same file, same
        report, same rows dropped)."""
        from inspector.core.export.token_export import SCHEMA, finish_tokens, new_stats

        shard_list = yield from shards.input_shards(ds, self.shard_rows, cancel)
        kept = {s: verdicts.kept(split) for s, split in enumerate(ds.splits)}
        wanted = [sh for sh in shard_list if kept[sh.split][sh.first : sh.first + sh.rows].any()]
        blocks = []
        if wanted:
            data = shards.read_shards(wanted).map_batches(
                tokenize_block,
                batch_format="pyarrow",
                batch_size=None,
                fn_kwargs={"reader": self.reader, "kept": kept, "tokens": self.token_spec},
                concurrency=self.concurrency,
                **cluster.remote_args(),
            )
            meter = Throughput(sum(int(k.sum()) for k in kept.values()), len(wanted))
            for block in data.iter_batches(batch_size=None, batch_format="pyarrow"):
                check(cancel)
                if block.num_rows:
                    blocks.append(block)
                    meter.add(block.num_rows)
                    yield meter.progress("tokenizing on the cluster")
        blocks.sort(key=lambda b: (b.column("split")[0].as_py(), b.column("row")[0].as_py()))
        stats = new_stats()
        failed = {"render_error": {}, "no_trained_tokens": {}}
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, SCHEMA) as out:
            for block in blocks:
                for text in block.column("stats").drop_null().to_pylist():
                    for name, value in json.loads(text).items():
                        stats[name] += value
                fail = block.column("fail").to_pylist()
                good = [i for i, f in enumerate(fail) if f is None]
                if good:
                    out.write_table(block.take(good).select(SCHEMA.names).cast(SCHEMA))
                for i, reason in enumerate(fail):
                    if reason is not None:
                        split = ds.splits[block.column("split")[i].as_py()]
                        failed[reason].setdefault(split, []).append(block.column("row")[i].as_py())
        for by_split in failed.values():
            for rows in by_split.values():
                rows.sort()
        return finish_tokens(ds, verdicts, pipeline, path, stats, failed)


def _pack_chunk(batch: pa.Table, table: pa.Table, capacity: int) -> pa.Table:
    """Pack rows `lo:hi` of `table` with the local `packed_table`; the packs as IPC bytes and
    the packing's arrays, for the driver to join."""
    from inspector.core.export.token_export import packed_table

    out = {"lo": [], "ipc": [], "rows": [], "sizes": [], "starts": [], "bounds": [], "lost": []}
    for lo, hi in zip(batch.column("lo").to_pylist(), batch.column("hi").to_pylist(), strict=True):
        packs, packing = packed_table(table.slice(lo, hi - lo), capacity)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, packs.schema) as w:
            w.write_table(packs)
        out["lo"].append(lo)
        out["ipc"].append(sink.getvalue().to_pybytes())
        for name in ("rows", "sizes", "starts", "bounds"):
            out[name].append(np.asarray(getattr(packing, name), np.int64).tobytes())
        out["lost"].append(packing.tokens_lost)
    return pa.table(
        {
            "lo": pa.array(out["lo"], pa.int64()),
            **{k: pa.array(out[k], pa.large_binary()) for k in ("ipc", "rows", "sizes", "starts")},
            "bounds": pa.array(out["bounds"], pa.large_binary()),
            "lost": pa.array(out["lost"], pa.int64()),
        }
    )


class ShardPacker:
    """`token_export.packed_table` per shard of about `shard_packs` packs' worth of tokens (runs
    of rows in row order), the shards packed on the cluster."""

    strategy = "bfd-per-shard"

    def __init__(self, shard_packs: int = PACK_SHARD_PACKS, concurrency: int | None = None):
        self.shard_packs = shard_packs
        self.concurrency = concurrency

    def ranges(self, part: pa.Table, capacity: int) -> list[dict]:
        """Row ranges of the shards: each ends with the row where the running count of tokens
        (as packed: rows cut to the capacity) passes the next multiple of `shard_packs *
        capacity`, so every shard but the last holds that many tokens, give or take a row."""
        lengths = np.minimum(pa.compute.list_value_length(part.column("input_ids")).to_numpy(),
                             capacity)  # fmt: skip
        ends = np.cumsum(lengths)
        cuts = np.searchsorted(ends, np.arange(1, ends[-1] // (self.shard_packs * capacity) + 1)
                               * self.shard_packs * capacity, side="left") + 1  # fmt: skip
        bounds = sorted({0, *[int(c) for c in cuts if c < part.num_rows], part.num_rows})
        return [{"lo": a, "hi": b} for a, b in zip(bounds[:-1], bounds[1:], strict=True)]

    def __call__(self, part: pa.Table, capacity: int):
        import pyarrow.compute  # noqa: F401  (pa.compute in `ranges`)
        import ray.data

        from inspector.core.export.token_export import packed_table
        from inspector.core.tokens.pack import Packing

        ranges = self.ranges(part, capacity) if part.num_rows else []
        if len(ranges) <= 1:
            return packed_table(part, capacity)
        part = part.combine_chunks()
        data = ray.data.from_items(ranges, override_num_blocks=len(ranges)).map_batches(
            _pack_chunk,
            batch_format="pyarrow",
            batch_size=1,
            fn_kwargs={"table": part, "capacity": capacity},
            concurrency=self.concurrency,
            **cluster.remote_args(),
        )
        pieces = []
        for batch in data.iter_batches(batch_size=None, batch_format="pyarrow"):
            pieces.extend(batch.to_pylist())
        pieces.sort(key=lambda p: p["lo"])
        tables, rows, sizes, starts, bounds, lost, entries = [], [], [], [], [np.zeros(1)], 0, 0
        for p in pieces:
            tables.append(pa.ipc.open_stream(p["ipc"]).read_all())
            rows.append(np.frombuffer(p["rows"], np.int64) + p["lo"])
            sizes.append(np.frombuffer(p["sizes"], np.int64))
            starts.append(np.frombuffer(p["starts"], np.int64))
            bounds.append(np.frombuffer(p["bounds"], np.int64)[1:] + entries)
            entries += len(rows[-1])
            lost += p["lost"]
        packing = Packing(
            self.strategy,
            capacity,
            np.concatenate(rows),
            np.concatenate(starts),
            np.concatenate(sizes),
            np.concatenate(bounds).astype(np.int64),
            int(lost),
        )
        return pa.concat_tables(tables).combine_chunks(), packing


def ray_export(
    ds,
    out,
    settings,
    *,
    against=(),
    token_spec=None,
    address: str = "auto",
    concurrency: int | None = None,
    shard_rows: int = shards.SHARD_ROWS,
    pack_shard_packs: int = PACK_SHARD_PACKS,
    lsh_min_rows: int | None = None,
    cancel: threading.Event | None = None,
):
    """Export `ds` into `out` with the cluster doing the heavy steps (see the module docstring);
    a progress generator returning the local `ExportResult`. `token_spec` is a
    `rowpass.TokenSpec` (needed for tokenized and packed output)."""
    from inspector.core.distributed.scan import ray_scan
    from inspector.core.export.inputs import evidence_for
    from inspector.core.export.run import export_dataset

    pipeline = token_spec.build() if token_spec is not None else None
    info = cluster.connect(address, concurrency)

    def run_scan(ds, scan_settings, tokens, with_facts, cancel):
        spec = token_spec if (tokens is not None and with_facts) else None
        return (
            yield from ray_scan(
                ds, scan_settings, tokens=spec, concurrency=concurrency, shard_rows=shard_rows,
                lsh_min_rows=lsh_min_rows, cancel=cancel,
            )
        )  # fmt: skip

    try:
        evidence = yield from evidence_for(ds, settings, against, pipeline, cancel, run_scan)
        engine = RayEngine(ds, token_spec, concurrency, shard_rows, pack_shard_packs, info)
        return (
            yield from cluster.guarded(
                export_dataset(
                    ds, out, settings, evidence=evidence, tokens=pipeline, cancel=cancel,
                    engine=engine,
                )
            )
        )  # fmt: skip
    finally:
        cluster.disconnect(info)
