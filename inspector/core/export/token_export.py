"""Tokenized and packed exports: `input_ids`/`attention_mask`/`labels` rows and BFD packs.

Kept rows are tokenized once (`tokenize_kept`, before the split is decided, so rows with nothing
to train on can be dropped from every output alike) into an Arrow file inside the staging folder,
memory-mapped afterwards: millions of rows never sit in Python lists. Each output split is then
written from that file: tokenized rows as they are, and packs built by the token layer's
best-fit-decreasing packer (`tokens.pack.pack_bfd`) over the whole split and assembled
with array arithmetic. Packs follow `pack.assemble`'s layout: sequences keep their order inside a
pack, `position_ids` restart at 0 for each, and each sequence's first label is -100 so no token
is ever predicted across a pack boundary.
"""

from __future__ import annotations

import threading
from collections.abc import Generator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from inspector.core.export.verdicts import Verdicts
from inspector.core.export.writers import FileInfo, make_writer
from inspector.core.progress import Progress, check

BATCH = 512
IGNORE_INDEX = -100
INT32 = pa.int32()
SCHEMA = pa.schema(
    [
        ("split", pa.int16()),
        ("row", pa.int64()),
        ("input_ids", pa.list_(pa.int32())),
        ("labels", pa.list_(pa.int32())),
    ]
)


def new_stats() -> dict[str, int]:
    """The token statistics of the manifest, all zero."""
    return {
        "rows": 0,
        "tokens": 0,
        "trained_tokens": 0,
        "truncated_rows": 0,
        "trained_tokens_lost_to_truncation": 0,
    }


def encode_kept(pipeline, si: int, rows: list[int], convs: list, stats: dict, failed: dict):
    """Tokenize one batch of kept rows of split number `si`: the rows' `SCHEMA` table (None
    when none is usable), adding to `stats` and to `failed[reason]` (rows that cannot be used).
    Every engine tokenizes its batches with this."""
    from inspector.core.errors import RowError

    ids, labels, kept_rows = [], [], []
    for row, res in zip(rows, pipeline.encode_batch(convs), strict=True):
        if isinstance(res, RowError):
            failed["render_error"].append(row)
            continue
        if res.trained_tokens == 0:
            failed["no_trained_tokens"].append(row)
            continue
        m = res.model_inputs()
        ids.append(m["input_ids"])
        labels.append(m["labels"])
        kept_rows.append(row)
        stats["tokens"] += len(m["input_ids"])
        stats["trained_tokens"] += res.trained_tokens
        stats["truncated_rows"] += int(res.truncated)
        stats["trained_tokens_lost_to_truncation"] += res.trained_tokens_lost
    stats["rows"] += len(kept_rows)
    if not kept_rows:
        return None
    return pa.table(
        [
            pa.array([si] * len(kept_rows), pa.int16()),
            pa.array(kept_rows, pa.int64()),
            pa.array(ids, pa.list_(pa.int32())),
            pa.array(labels, pa.list_(pa.int32())),
        ],
        schema=SCHEMA,
    )


def finish_tokens(ds, verdicts: Verdicts, pipeline, path: Path, stats: dict, failed: dict):
    """Drop the rows that could not be used and open the written token file: `(table, report)`.
    `failed[reason][split]` lists those rows in row order."""
    dropped = {}
    for reason, by_split in failed.items():
        for split, rows in by_split.items():
            verdicts.drop_unusable(split, rows, reason)
        dropped[reason] = sum(len(r) for r in by_split.values())
    table = pa.ipc.open_file(pa.memory_map(str(path))).read_all()
    report = {**pipeline.describe(), **stats, "dropped": dropped}
    return table, report


def tokenize_kept(
    ds, verdicts: Verdicts, pipeline, path: Path, cancel: threading.Event | None = None
) -> Generator[Progress, None, tuple]:
    """Tokenize every kept row into the Arrow file `path`; drop rows that cannot be used.

    A row the template cannot render is dropped as ``render_error``; a row with no trained
    token left after truncation (it would only add a batch with no loss) as
    ``no_trained_tokens``. Returns ``(table, report)``: the memory-mapped table (rows in input
    order) and the token statistics for the manifest.
    """
    total = sum(int(verdicts.kept(s).sum()) for s in ds.splits)
    done = 0
    stats = new_stats()
    failed: dict[str, dict[str, list[int]]] = {"render_error": {}, "no_trained_tokens": {}}
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, SCHEMA) as out:
        for si, split in enumerate(ds.splits):
            here = {reason: by_split.setdefault(split, []) for reason, by_split in failed.items()}
            for chunk, convs in _kept_batches(ds, split, verdicts.kept(split)):
                check(cancel)
                part = encode_kept(pipeline, si, chunk, convs, stats, here)
                if part is not None:
                    out.write_table(part)
                done += len(chunk)
                yield Progress("tokenizing", done, total)
    failed = {r: {s: rows for s, rows in by.items() if rows} for r, by in failed.items()}
    return finish_tokens(ds, verdicts, pipeline, path, stats, failed)


def _kept_batches(ds, split: str, kept: np.ndarray):
    """`(rows, conversations)` of the kept rows, about `BATCH` at a time, in row order.

    Rows are read in contiguous windows (one Arrow slice each), which is much faster than
    fetching kept rows one by one; dropped rows in a window are skipped.
    """
    rows: list[int] = []
    convs: list = []
    for lo in range(0, kept.size, BATCH):
        if not kept[lo : lo + BATCH].any():
            continue
        for row, conv, _problem in ds.iter_conversations(split, lo, lo + BATCH, BATCH):
            if kept[row]:
                rows.append(row)
                convs.append(conv)  # None (not normalizable) becomes a render error
        if len(rows) >= BATCH:
            yield rows, convs
            rows, convs = [], []
    if rows:
        yield rows, convs


def _out_split(table: pa.Table, ds, dest: dict[str, np.ndarray]) -> np.ndarray:
    """The output split of every tokenized row (-1 when a later step dropped it)."""
    splits = table.column("split").to_numpy()
    rows = table.column("row").to_numpy()
    out = np.full(table.num_rows, -1, dtype=np.int8)
    for si, split in enumerate(ds.splits):
        here = splits == si
        out[here] = dest[split][rows[here]]
    return out


def _flat(column) -> tuple[np.ndarray, np.ndarray]:
    """A list<int32> column as (flat values, offsets)."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    offsets = arr.offsets.to_numpy()
    values = arr.values.to_numpy(zero_copy_only=False)
    return values[offsets[0] : offsets[-1]], offsets - offsets[0]


def _list(values: np.ndarray, offsets: np.ndarray, type_: pa.DataType = INT32) -> pa.Array:
    """A list array; 64-bit offsets only past 2**31 values, where 32-bit ones would overflow."""
    if offsets[-1] < np.iinfo(np.int32).max:
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(values, type_))
    return pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pa.array(values, type_))


def tokenized_table(table: pa.Table) -> pa.Table:
    """`input_ids`, `attention_mask`, `labels` of tokenized rows."""
    ids, offsets = _flat(table.column("input_ids"))
    labels, _ = _flat(table.column("labels"))
    return pa.table(
        {
            "input_ids": _list(ids, offsets),
            "attention_mask": _list(np.ones(ids.size, np.int8), offsets, pa.int8()),
            "labels": _list(labels, offsets),
        }
    )


def packed_table(table: pa.Table, capacity: int) -> tuple[pa.Table, Any]:
    """Pack tokenized rows by BFD: `input_ids`, `labels`, `position_ids`, `seq_lengths`."""
    from inspector.core.tokens.pack import pack_bfd

    ids, offsets = _flat(table.column("input_ids"))
    labels, _ = _flat(table.column("labels"))
    packing = pack_bfd(np.diff(offsets), capacity)
    sizes = packing.sizes.astype(np.int64)
    # Token index of every packed token: each entry's slice of its row, entries in pack order.
    entry_start = offsets[packing.rows] + packing.starts
    within = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(sizes) - sizes, sizes
    )
    take = np.repeat(entry_start, sizes) + within
    pack_labels = labels[take].copy()
    pack_labels[within == 0] = IGNORE_INDEX  # never predict a sequence's first token
    pack_offsets = np.concatenate([[0], np.cumsum(packing.pack_tokens)]).astype(np.int64)
    seq_offsets = packing.bounds.astype(np.int64)
    out = pa.table(
        {
            "input_ids": _list(ids[take], pack_offsets),
            "labels": _list(pack_labels, pack_offsets),
            "position_ids": _list(within.astype(np.int32), pack_offsets),
            "seq_lengths": _list(sizes.astype(np.int32), seq_offsets),
        }
    )
    return out, packing


def write_token_outputs(
    table: pa.Table,
    ds,
    dest,
    names: list[str],
    settings,
    pipeline,
    root: Path,
    cancel: threading.Event | None = None,
    packer=None,
) -> Generator[Progress, None, dict[str, Any]]:
    """Write `tokenized/` and/or `packed/` for every output split; returns their manifest part.

    `packer` replaces `packed_table` (same arguments and result), e.g. a cluster's packing
    per shard; its `strategy` attribute names it in the manifest."""
    kind = settings.container or "parquet"
    where = _out_split(table, ds, dest)
    capacity = settings.pack_length or pipeline.settings.max_length
    outputs: dict[str, Any] = {}
    tok_files: dict[str, FileInfo] = {}
    pack_files: dict[str, FileInfo] = {}
    packing_report: dict[str, Any] = {}
    for k, name in enumerate(names):
        check(cancel)
        part = table.take(np.flatnonzero(where == k))
        if part.num_rows == 0:
            continue
        if "tokenized" in settings.what:
            w = make_writer(kind, root, "tokenized", name)
            w.write_table(tokenized_table(part))
            tok_files[name] = w.close()
        if "packed" in settings.what:
            packs, packing = (packer or packed_table)(part, capacity)
            w = make_writer(kind, root, "packed", name)
            w.write_table(packs)
            pack_files[name] = w.close()
            packing_report[name] = {
                "rows": part.num_rows,
                "packs": len(packing),
                "tokens": packing.tokens,
                "tokens_lost": packing.tokens_lost,
                "efficiency": round(packing.efficiency, 6),
            }
        yield Progress("writing token outputs", k + 1, len(names))
    if "tokenized" in settings.what:
        outputs["tokenized"] = {"as": kind, "files": {k: v.to_json() for k, v in tok_files.items()}}
    if "packed" in settings.what:
        tokens = sum(p["tokens"] for p in packing_report.values())
        packs = sum(p["packs"] for p in packing_report.values())
        outputs["packed"] = {
            "as": kind,
            "files": {k: v.to_json() for k, v in pack_files.items()},
            "packing": {
                "strategy": getattr(packer, "strategy", "bfd"),
                "pack_length": capacity,
                "packs": packs,
                "tokens": tokens,
                "efficiency": round(tokens / (packs * capacity), 6) if packs else 0.0,
                "splits": packing_report,
            },
        }
    return outputs
