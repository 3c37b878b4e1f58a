"""The scan's row pass over one Arrow block, run in Ray workers: the local engine's own code.

`scan_block` turns a block of input rows (a shard, see `shards`) into one Arrow table with a
row per input row: what `scan.run.take_row` and `scan.run.shingle_batch` record for it (the
hashes, the two shingle lists, the flags found by `FlagRun`, the preference lengths the
length-bias rule needs, the n-gram contamination hits) and, when a token pipeline is given,
its token facts from `tokens.facts.facts_from_conversations`. Nothing here decides anything
about a row: it only moves what the core functions return into columns, and `gather` moves
it back into the `RowData`, `FlagRun` and hit list that the dataset-wide steps read.

Heavy objects (the test sets' n-gram indexes, the token pipeline) are built once per worker
process and kept in `_CACHE`, keyed by what they are built from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from inspector.core.distributed.shards import ROW, SPLIT

#: Per worker process: test-set indexes and token pipelines, by their object ref or settings.
_CACHE: dict = {}
FACT_PREFIX = "tok_"


@dataclass(frozen=True)
class TokenSpec:
    """How to build the token pipeline in a worker: what `pipeline_from_options` is given."""

    tokenizer: str | None
    settings: object  # a `TokenSettings`
    format: str

    def build(self):
        key = ("pipeline", self.tokenizer, self.settings, self.format)
        if key not in _CACHE:
            from inspector.core.tokens.tokenize import TokenPipeline
            from inspector.core.tokens.tokenizer import load_tokenizer

            _CACHE[key] = TokenPipeline(
                load_tokenizer(self.tokenizer), self.settings, fmt=self.format
            )
        return _CACHE[key]


def _indexes(ref):
    if ref is None:
        return []
    key = ("indexes", ref.hex())
    if key not in _CACHE:
        import ray

        _CACHE[key] = ray.get(ref)
    return _CACHE[key]


def _list_column(tokens) -> pa.Array:
    offsets = pa.array(np.asarray(tokens.offsets, dtype=np.int64), pa.int64())
    return pa.LargeListArray.from_arrays(offsets, pa.array(tokens.values, pa.uint64()))


def scan_block(
    batch: pa.Table, reader, settings, splits, indexes_ref=None, tokens=None, shared=None
):
    """One block of input rows -> one table of what the row pass found (see module doc).

    `shared`: the dataset's preambles (found on the driver); the rows each was stripped from
    in this block come back in the `preamble_rows` column (its first row; null elsewhere)."""
    from inspector.core import progress
    from inspector.core.flags import FlagRun
    from inspector.core.scan.rows import RowData, facts_for
    from inspector.core.scan.run import shingle_batch, take_row

    split_ids = batch.column(SPLIT).to_numpy()
    row_ids = batch.column(ROW).to_numpy()
    raw = batch.drop_columns([SPLIT, ROW]).to_pydict()
    items = list(reader.conversations(raw, 0))
    facts = None
    if tokens is not None:
        from inspector.core.tokens.facts import facts_from_conversations

        pipe = tokens.build()
        facts = progress.run(facts_from_conversations(items, len(items), pipe))
    rows, flags, problems, pending = RowData(), FlagRun(settings.max_length), [], []
    for i, conv, problem in items:
        s = int(split_ids[i])
        row_facts = facts_for({"b": facts}, "b", i) if facts is not None and conv else None
        take_row(rows, flags, problems, (s, splits[s]), int(row_ids[i]), conv, problem,
                 row_facts, pending)  # fmt: skip
    if shared is not None:
        for p in shared.items:
            p.rows = 0  # this block's rows only; the driver adds the blocks up
    indexes = _indexes(indexes_ref)
    hits = shingle_batch(rows, pending, settings, indexes, 0, shared) if pending else []
    n = len(items)
    by_row: dict[int, list] = {}
    for h in hits:
        by_row.setdefault(h.row, []).append(
            [h.against, h.item, h.item_text, h.kind, h.ngram, h.similarity]
        )
    found = flags.found
    bias = flags.length_bias.lengths
    reasons = {i: problem for i, _conv, problem in items if problem is not None}
    columns = {
        "split": pa.array(split_ids, pa.int16()),
        "row": pa.array(row_ids, pa.int64()),
        "valid": pa.array(rows.valid, pa.bool_()),
        "row_hash": pa.array(rows.row_hash, pa.int64()),
        "prompt_hash": pa.array(rows.prompt_hash, pa.int64()),
        "has_prompt": pa.array(rows.has_prompt, pa.bool_()),
        "answer_hash": pa.array(rows.answer_hash, pa.int64()),
        "near": _list_column(rows.near_parts[0]) if n else pa.array([], pa.large_list(pa.uint64())),
        "prompt": (
            _list_column(rows.prompt_parts[0]) if n else pa.array([], pa.large_list(pa.uint64()))
        ),
        "findings": pa.array(
            [json.dumps([f.to_json() for f in found[i]]) if i in found else None for i in range(n)],
            pa.string(),
        ),
        "bias_chosen": pa.array([bias[i][0] if i in bias else None for i in range(n)], pa.int64()),
        "bias_rejected": pa.array(
            [bias[i][1] if i in bias else None for i in range(n)], pa.int64()
        ),
        "problem": pa.array([reasons.get(i) for i in range(n)], pa.string()),
        "hits": pa.array(
            [json.dumps(by_row[i]) if i in by_row else None for i in range(n)], pa.string()
        ),
    }
    counts = [p.rows for p in shared.items] if shared is not None else []
    columns["preamble_rows"] = pa.array(
        [counts if i == 0 else None for i in range(n)], pa.list_(pa.int64())
    )
    if facts is not None:
        for name, values in facts.columns.items():
            columns[FACT_PREFIX + name] = pa.array(values, pa.int32())
        why = {p.row: p.reason for p in facts.problems}
        columns[FACT_PREFIX + "problem"] = pa.array([why.get(i) for i in range(n)], pa.string())
    return pa.table(columns)
